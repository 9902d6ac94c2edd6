import { test, expect } from './support/test';
import { fillIdentity, holders, startWizard, verifyForStop } from './support/portal';
import type { Page } from '@playwright/test';

/** No sideways scrolling at 360 px, and every page is saved as a screenshot to look at. */
async function checkPage(page: Page, name: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('button, a.button, input:not([type=radio]), select')]
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .map((el) => ({ el: el.outerHTML.slice(0, 60), h: el.getBoundingClientRect().height }))
      .filter((t) => t.h < 44),
  );
  expect(small, `${name}: touch targets under 44 px`).toEqual([]);
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

test('every parent page fits a 360 px phone with 44 px touch targets', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('link', { name: '卡片查詢' })).toBeVisible();
  await checkPage(page, 'home');
  await page.getByRole('link', { name: '卡片查詢' }).click();
  await expect(page.getByRole('button', { name: '已詳閱並同意' })).toBeEnabled();
  await checkPage(page, 'consent');
  await page.getByRole('button', { name: '已詳閱並同意' }).click();
  await expect(page.getByRole('img', { name: '驗證碼圖片' })).toBeVisible();
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await checkPage(page, 'verify-errors');
  await startWizard(page, '卡片查詢');
  await fillIdentity(page, holders.query.id, holders.query.birth);
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await expect(page.getByRole('heading', { name: '卡片查詢結果' })).toBeVisible();
  await checkPage(page, 'result');
  await verifyForStop(page, holders.stop_pages);
  await checkPage(page, 'stop-cards');
  await page.getByRole('button', { name: '停卡', exact: true }).click();
  await page.getByRole('radio', { name: /掛失停卡且退費/ }).check();
  await page.getByRole('button', { name: '繼續' }).click();
  await expect(page.getByRole('textbox', { name: '帳號' })).toHaveAttribute('aria-invalid', 'true');
  await checkPage(page, 'stop-refund-errors');
  await page.getByRole('radio', { name: /僅掛失停卡不退費/ }).check();
  await page.getByRole('button', { name: '繼續' }).click();
  await expect(page.getByRole('button', { name: '寄送驗證碼' })).toBeVisible();
  await checkPage(page, 'stop-confirm');
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { name: '找不到這個頁面' })).toBeVisible();
  await checkPage(page, 'not-found');
});
