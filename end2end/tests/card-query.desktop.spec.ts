import { test, expect } from './support/test';
import { fillIdentity, holders, startWizard } from './support/portal';

test('on a desktop the card list is a table with column headers', async ({ page }) => {
  await startWizard(page, '卡片查詢');
  await fillIdentity(page, holders.lang.id, holders.lang.birth);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: '卡片查詢結果' })).toBeVisible();
  for (const header of ['卡別', '卡片狀態', '就讀學校', '卡片外碼', '申請日期', '製卡費用', '繳費日期']) {
    await expect(page.getByRole('columnheader', { name: header })).toBeVisible();
  }
  const row = page.getByRole('row').filter({ hasText: '059910****' });
  await expect(row.getByRole('cell', { name: '開卡使用中' })).toBeVisible();
  await expect(row.getByRole('cell', { name: '100 元' })).toBeVisible();
  await page.getByRole('button', { name: '結束查詢' }).click();
  await expect(page).toHaveURL(/\/$/);
  // Finishing ends the verification: the result page no longer shows the cards.
  await page.goto('/card/query/result');
  await expect(page.getByRole('alert')).toContainText('驗證已逾時或尚未完成');
});

test('the verification form can be completed with the keyboard alone', async ({ page }) => {
  await startWizard(page, '卡片查詢');
  await page.getByRole('radio', { name: '身分證號' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: '身分證號' })).toBeFocused();
  await page.keyboard.type(holders.lang.id);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('出生年月日')).toBeFocused();
});

test('desktop pages are laid out wide and saved as screenshots', async ({ page }) => {
  await page.goto('/');
  const entries = page.getByRole('navigation', { name: '服務項目' }).getByRole('listitem');
  await expect(entries).toHaveCount(4);
  // The four entries («家長專區» the fourth) sit two by two on a desktop.
  const tops = await entries.evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
  expect(tops[0]).toBe(tops[1]);
  expect(tops[2]).toBe(tops[3]);
  expect(tops[2]).toBeGreaterThan(tops[0]);
  await expect(page.getByRole('link', { name: '家長專區' })).toHaveCount(2);
  await page.screenshot({ path: test.info().outputPath('home.png'), fullPage: true });
  await startWizard(page, '卡片查詢');
  await page.screenshot({ path: test.info().outputPath('verify.png'), fullPage: true });
  await fillIdentity(page, holders.lang.id, holders.lang.birth);
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await expect(page.getByRole('heading', { name: '卡片查詢結果' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('result.png'), fullPage: true });
});
