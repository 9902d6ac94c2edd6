import { test, expect } from './support/test';
import type { Page } from '@playwright/test';
import {
  deliverToSchoolAndConfirm,
  fillApplicant,
  fillIdentity,
  holders,
  makePhoto,
  startWizard,
  uploadPhoto,
  verifyForApply,
  verifyForStop,
  type Holder,
} from './support/portal';
import { checkPage } from './support/pages';

// Parents issue item 6: «卡片查詢» offers only the wizards the server would accept.

async function query(page: Page, holder: Holder) {
  await startWizard(page, '卡片查詢');
  await fillIdentity(page, holder.id, holder.birth);
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await expect(page.getByRole('heading', { name: '卡片查詢結果' })).toBeVisible();
}

const stopLink = (page: Page) => page.locator('.next-steps').getByRole('link', { name: '停卡掛失' });
const applyLink = (page: Page) => page.locator('.next-steps').getByRole('link', { name: '線上申辦' });

async function inVietnamese(page: Page, name: string) {
  await page.getByRole('combobox', { name: '語言' }).selectOption('vi');
  await expect(page.locator('html')).toHaveAttribute('lang', 'vi');
  await checkPage(page, `${name}-vi`);
  await page.getByRole('combobox', { name: /Ngôn ngữ|語言/ }).selectOption('zh-TW');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-TW');
}

test.describe('query actions per card state on a phone', () => {
  test('an active card offers the stop, not an application', async ({ page }) => {
    await query(page, holders.actions_active);
    await expect(page.getByText('開卡使用中')).toBeVisible();
    await expect(stopLink(page)).toBeVisible();
    await expect(applyLink(page)).toHaveCount(0);
    await checkPage(page, 'query-active');
    await inVietnamese(page, 'query-active');
  });

  test('a locked card still offers the stop, not an application', async ({ page }) => {
    const holder = holders.actions_lock;
    await verifyForStop(page, holder);
    await page.getByRole('button', { name: '暫時鎖卡' }).click();
    await expect(page.getByRole('button', { name: '解除鎖卡' })).toBeVisible();
    await query(page, holder);
    await expect(page.getByText('暫時鎖卡', { exact: true })).toBeVisible();
    await expect(stopLink(page)).toBeVisible();
    await expect(applyLink(page)).toHaveCount(0);
  });

  test('a stopped card offers an application until one is in progress', async ({ page }) => {
    test.setTimeout(120_000);
    const holder = holders.actions_stopped;
    await query(page, holder);
    await expect(page.getByText('停用', { exact: true })).toBeVisible();
    await expect(stopLink(page)).toHaveCount(0);
    await expect(applyLink(page)).toBeVisible();

    await verifyForApply(page, holder);
    await fillApplicant(page);
    await uploadPhoto(page, await makePhoto(page, 900, 1200, 'image/png'));
    await deliverToSchoolAndConfirm(page);
    await page.getByRole('button', { name: '確認資料無誤送出申請' }).click();
    await expect(page.getByRole('heading', { name: '卡片送交印卡中心' })).toBeVisible();

    await query(page, holder);
    await expect(page.locator('.application')).toHaveCount(1);
    await expect(stopLink(page)).toHaveCount(0);
    await expect(applyLink(page)).toHaveCount(0);
    await expect(page.locator('.next-steps')).toHaveCount(0);
    // The serial number and the date each keep their own box at 360 px.
    const facts = page.locator('.application .card-item__facts dd');
    const serial = (await facts.nth(0).boundingBox())!;
    const date = (await facts.nth(1).boundingBox())!;
    const apart =
      serial.y + serial.height <= date.y + 0.5 || date.x >= serial.x + serial.width - 0.5;
    expect(apart, `serial ${JSON.stringify(serial)} runs into date ${JSON.stringify(date)}`).toBe(true);
    const serialText = await facts.nth(0).textContent();
    expect(serialText).toMatch(/^AP\d+/);
    await checkPage(page, 'query-application');
    await inVietnamese(page, 'query-application');
  });
});

test.describe('the header at 200 % zoom', () => {
  // A 360 px phone at 200 %: 180 CSS pixels wide.
  test.use({ viewport: { width: 180, height: 640 }, deviceScaleFactor: 4 });

  for (const lang of ['zh-TW', 'vi'] as const) {
    test(`the title wraps by words, not one character per line (${lang})`, async ({ page }) => {
      await page.goto('/');
      if (lang !== 'zh-TW') {
        await page.getByRole('combobox', { name: '語言' }).selectOption(lang);
        await expect(page.locator('html')).toHaveAttribute('lang', lang);
      }
      const title = page.locator('.site-header__brand span');
      await expect(title).toBeVisible();
      const { height, lineHeight, width } = await title.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const lh = parseFloat(getComputedStyle(el).lineHeight) || 1.5 * parseFloat(getComputedStyle(el).fontSize);
        return { height: r.height, lineHeight: lh, width: r.width };
      });
      expect(height, `title is ${height}px tall, ${width}px wide`).toBeLessThanOrEqual(3 * lineHeight + 1);
      // The tools sit below the title rather than squeezing it.
      const tools = (await page.locator('.site-header__tools').boundingBox())!;
      const brand = (await page.locator('.site-header__brand').boundingBox())!;
      expect(tools.y).toBeGreaterThanOrEqual(brand.y + brand.height - 1);
      await page.screenshot({ path: test.info().outputPath(`header-zoom-${lang}.png`), fullPage: false });
    });
  }
});
