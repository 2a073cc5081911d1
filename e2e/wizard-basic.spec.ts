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
  await page.getByRole('link', { name: 'vrouter-basic-L3-private' }).click();
  await expect(page.getByTestId('nics').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('sync')).toContainText('In sync');

  // A VM's own Verify panel runs a check too.
  await page.goto('/vms');
  await page.getByRole('link', { name: 'VM-1', exact: true }).click();
  await page.getByLabel('Check').selectOption('dns');
  await page.getByLabel('Name to resolve').fill('example.com');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByTestId('verify-results')).toContainText('example.com → 198.51.100.10');
});
