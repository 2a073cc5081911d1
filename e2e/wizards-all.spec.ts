import { expect, test, type Page } from '@playwright/test';
import { login } from './helpers';

/**
 * Issue 12: the wizards run side by side in one data center, as the seed's sections do — every
 * wizard green on one console, one after another, then again in another order (the specs before
 * this one have run each once already, in yet another order). No connectivity check runs past its
 * deadline: a wizard row that waited longer would fail the run's time budget.
 */
const FIRST = ['s-3tier', 's-sg', 's-lb', 's-basic', 's-tenant', 's-pf', 's-eip'];
const THEN = ['s-eip', 's-basic', 's-pf', 's-lb', 's-3tier', 's-tenant', 's-sg'];

async function runWizard(page: Page, slug: string) {
  await page.goto(`/wizards/${slug}`);
  await page.getByRole('button', { name: 'Build and verify' }).click();
  await expect(page.getByTestId('wizard-result'), slug).toBeVisible({ timeout: 270_000 });
  await expect(page.getByTestId('wizard-steps').locator('[data-state="failed"]'), slug).toHaveCount(0);
  const rows = page.getByTestId('verify-table').locator('tbody tr');
  expect(await rows.count(), slug).toBeGreaterThan(0);
  for (const row of await rows.all())
    await expect(row, `${slug}: ${await row.textContent()}`).toHaveAttribute('data-pass', 'true');
  await expect(page.getByTestId('wizard-result'), slug).toContainText('Every check gave the expected result.');
}

test('every wizard on one console, one after another, then again in another order', async ({ page }) => {
  test.setTimeout(40 * 60_000);
  await login(page);
  for (const slug of [...FIRST, ...THEN]) {
    const t0 = Date.now();
    await runWizard(page, slug);
    console.log(`${slug}: green in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
});
