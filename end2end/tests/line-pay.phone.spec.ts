import { test, expect } from './support/test';
import { checkPage } from './support/pages';
import {
  applicationsOf,
  deliverToSchoolAndConfirm,
  fillApplicant,
  holders,
  makePhoto,
  uploadPhoto,
  verifyForApply,
} from './support/portal';

// «LINE Pay 付款» (issue 17 item 4) against the fake LINE Pay of
// support/fake-linepay.mjs: a cancel leaves both ways to pay; an approval marks the
// application paid at once, and the parent's query shows it.
test.describe('LINE Pay on a phone', () => {
  test('apply → LINE Pay cancelled → LINE Pay approved → paid on the slip and the query', async ({ page }) => {
    test.setTimeout(120_000);
    const holder = holders.apply_paid;
    await verifyForApply(page, holder);
    await fillApplicant(page);
    await uploadPhoto(page, await makePhoto(page, 900, 1200, 'image/png'));
    await deliverToSchoolAndConfirm(page);
    await page.getByRole('button', { name: '確認資料無誤送出申請' }).click();
    await expect(page.getByRole('heading', { name: '卡片送交印卡中心' })).toBeVisible();
    await page.getByRole('link', { name: '下載繳費單' }).click();
    await expect(page.getByRole('heading', { name: '繳費單' })).toBeVisible();

    // The parent cancels at LINE Pay: unpaid, both ways to pay are still there.
    await page.getByRole('button', { name: 'LINE Pay 付款' }).click();
    await expect(page.getByRole('heading', { name: 'LINE Pay' })).toBeVisible();
    await expect(page.getByText('NT$100')).toBeVisible();
    await page.getByRole('button', { name: 'cancel' }).click();
    await expect(page.getByRole('alert')).toContainText('您已取消 LINE Pay 付款，尚未繳費');
    await expect(page.getByRole('button', { name: '列印繳費單' })).toBeVisible();
    await checkPage(page, 'slip-line-pay-cancelled');

    // The query offers «LINE Pay 付款» beside «下載繳費單»; approved this time: paid at once.
    const unpaid = await applicationsOf(page, holder);
    await expect(unpaid.first().getByRole('link', { name: '下載繳費單' })).toBeVisible();
    await unpaid.first().getByRole('link', { name: 'LINE Pay 付款' }).click();
    await expect(page.getByRole('heading', { name: '繳費單' })).toBeVisible();
    await page.getByRole('button', { name: 'LINE Pay 付款' }).click();
    await page.getByRole('button', { name: 'approve' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'LINE Pay 付款完成：已繳費。' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'LINE Pay 付款' })).toHaveCount(0);

    // The parent's query shows the payment.
    const apps = await applicationsOf(page, holder);
    await expect(apps).toHaveCount(1);
    await expect(apps.first().getByText('已繳費').first()).toBeVisible();
    await expect(apps.first().getByRole('link', { name: '下載繳費單' })).toHaveCount(0);
  });
});
