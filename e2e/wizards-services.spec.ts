import { expect, test, type Page } from '@playwright/test';
import { login } from './helpers';

/**
 * The other three scenario wizards of issue "vRouter services" (SPEC §5), each run in the browser
 * to its verification table with the seed's values — including the rows that must fail.
 */
async function runWizard(page: Page, link: string, rowCount: number) {
  await login(page);
  await page.getByRole('link', { name: link }).click();
  await page.getByRole('button', { name: 'Build and verify' }).click();
  await expect(page.getByTestId('wizard-result')).toBeVisible({ timeout: 270_000 });
  const rows = page.getByTestId('verify-table').locator('tbody tr');
  await expect(rows).toHaveCount(rowCount);
  for (const row of await rows.all()) await expect(row).toHaveAttribute('data-pass', 'true');
  await expect(page.getByTestId('wizard-result')).toContainText('Every check gave the expected result.');
  return page.getByTestId('verify-table');
}

test('S-PF: VIP:24 → VM-1:22, rebound to VM-2, and 5900–5910 → VM-1', async ({ page }) => {
  test.setTimeout(300_000);
  const table = await runWizard(page, 'Port forwarding (S-PF)', 6);
  await expect(table).toContainText(':24, answered by svc-VM-1');
  await expect(table).toContainText(':24, answered by svc-VM-2');
  await expect(table).toContainText(':5910, answered by svc-VM-1');
});

test('S-TENANT: both reach the internet, VM-1 ✗ VM-2, then ✓ after route table entries', async ({ page }) => {
  test.setTimeout(300_000);
  const table = await runWizard(page, 'Multi-tenant VXLAN (S-TENANT)', 7);
  // Two rows expected unreachable and observed unreachable, before the route table.
  await expect(table.locator('tr[data-pass="true"]', { hasText: 'unreachable' })).toHaveCount(2);
  await page.screenshot({ path: 'test-results/wizard-tenant.png', fullPage: true });
});

test('S-3TIER: the full 3×3 table, web ✗ db and db ✗ web', async ({ page }) => {
  test.setTimeout(300_000);
  const table = await runWizard(page, 'Multi-tier web (S-3TIER)', 9);
  // Exactly the two rows the seed expects to fail: web → database and database → web.
  const failing = table.locator('tr', { hasText: '✓ unreachable' });
  await expect(failing).toHaveCount(2);
  await expect(failing.nth(0)).toContainText('3tier-VM-web');
  await expect(failing.nth(0)).toContainText('3tier-VM-database');
  await page.screenshot({ path: 'test-results/wizard-3tier.png', fullPage: true });
});
