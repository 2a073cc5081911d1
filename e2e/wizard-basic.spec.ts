import { expect, test } from '@playwright/test';
import { login } from './helpers';

/**
 * Issue "Real data plane" acceptance: the S-BASIC wizard runs in the browser to its green
 * verification table — every row a real check from inside a lab VM (SPEC S-BASIC).
 */
test('the S-BASIC wizard builds the network and its verification table turns green', async ({ page }) => {
  test.setTimeout(300_000);
  await login(page);
  await page.getByRole('link', { name: 'Basic network (S-BASIC)' }).click();
  await expect(page.getByLabel('Private CIDR')).toHaveValue('192.168.10.0/24');
  await expect(page.getByLabel('Private VLAN ID')).toHaveValue('2700');
  await page.getByRole('button', { name: 'Build and verify' }).click();
  await expect(page.getByTestId('wizard-result')).toBeVisible({ timeout: 240_000 });
  const rows = page.getByTestId('verify-table').locator('tbody tr');
  await expect(rows).toHaveCount(6);
  for (const row of await rows.all()) await expect(row).toHaveAttribute('data-pass', 'true');
  await expect(page.getByTestId('wizard-result')).toContainText('Every check gave the expected result.');
  await expect(page.getByTestId('wizard-steps').locator('[data-state="failed"]')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/wizard-basic.png', fullPage: true });

  // The vRouter it made is listed with its three NICs and is in sync.
  await page.goto('/vrouters');
  await page.getByRole('link', { name: 'vrouter-basic-L3-private', exact: true }).click();
  await expect(page.getByTestId('nics').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('sync')).toContainText('In sync');

  // R-VM-1 through the form: two VMs at once on the wizard's private network, each with an address.
  await page.goto('/vms');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const d = page.getByRole('dialog');
  await d.getByLabel('Name', { exact: true }).fill('web');
  await d.getByLabel('Instance offering').selectOption({ label: 'wizards-small' });
  await d.getByLabel('Image').selectOption({ label: 'wizards-vm-image' });
  await d.getByLabel('Network (default route)').selectOption({ label: 'basic-L3-private' });
  await d.getByLabel('How many').fill('2');
  await d.getByRole('button', { name: 'Confirm' }).click();
  await expect(d).toBeHidden();
  for (const name of ['web-1', 'web-2']) {
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row).toContainText(/192\.168\.10\.\d+/);
    await expect(row).toContainText('running');
  }

  // A VM's own Verify panel runs a check too.
  await page.goto('/vms');
  await page.getByRole('link', { name: 'VM-1', exact: true }).click();
  await page.getByLabel('Check').selectOption('dns');
  await page.getByLabel('Name to resolve').fill('example.com');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByTestId('verify-results')).toContainText('example.com → 198.51.100.10');
});
