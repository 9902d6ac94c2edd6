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

test.describe('a phone whose browser language is Vietnamese', () => {
  test.use({ locale: 'vi-VN' });

  test('opens in Vietnamese, offers the four languages, and keeps the choice across a reload', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Cổng dịch vụ thẻ học sinh' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'vi');
    const select = page.getByRole('combobox', { name: 'Ngôn ngữ' });
    await expect(select.locator('option')).toHaveText(['中文', 'English', 'Tiếng Việt', 'Bahasa Indonesia']);
    // No Chinese left on the Vietnamese home page.
    expect(await page.locator('main').innerText()).not.toMatch(/[\u4e00-\u9fff]/);

    await select.selectOption('id');
    await expect(page.getByRole('heading', { level: 1, name: 'Portal Layanan Kartu Pelajar' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Portal Layanan Kartu Pelajar' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'id');
    // The wizards follow (their own page and bundle).
    await page.goto('/card/stop/consent');
    await expect(page.getByRole('heading', { name: 'Persetujuan' })).toBeVisible();
    expect(await page.locator('main').innerText()).not.toMatch(/[\u4e00-\u9fff]/);
  });

  test('the back office offers zh-TW and English only (SPEC §10)', async ({ page }) => {
    await page.goto('/school');
    const select = page.getByRole('combobox').first();
    await expect(select.locator('option')).toHaveCount(2);
  });
});
