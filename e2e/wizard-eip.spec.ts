import { expect, test } from '@playwright/test';
import { login } from './helpers';

/**
 * Issue "vRouter services" acceptance: the S-EIP wizard runs in the browser to its verification
 * table (TCP from the internet to VIP:22 answered by VM-1, the VM's traffic seen as the VIP, then
 * after unbind/bind answered by VM-2) — then the EIP is moved back by hand through the console with
 * the rule preview, and the port forwarding form shows R-PF-2's constraint beside its field.
 */
test('the S-EIP wizard turns green; the EIP form previews its rules; PF constraints show inline', async ({ page }) => {
  test.setTimeout(300_000);
  await login(page);
  await page.getByRole('link', { name: 'Elastic IP (S-EIP)' }).click();
  await expect(page.getByLabel('EIP-1 VIP (4.5)')).toHaveValue('10.108.12.198');
  await expect(page.getByLabel('Public start IP (table 5/10)')).toHaveValue('10.108.12.0');
  await page.getByRole('button', { name: 'Build and verify' }).click();
  await expect(page.getByTestId('wizard-result')).toBeVisible({ timeout: 240_000 });
  const rows = page.getByTestId('verify-table').locator('tbody tr');
  await expect(rows).toHaveCount(4);
  for (const row of await rows.all()) await expect(row).toHaveAttribute('data-pass', 'true');
  await expect(page.getByTestId('verify-table')).toContainText('answered by svc-VM-1');
  await expect(page.getByTestId('verify-table')).toContainText('seen as 10.108.12.198');
  await expect(page.getByTestId('verify-table')).toContainText('answered by svc-VM-2');
  await expect(page.getByTestId('wizard-result')).toContainText('Every check gave the expected result.');
  await page.screenshot({ path: 'test-results/wizard-eip.png', fullPage: true });

  // The EIP list shows EIP-1 on VM-2; unbind and bind it back to VM-1 with the rule preview.
  await page.goto('/eips');
  const eipRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'EIP-1', exact: true }) });
  await expect(eipRow).toContainText('svc-VM-2');
  await eipRow.getByRole('link', { name: 'EIP-1', exact: true }).click();
  await page.getByRole('button', { name: 'Unbind' }).click();
  await page.getByLabel('VM NIC').selectOption({ label: await optionLabel(page, 'svc-VM-1') });
  await page.getByRole('button', { name: 'Preview rules' }).click();
  const preview = page.getByTestId('rule-preview');
  await expect(preview).toContainText('Rules the vRouter will apply');
  await expect(preview).toContainText(/nft add element ip cr_vrouter eip_dnat \{ 10\.108\.12\.198 : 192\.168\.10\.\d+ \}/);
  await expect(preview).toContainText('nft add element netdev cr_vrouter_arp vips_eth1 { 10.108.12.198 }');
  await page.getByRole('button', { name: 'Bind' }).click();
  await expect(page.getByTestId('binding')).toContainText('svc-VM-1');

  // The VM's page lists its EIP.
  await page.getByTestId('binding').getByRole('link', { name: 'svc-VM-1' }).click();
  await expect(page.getByTestId('vm-services')).toContainText('EIP-1');
  await expect(page.getByTestId('vm-services')).toContainText('10.108.12.198');

  // R-PF-2 on the port forwarding form: ranges of unequal length, refused beside the VM end port.
  await page.goto('/port-forwards');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const d = page.getByRole('dialog');
  await d.getByLabel('Name', { exact: true }).fill('PF-bad');
  await d.getByLabel('Public network').selectOption({ label: 'wizards-L3-public' });
  await d.getByLabel('Ports').selectOption('range');
  await d.getByLabel('Source start port').fill('5900');
  await d.getByLabel('Source end port').fill('5910');
  await d.getByLabel('VM start port (optional)').fill('6900');
  await d.getByLabel('VM end port (optional)').fill('6905');
  await d.getByRole('button', { name: 'Preview rules' }).click();
  await expect(d.locator('[data-field-error="f-vmPortEnd"]')).toContainText('equal length');
  await expect(d.getByLabel('Source end port')).toHaveValue('5910');
});

/** The label of the NIC option of a VM (its text carries the VM name, the device and the address). */
async function optionLabel(page: import('@playwright/test').Page, vmName: string): Promise<string> {
  const options = page.getByLabel('VM NIC').locator('option');
  await expect(options.filter({ hasText: vmName }).first()).toBeAttached();
  return (await options
    .filter({ hasText: `${vmName} ·` })
    .first()
    .textContent())!.trim();
}
