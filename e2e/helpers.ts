import { expect, type Locator, type Page } from '@playwright/test';

export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'e2e-admin-password';

export async function login(page: Page, name = 'admin', password = ADMIN_PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Account').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('actor')).toContainText(name);
}

/** Opens a list page, creates one resource through its form, and checks it is listed. */
export async function createThroughForm(page: Page, slug: string, name: string, fill: (dialog: Locator) => Promise<void>) {
  await page.goto(`/${slug}`);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await fill(dialog);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
}
