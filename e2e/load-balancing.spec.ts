import { expect, test } from '@playwright/test';
import { login } from './helpers';

/**
 * Issue 13 (SPEC S-LB, R-LB-1 … R-LB-6) in the browser: the S-LB wizard turns green with the seed's
 * values; a load balancer built through the console's own forms — the seed's dialog with its first
 * listener, then "bind VM NICs", network first — serves a VM; and a listener's connection counter
 * rises after traffic from the lab internet, as the reconciler collects it.
 */
test('S-LB wizard green; an LB built in the console serves; the listener counter rises with traffic', async ({ page }) => {
  test.setTimeout(360_000);
  await login(page);

  await page.goto('/wizards/s-lb');
  await page.getByRole('button', { name: 'Build and verify' }).click();
  await expect(page.getByTestId('wizard-result')).toBeVisible({ timeout: 270_000 });
  const rows = page.getByTestId('verify-table').locator('tbody tr');
  await expect(rows).toHaveCount(5); // three checks, and the stop and start between them
  for (const row of await rows.all()) await expect(row).toHaveAttribute('data-pass', 'true');
  await expect(page.getByTestId('wizard-result')).toContainText('Every check gave the expected result.');

  // The seed's create dialog: name, a new VIP on the public network, and the first listener (8080 → 5000).
  await page.goto('/load-balancers');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const d = page.getByRole('dialog');
  await d.getByLabel('Name', { exact: true }).fill('LB-console');
  await d.getByLabel('Public network').selectOption({ label: 'wizards-L3-public' });
  await d.getByLabel('Listener name').fill('web-8080');
  await d.getByLabel('Protocol').selectOption('tcp');
  await d.getByLabel('Load balancer port').fill('8080');
  await d.getByLabel('VM port').fill('5000');
  // The advanced section holds every field of R-LB-2; a refused value is shown beside its field, the rest kept.
  await d.getByLabel('Advanced').check();
  await d.getByLabel('Max connections (optional)').fill('0');
  await d.getByRole('button', { name: 'Preview rules' }).click();
  await expect(d.getByText('From 1 to 100000 connections.')).toBeVisible();
  await expect(d.getByLabel('Listener name')).toHaveValue('web-8080');
  await d.getByLabel('Max connections (optional)').fill('1000');
  await d.getByLabel('Health check interval (s) (optional)').fill('1');
  // Every service form shows what the vRouter would do before it is saved: nothing yet, without a backend.
  await d.getByRole('button', { name: 'Preview rules' }).click();
  await expect(d.getByTestId('rule-preview')).toContainText('Nothing is applied until');
  await d.getByRole('button', { name: 'Confirm' }).click();
  await expect(d).toBeHidden();
  await page.getByRole('link', { name: 'LB-console', exact: true }).click();
  await page.getByTestId('lb-listeners').getByRole('link', { name: 'web-8080' }).click();
  const bind = page.getByTestId('bind-nics');
  await bind.getByLabel('Network').selectOption({ label: 'svc-L3-private' });
  await bind.getByRole('checkbox', { name: /lb-VM-1/ }).check();
  await bind.getByRole('button', { name: 'Bind' }).click();
  await expect(page.getByTestId('backend-lb-VM-1')).toBeVisible();
  // Its health check finds the VM's service (the wizard left it listening on 5000).
  await expect(page.getByTestId('backend-lb-VM-1')).toContainText('Healthy', { timeout: 30_000 });

  // The wizard's listener: its counter, then traffic from the lab internet, then the counter again.
  await page.goto('/listeners');
  const row = page.getByRole('row', { name: /listener-80/ });
  const vip = (await row.getByText(/:80 → 5000$/).textContent())!.split(':')[0]!;
  await row.getByRole('link', { name: 'listener-80', exact: true }).click();
  const total = page.getByTestId('listener-total');
  // (Counted since haproxy last loaded: adding LB-console on the same vRouter reloaded it.)
  await expect(page.getByTestId('listener-counters')).not.toContainText('No counters collected yet', { timeout: 20_000 });
  const before = Number(await total.textContent());
  for (let i = 0; i < 5; i++) {
    const r = await page.request.post('/api/v1/system/internet-checks', {
      data: { check: { kind: 'tcp', target: vip, port: 80 } },
    });
    expect(r.ok()).toBe(true);
  }
  await expect.poll(async () => Number(await total.textContent()), { timeout: 30_000 }).toBeGreaterThanOrEqual(before + 5);
  await expect(page.getByTestId('listener-chart').locator('canvas')).toBeVisible();
  await page.screenshot({ path: 'test-results/listener-live.png', fullPage: true });
});
