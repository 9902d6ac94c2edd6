import { test, expect } from './support/test';
import { codeSentTo } from './support/portal';
import { checkPage } from './support/pages';
import { readFileSync } from 'node:fs';
import path from 'node:path';

type Lang = 'en' | 'vi' | 'id';

/** The texts of `lang` from the app's own locale files. */
function texts(lang: Lang) {
  const dir = path.join(__dirname, '..', '..', 'app', 'locales', lang);
  const namespaces: Record<string, Record<string, unknown>> = {};
  for (const ns of ['common', 'parent']) {
    namespaces[ns] = JSON.parse(readFileSync(path.join(dir, `${ns}.json`), 'utf8'));
  }
  return (key: string): string => {
    const [ns, name] = key.split('.');
    const text = namespaces[ns]?.[name];
    if (typeof text !== 'string') throw new Error(`no text ${key} in ${lang}`);
    return text;
  };
}

// Every page of «家長專區» in each language a family may read (zh-TW: parent.phone.spec):
// no sideways scrolling, 44 px targets, no serious axe finding, no Chinese left in the
// page's own texts.
for (const lang of ['vi', 'id', 'en'] as Lang[]) {
  test(`the parent area in ${lang}: register, home, binding, settings, login`, async ({ page, context, baseURL }) => {
    test.setTimeout(90_000);
    const t = texts(lang);
    await context.addCookies([{ name: 'portal_lang', value: lang, url: baseURL! }]);
    const contact = `family.${lang}.${Date.now()}@example.com`;

    await page.goto('/parent');
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    await expect(page.getByRole('heading', { name: t('parent.login_title') })).toBeVisible();
    await checkPage(page, `parent-${lang}-login`);

    await page.goto('/parent/register');
    await expect(page.getByRole('heading', { name: t('parent.register_title') })).toBeVisible();
    await checkPage(page, `parent-${lang}-register`);
    await page.getByRole('textbox', { name: t('parent.account') }).fill(contact);
    await page.getByRole('button', { name: t('parent.send_code') }).click();
    await page.getByRole('textbox', { name: t('parent.code') }).fill(await codeSentTo(contact));
    await page.getByRole('textbox', { name: t('parent.display_name') }).fill('Lan');
    await page.getByLabel(t('parent.new_password')).fill('a long family password');
    await page.getByRole('button', { name: t('parent.register_finish') }).click();

    await expect(page.getByRole('heading', { name: t('parent.home_title') })).toBeVisible();
    await checkPage(page, `parent-${lang}-home`);
    const main = page.locator('main');
    await expect(main).not.toContainText(/[\u4e00-\u9fff]/);

    await page.getByRole('link', { name: t('parent.bind_title') }).click();
    await expect(page.getByRole('heading', { name: t('parent.bind_title') })).toBeVisible();
    await checkPage(page, `parent-${lang}-bind`);
    // The school names are data (Chinese); the form's own texts are not.
    await expect(page.locator('main label, main legend, main h1, main button').filter({ hasText: /[\u4e00-\u9fff]/ })).toHaveCount(0);

    await page.goto('/parent/settings');
    await expect(page.getByRole('heading', { name: t('parent.settings_title') })).toBeVisible();
    await checkPage(page, `parent-${lang}-settings`);
    await expect(page.locator('main h1, main h2, main label, main button').filter({ hasText: /[\u4e00-\u9fff]/ })).toHaveCount(0);
  });
}
