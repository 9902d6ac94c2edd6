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

test('arrowing through the language select does not switch the page until Enter', async ({ page }) => {
  await page.goto('/');
  const select = page.getByRole('combobox', { name: '語言' });
  await select.focus();
  await page.keyboard.press('ArrowDown');
  // Passing by with the arrow keys leaves the page as it was.
  await expect(page.getByRole('heading', { level: 1, name: '學生證停卡/申辦/查詢系統' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-TW');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Student Card Service Portal' })).toBeVisible();
  // Back by keyboard: arrow up, then leave the select (Tab) — leaving also confirms.
  const english = page.getByRole('combobox', { name: 'Language' });
  await english.focus();
  await page.keyboard.press('ArrowUp');
  await expect(page.getByRole('heading', { level: 1, name: 'Student Card Service Portal' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('heading', { level: 1, name: '學生證停卡/申辦/查詢系統' })).toBeVisible();
});
