import { expect, test } from '@playwright/test';
import { login } from './helpers';

/** The console has its own icon in the browser tab and its logo in the navigation (public/). */
test('the favicon and the logo are served and used', async ({ page }) => {
  await page.goto('/login');
  const icon = page.locator('link[rel="icon"]');
  await expect(icon).toHaveAttribute('href', /\/favicon\.svg/);
  for (const file of ['/favicon.svg', '/logo.svg']) {
    const res = await page.request.get(file);
    expect(res.status(), file).toBe(200);
    expect(res.headers()['content-type']).toContain('image/svg+xml');
    expect(await res.text()).toContain('<title>CloudRouter</title>');
  }
  await login(page);
  const logo = page.locator('aside').getByRole('img', { name: 'CloudRouter' });
  await expect(logo).toBeVisible();
  expect(await logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
});
