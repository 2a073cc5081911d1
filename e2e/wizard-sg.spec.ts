import { expect, test, type Page } from '@playwright/test';
import { login } from './helpers';

/**
 * Issue "Distributed security groups" acceptance (S-SG, SPEC §5): the wizard turns green; then the
 * rules are edited in the browser — the ingress rule deleted (why blocked? names the missing rule,
 * the real check fails), added back through the rule editor after an inline refusal of end < start
 * (why blocked? names the rule, the real check passes) — and the wizard's verification is green again.
 */
async function runWizard(page: Page) {
  await page.goto('/wizards/s-sg');
  await expect(page.getByLabel('Rule start port (开始端口)')).toHaveValue('23');
  await page.getByRole('button', { name: 'Build and verify' }).click();
  await expect(page.getByTestId('wizard-result')).toBeVisible({ timeout: 270_000 });
  const rows = page.getByTestId('verify-table').locator('tbody tr');
  // VM-1→VM-2:22 before the group, the group action, 3 ingress rows, the egress action, 2 egress rows.
  await expect(rows).toHaveCount(8);
  for (const row of await rows.all()) await expect(row).toHaveAttribute('data-pass', 'true');
  await expect(page.getByTestId('wizard-result')).toContainText('Every check gave the expected result.');
}

const nicOption = async (page: Page, select: string, vm: string) => {
  await expect(page.getByLabel(select).locator('option', { hasText: `${vm} ·` })).toHaveCount(1);
  const options = await page.getByLabel(select).locator('option').allTextContents();
  return options.find((o) => o.startsWith(`${vm} ·`))!;
};

async function whyBlocked(page: Page, port: string) {
  await page.goto('/why-blocked');
  await page.getByLabel('From NIC').selectOption({ label: await nicOption(page, 'From NIC', 'sg-VM-1') });
  await page.getByLabel('To NIC').selectOption({ label: await nicOption(page, 'To NIC', 'sg-VM-2') });
  await page.getByLabel('Port', { exact: true }).fill(port);
  await page.getByRole('button', { name: 'Ask' }).click();
  await expect(page.getByTestId('why-answer')).toBeVisible();
}

test('S-SG: the wizard turns green; rules edited in the browser, explained by "why blocked?", checked for real', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await login(page);
  await runWizard(page);
  await page.screenshot({ path: 'test-results/wizard-sg.png', fullPage: true });

  // The group's page: delete the ingress rule TCP 23–1024 (with confirmation).
  await page.goto('/security-groups');
  await page.getByRole('link', { name: 'sg-SG-1', exact: true }).click();
  const rules = page.getByTestId('sg-rules');
  await expect(rules.locator('tr[data-rule="egress TCP 23–1024"]')).toHaveCount(1);
  await rules.locator('tr[data-rule="ingress TCP 23–1024"]').getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(rules.locator('tr[data-rule="ingress TCP 23–1024"]')).toHaveCount(0);

  // Why blocked? VM-1 → VM-2:23 is now refused by VM-2's ingress, and the packets agree.
  await whyBlocked(page, '23');
  await expect(page.getByTestId('why-verdict')).toContainText('Blocked');
  await expect(page.getByTestId('why-ingress')).toContainText('No ingress rule of "sg-SG-1" allows TCP port 23');
  await page.getByRole('button', { name: 'Check for real' }).click();
  await expect(page.getByTestId('why-real')).toContainText('✗ could not connect', { timeout: 30_000 });
  await page.screenshot({ path: 'test-results/sg-why-blocked.png', fullPage: true });

  // Add it back through the rule editor: end below start is refused beside the end port; fixed, saved.
  await page.goto('/security-groups');
  await page.getByRole('link', { name: 'sg-SG-1', exact: true }).click();
  const form = page.getByTestId('sg-rule-form');
  await form.getByLabel('Type').selectOption('ingress');
  await form.getByLabel('Protocol').selectOption('tcp');
  await form.getByLabel('Start port').fill('1024');
  await form.getByLabel('End port (optional)').fill('23');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await expect(form.locator('[data-field-error="rule-portEnd"]')).toContainText('end port must not be below the start port');
  await form.getByLabel('Start port').fill('23');
  await form.getByLabel('End port (optional)').fill('1024');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await expect(rules.locator('tr[data-rule="ingress TCP 23–1024"]')).toHaveCount(1);
  await page.screenshot({ path: 'test-results/sg-group.png', fullPage: true });

  // The VM page shows VM-2's effective rules, egress whitelisted.
  await page.getByTestId('sg-members').getByRole('link', { name: 'sg-VM-2' }).click();
  const eth0 = page.getByTestId('nic-security-eth0');
  await expect(eth0).toContainText('sg-SG-1');
  await expect(eth0).toContainText('Egress whitelisted');
  await expect(eth0.locator('tr[data-rule="ingress TCP 23–1024"]')).toHaveCount(1);

  await whyBlocked(page, '23');
  await expect(page.getByTestId('why-verdict')).toContainText('Allowed');
  await expect(page.getByTestId('why-ingress')).toContainText('Allowed by the rule ingress TCP 23–1024');
  await page.getByRole('button', { name: 'Check for real' }).click();
  await expect(page.getByTestId('why-real')).toContainText('✓ connected', { timeout: 30_000 });

  // The seed's create dialog: name, network, a first rule and NICs in one step; then deleted (with confirmation).
  await page.goto('/security-groups');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const d = page.getByRole('dialog');
  await d.getByLabel('Name', { exact: true }).fill('sg-SG-web');
  await d.getByRole('checkbox', { name: 'sg-L3-private' }).check();
  await d.getByLabel('Rule', { exact: true }).selectOption('ingress');
  await d.getByLabel('Start port').fill('80');
  await d.getByRole('checkbox', { name: /^sg-VM-1 · eth0/ }).check();
  await d.getByRole('button', { name: 'Confirm' }).click();
  await expect(d).toBeHidden();
  const webRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'sg-SG-web', exact: true }) });
  await expect(webRow).toContainText('sg-VM-1');
  await webRow.getByRole('link', { name: 'sg-SG-web', exact: true }).click();
  await expect(page.getByTestId('sg-rules').locator('tr[data-rule="ingress TCP 80"]')).toHaveCount(1);
  await expect(page.getByTestId('sg-members')).toContainText('sg-VM-1');
  await page.goto('/security-groups');
  await webRow.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('link', { name: 'sg-SG-web', exact: true })).toHaveCount(0);

  // The wizard's verification is green again.
  await runWizard(page);
});
