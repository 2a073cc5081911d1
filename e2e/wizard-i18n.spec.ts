import { expect, test } from '@playwright/test';
import { en, LANG_COOKIE, zh, type MessageKey } from '../components/i18n/messages';
import { login } from './helpers';

/** Issue 11: the wizards' texts live in the message catalogue — the zh-CN console shows none of them in English. */
test('every wizard page in 简体中文 shows its plan labels in Chinese and none in English', async ({ page, baseURL }) => {
  await login(page);
  await page.context().addCookies([{ name: LANG_COOKIE, value: 'zh', url: baseURL! }]);
  const wizardKeys = (Object.keys(en) as MessageKey[]).filter((k) => k.startsWith('wizard.'));
  for (const slug of ['s-basic', 's-tenant', 's-3tier', 's-eip', 's-pf', 's-sg']) {
    await page.goto(`/wizards/${slug}`);
    const labels = await page.locator('label').allTextContents();
    expect(labels.length, slug).toBeGreaterThan(5);
    const body = await page.locator('main').innerText();
    for (const key of wizardKeys) {
      // An English text that differs from its translation must not be on the page (names like "VTEP CIDR" are both).
      if (en[key] !== zh[key] && !en[key].includes('{')) expect(body, `${slug}: ${key}`).not.toContain(en[key]);
    }
    expect(
      labels.some((l) => /[\u4e00-\u9fff]/.test(l)),
      slug,
    ).toBe(true);
  }
});
