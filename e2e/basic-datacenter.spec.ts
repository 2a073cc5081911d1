import { expect, test } from '@playwright/test';
import { createThroughForm, login } from './helpers';

/**
 * Issue "Foundation" acceptance: a new administrator builds the S-BASIC data center with the seed's
 * values (tables 1–3) in the browser, finds each resource in its list, sees the field errors of
 * R-L3-5 (overlap, link-local), and switches the console to Chinese.
 */
test('S-BASIC data center through the console (R-L2-1, R-L2-2, R-L3-1..5, R-IMG-1, R-OFF-1)', async ({ page }) => {
  await login(page);

  await createThroughForm(page, 'zones', 'ZONE-1', async () => {});
  await createThroughForm(page, 'clusters', 'Cluster-1', async (d) => {
    await d.getByLabel('Zone').selectOption({ label: 'ZONE-1' });
  });
  await createThroughForm(page, 'hosts', 'Host-1', async (d) => {
    await d.getByLabel('Cluster').selectOption({ label: 'Cluster-1' });
    await d.getByLabel('Management IP').fill('192.168.29.11');
  });
  await createThroughForm(page, 'backup-storages', 'BS-1', async (d) => {
    await d.getByLabel('Zone').selectOption({ label: 'ZONE-1' });
    await d.getByLabel('URL').fill('/zstack_bs');
  });

  // Table 1: public network on em01, no VLAN.
  await createThroughForm(page, 'l2-networks', 'L2-public', async (d) => {
    await d.getByLabel('Zone').selectOption({ label: 'ZONE-1' });
    await d.getByLabel('Type').selectOption('novlan');
    await d.getByLabel('Physical NIC').fill('em01');
    await d.getByRole('checkbox', { name: 'Cluster-1' }).check();
  });
  await createThroughForm(page, 'public-networks', 'L3-public', async (d) => {
    await d.getByLabel('L2 network').selectOption({ label: 'L2-public' });
    await d.getByLabel('Start IP').fill('10.108.10.0');
    await d.getByLabel('End IP').fill('10.108.11.255');
    await d.getByLabel('Netmask').fill('255.0.0.0');
    await d.getByLabel('Gateway').fill('10.0.0.1');
    await d.getByLabel('DHCP server IP (optional)').fill('10.108.10.1');
    await d.getByLabel('DNS (optional)').fill('114.114.114.114');
  });

  // Table 2: management network on em02.
  await createThroughForm(page, 'l2-networks', 'L2-management', async (d) => {
    await d.getByLabel('Zone').selectOption({ label: 'ZONE-1' });
    await d.getByLabel('Physical NIC').fill('em02');
    await d.getByRole('checkbox', { name: 'Cluster-1' }).check();
  });
  await createThroughForm(page, 'system-networks', 'L3-management', async (d) => {
    await d.getByLabel('L2 network').selectOption({ label: 'L2-management' });
    await d.getByLabel('Start IP').fill('192.168.29.30');
    await d.getByLabel('End IP').fill('192.168.29.40');
    await d.getByLabel('Netmask').fill('255.255.255.0');
    await d.getByLabel('Gateway').fill('192.168.29.1');
  });

  await createThroughForm(page, 'vrouter-images', 'vrouter-image', async (d) => {
    await d.getByLabel('Backup storage').selectOption({ label: 'BS-1' });
    await d.getByLabel('URL').fill('http://192.0.2.10/zstack-vrouter-3.10.0.qcow2');
  });
  await createThroughForm(page, 'vrouter-offerings', 'vrouter-offering', async (d) => {
    await d.getByLabel('Zone').selectOption({ label: 'ZONE-1' });
    await d.getByLabel('CPU').fill('8');
    await d.getByLabel('Memory', { exact: true }).fill('8');
    await d.getByLabel('Unit').selectOption('G');
    await d.getByLabel('Image').selectOption({ label: 'vrouter-image' });
    await d.getByLabel('Management network').selectOption({ label: 'L3-management' });
    await d.getByLabel('L3 network (public or flat)').selectOption({ label: 'L3-public' });
  });

  // Table 3: private network, VLAN 2700 on em01, vRouter type, CIDR 192.168.10.0/24.
  await createThroughForm(page, 'l2-networks', 'L2-private', async (d) => {
    await d.getByLabel('Zone').selectOption({ label: 'ZONE-1' });
    await d.getByLabel('Type').selectOption('vlan');
    await d.getByLabel('VLAN ID').fill('2700');
    await d.getByLabel('Physical NIC').fill('em01');
    await d.getByRole('checkbox', { name: 'Cluster-1' }).check();
  });
  await createThroughForm(page, 'private-networks', 'L3-private', async (d) => {
    await d.getByLabel('L2 network').selectOption({ label: 'L2-private' });
    await d.getByLabel('Network type').selectOption('vrouter');
    await d.getByLabel('vRouter offering').selectOption({ label: 'vrouter-offering' });
    await d.getByLabel('Add network range').selectOption('cidr');
    await d.getByLabel('CIDR').fill('192.168.10.0/24');
    await d.getByLabel('DHCP server IP (optional)').fill('192.168.10.10');
  });

  // The private network's detail shows its range and the DHCP server IP as the one used address.
  await page.getByRole('link', { name: 'L3-private', exact: true }).click();
  await expect(page.getByTestId('ranges')).toContainText('192.168.10.2');
  await expect(page.getByTestId('ranges')).toContainText('192.168.10.254');
  await expect(page.getByTestId('ip-usage')).toHaveText('1 of 253 addresses in use');

  // R-L3-5: a range overlapping the existing one is refused beside the field, and so is link-local.
  await page.goto('/public-networks');
  await page.getByRole('link', { name: 'L3-public', exact: true }).click();
  await page.getByRole('button', { name: 'Add range' }).click();
  const d = page.getByRole('dialog');
  await d.getByLabel('Start IP').fill('10.108.11.0');
  await d.getByLabel('End IP').fill('10.108.12.255');
  await d.getByLabel('Netmask').fill('255.0.0.0');
  await d.getByLabel('Gateway').fill('10.0.0.1');
  await d.getByRole('button', { name: 'Confirm' }).click();
  await expect(d.locator('[data-field-error="range-startIp"]')).toContainText('overlaps 10.108.10.0–10.108.11.255');
  await d.getByLabel('Start IP').fill('169.254.1.1');
  await d.getByLabel('End IP').fill('169.254.1.10');
  await d.getByLabel('Netmask').fill('255.255.0.0');
  await d.getByLabel('Gateway').fill('169.254.0.1');
  await d.getByRole('button', { name: 'Confirm' }).click();
  await expect(d.locator('[data-field-error="range-startIp"]')).toContainText('link-local');
  // Nothing was added by the refused input.
  await d.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('ranges').locator('tbody tr')).toHaveCount(1);

  // Every resource is in its list.
  for (const [slug, name] of [
    ['zones', 'ZONE-1'],
    ['clusters', 'Cluster-1'],
    ['hosts', 'Host-1'],
    ['l2-networks', 'L2-private'],
    ['system-networks', 'L3-management'],
    ['vrouter-offerings', 'vrouter-offering'],
  ] as const) {
    await page.goto(`/${slug}`);
    await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  }

  // Search narrows the list.
  await page.goto('/l2-networks');
  await page.getByLabel('Search…').fill('private');
  await expect(page.getByRole('link', { name: 'L2-public', exact: true })).toBeHidden();
  await expect(page.getByRole('link', { name: 'L2-private', exact: true })).toBeVisible();

  // Chinese: the navigation uses the seed's own terms.
  await page.getByLabel('Language').selectOption('zh');
  const nav = page.getByRole('navigation', { name: 'main' });
  for (const term of [
    '硬件设施',
    '区域',
    '集群',
    '物理机',
    '二层网络',
    'VXLAN网络池',
    '公有网络',
    '系统网络',
    '私有网络',
    '云路由镜像',
    '云路由规格',
  ]) {
    await expect(nav).toContainText(term);
  }
  await expect(page.locator('h1')).toHaveText('二层网络');
  await page.screenshot({ path: 'test-results/basic-datacenter-zh.png', fullPage: true });
});
