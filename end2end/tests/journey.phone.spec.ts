import { test, expect } from './support/test';
import { codeIn, holders, smsTo } from './support/portal';
import { checkPage } from './support/pages';
import { readFileSync } from 'node:fs';
import path from 'node:path';

type Lang = 'zh-TW' | 'en' | 'vi' | 'id';

/** The page texts of `lang`, read from the app's own locale files. */
function texts(lang: Lang) {
  const dir = path.join(__dirname, '..', '..', 'app', 'locales', lang);
  const namespaces: Record<string, Record<string, unknown>> = {};
  for (const ns of ['common', 'consent', 'identity', 'stop', 'query']) {
    namespaces[ns] = JSON.parse(readFileSync(path.join(dir, `${ns}.json`), 'utf8'));
  }
  return (key: string): string => {
    const [ns, name] = key.split('.');
    const text = namespaces[ns]?.[name];
    if (typeof text !== 'string') throw new Error(`no text ${key} in ${lang}`);
    return text;
  };
}

// The "done when": from the home page, in the family's language, a lost card
// is stopped with the code that reached the phone, with reloads halfway, and the
// consent receipt downloads. vi-VN and id-ID browsers open in their language; English
// is chosen with the switch (an English browser still opens in Chinese).
const journeys: { lang: Lang; holder: keyof typeof holders; browser: string }[] = [
  { lang: 'vi', holder: 'journey_vi', browser: 'vi-VN' },
  { lang: 'id', holder: 'journey_id', browser: 'id-ID' },
  { lang: 'en', holder: 'journey_en', browser: 'en-US' },
  { lang: 'zh-TW', holder: 'journey_zh', browser: 'zh-TW' },
];

for (const { lang, holder, browser } of journeys) {
  test.describe(`a parent reading ${lang}`, () => {
    test.use({ locale: browser });

    test(`stops a lost card with the code from their phone, reloads halfway, and downloads the receipt (${lang})`, async ({ page }) => {
      test.setTimeout(90_000);
      const t = texts(lang);
      const h = holders[holder] as { id: string; birth: string; mobile: string };
      await page.goto('/');
      if (lang === 'en') {
        await page.getByRole('combobox', { name: texts('zh-TW')('common.language') }).selectOption('en');
      }
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await checkPage(page, `journey-${lang}-home`);

      await page.getByRole('link', { name: t('common.wizard_stop') }).first().click();
      await page.getByRole('button', { name: t('consent.agree') }).click();
      await page.getByRole('textbox', { name: t('identity.id_national') }).fill(h.id);
      await page.getByLabel(t('identity.birth')).fill(h.birth);
      await page.getByRole('textbox', { name: t('identity.captcha') }).fill('E2E42');
      await checkPage(page, `journey-${lang}-verify`);
      await page.getByRole('button', { name: t('identity.submit') }).click();

      await expect(page.getByRole('heading', { name: t('stop.cards_title') })).toBeVisible();
      await checkPage(page, `journey-${lang}-cards`);
      const kept = page.waitForResponse((r) => r.url().endsWith('/api/stop/draft') && r.ok());
      await page.getByRole('button', { name: t('stop.stop_button'), exact: true }).click();
      await expect(page.getByRole('heading', { name: t('stop.refund_title') })).toBeVisible();
      await kept;
      // Halfway: a reload keeps the step and the card (kept on the server at once).
      await page.reload();
      await expect(page.getByRole('heading', { name: t('stop.refund_title') })).toBeVisible();
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await checkPage(page, `journey-${lang}-refund`);
      await page.getByRole('button', { name: t('stop.next_step') }).click();

      // The code goes to the guardian's phone when the step opens.
      await expect(page.getByRole('heading', { name: t('stop.confirm_title') })).toBeVisible();
      await expect.poll(async () => (await smsTo(h.mobile)).length).toBe(1);
      const sms = (await smsTo(h.mobile))[0].smbody;
      const code = codeIn(sms);
      expect(code).toMatch(/^\d{6}$/);
      if (lang !== 'zh-TW') {
        // The message itself starts in the family's language.
        expect(sms.split('\n')[0]).not.toMatch(/[\u4e00-\u9fff]/);
      }
      // A reload here too: same step, no second code.
      await page.reload();
      await expect(page.getByRole('heading', { name: t('stop.confirm_title') })).toBeVisible();
      await page.getByRole('textbox', { name: t('stop.code_label') }).fill(code!);
      await checkPage(page, `journey-${lang}-confirm`);
      expect(await smsTo(h.mobile)).toHaveLength(1);
      await page.getByRole('button', { name: t('stop.submit') }).click();

      await expect(page.getByRole('heading', { name: t('stop.done_title') })).toBeVisible();
      await checkPage(page, `journey-${lang}-done`);
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: t('consent.receipt_download') }).click(),
      ]);
      const receipt = readFileSync((await file.path())!, 'utf8');
      const version = (await (await page.request.get('/api/consent/notice')).json()).version as string;
      expect(receipt).toContain(version);
      if (lang !== 'zh-TW') {
        // The receipt's first line is in the page's language, not Chinese.
        expect(receipt.split('\n')[0]).not.toMatch(/[\u4e00-\u9fff]/);
      }
    });
  });
}

// The query wizard's pages in each language: 360 px, 44 px targets, no serious axe
// finding (checkPage), and the page's own texts in that language.
for (const lang of ['vi', 'id', 'en'] as Lang[]) {
  test(`the card query in ${lang} passes the page checks on every step`, async ({ page, context, baseURL }) => {
    const t = texts(lang);
    await context.addCookies([{ name: 'portal_lang', value: lang, url: baseURL! }]);
    await page.goto('/');
    await page.getByRole('link', { name: t('common.wizard_query') }).first().click();
    await expect(page.getByRole('button', { name: t('consent.agree') })).toBeEnabled();
    await checkPage(page, `query-${lang}-consent`);
    await page.getByRole('button', { name: t('consent.agree') }).click();
    await expect(page.getByRole('img', { name: t('identity.captcha_image') })).toBeVisible();
    await checkPage(page, `query-${lang}-verify`);
    await page.getByRole('textbox', { name: t('identity.id_national') }).fill(holders.query.id);
    await page.getByLabel(t('identity.birth')).fill(holders.query.birth);
    await page.getByRole('textbox', { name: t('identity.captcha') }).fill('E2E42');
    await page.getByRole('button', { name: t('identity.submit') }).click();
    await expect(page.getByRole('heading', { name: t('query.title') })).toBeVisible();
    await checkPage(page, `query-${lang}-result`);
    await expect(page.locator('main h1, main button, main dt, main th')
      .filter({ hasText: /[\u4e00-\u9fff]/ })).toHaveCount(0);
  });
}
