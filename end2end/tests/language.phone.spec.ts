import { test, expect } from './support/test';

test.describe('a phone whose browser language is English', () => {
  test.use({ locale: 'en-US' });

  test('still opens in Traditional Chinese until the user switches', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: '學生證停卡/申辦/查詢系統' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-TW');
    await page.getByRole('combobox', { name: '語言' }).selectOption('en');
    await expect(page.getByRole('heading', { level: 1, name: 'Student Card Service Portal' })).toBeVisible();
  });
});
