import { test, expect } from './support/test';
import { holders, verifyForStop } from './support/portal';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';

/** A stop without a refund (no guardian contact on file: no step-up code). */
async function stopWithoutRefund(page: Page, holder: { id: string; birth: string }) {
  await verifyForStop(page, holder);
  await page.getByRole('button', { name: '停卡', exact: true }).click();
  await expect(page.getByRole('heading', { name: '停卡/退費作業' })).toBeVisible();
  await page.getByRole('button', { name: '繼續' }).click();
  await expect(page.getByRole('heading', { name: '確認停卡資料' })).toBeVisible();
  await page.getByRole('button', { name: '送出停卡申請' }).click();
  await expect(page.getByRole('heading', { name: '停卡申請已完成' })).toBeVisible();
}

async function download(page: Page, name: string): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name }).click(),
  ]);
  return readFileSync((await file.path())!, 'utf8');
}

test.describe('consent receipt on a phone', () => {
  test('after a stop the receipt downloads and names the notice version', async ({ page }) => {
    await stopWithoutRefund(page, holders.receipt_zh);
    const text = await download(page, '下載同意紀錄');
    const version = (await (await page.request.get('/api/consent/notice')).json()).version as string;
    expect(text).toContain(`同意書版本：${version}`);
    expect(text).toContain('申辦項目：停卡掛失');
    expect(text).toMatch(/同意時間（臺灣時間）：\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    expect(text).toMatch(/紀錄編號：\d+/);
  });

  test('in Vietnamese', async ({ page, context, baseURL }) => {
    await stopWithoutRefund(page, holders.receipt_vi);
    await context.addCookies([{ name: 'portal_lang', value: 'vi', url: baseURL! }]);
    await page.reload();
    const text = await download(page, 'Tải biên nhận đồng ý');
    const version = (await (await page.request.get('/api/consent/notice')).json()).version as string;
    expect(text).toContain(`Phiên bản thông báo: ${version}`);
    expect(text).toContain('Thời gian đồng ý (giờ Đài Loan)');
    // The Chinese text in force follows the translation.
    expect(text).toContain('Toàn văn thông báo bằng tiếng Trung');
  });
});
