import { test, expect } from './support/test';
import { devices } from '@playwright/test';
import { temporaryPasswordFor } from './support/portal';

test('a teacher creates a parent account; the parent must change the temporary password first', async ({ page, browser, baseURL }) => {
  test.setTimeout(90_000);
  const email = `grandpa.${Date.now()}@example.com`;

  // The homeroom teacher, on a desktop, creates the account bound to a student.
  const desk = await browser.newContext({ ...devices['Desktop Chrome'], viewport: { width: 1280, height: 860 }, baseURL });
  const teacher = await desk.newPage();
  await teacher.goto('/school');
  await teacher.getByLabel('行政區').selectOption('中正區');
  await teacher.getByLabel('級別').selectOption('primary');
  await teacher.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await teacher.getByRole('textbox', { name: '帳號' }).fill('e2e.t504');
  await teacher.getByLabel('密碼').fill('e2e-teacher-password');
  await teacher.getByRole('button', { name: '登入' }).click();
  await teacher.getByRole('link', { name: '新增家長帳號' }).click();
  await expect(teacher.getByRole('heading', { name: '新增家長帳號' })).toBeVisible();
  // Field errors name what is wrong, next to the field.
  await teacher.getByRole('textbox', { name: '帳號（電子郵件或手機號碼）' }).fill('not-an-address');
  await teacher.getByRole('textbox', { name: '學生學號（選填）' }).fill('940003');
  await teacher.getByRole('button', { name: '建立帳號' }).click();
  await expect(teacher.getByRole('textbox', { name: '帳號（電子郵件或手機號碼）' })).toHaveAccessibleDescription(/請輸入正確的電子郵件/);
  await expect(teacher.getByRole('textbox', { name: '家長姓名' })).toHaveAccessibleDescription(/請輸入家長姓名/);
  await teacher.getByRole('textbox', { name: '帳號（電子郵件或手機號碼）' }).fill(email);
  await teacher.getByRole('textbox', { name: '家長姓名' }).fill('何爺爺');
  await teacher.getByRole('button', { name: '建立帳號' }).click();
  await expect(teacher.getByLabel('與學生的關係')).toHaveAccessibleDescription(/請選擇與學生的關係/);
  await teacher.getByLabel('與學生的關係').selectOption('grandparent');
  await teacher.getByRole('button', { name: '建立帳號' }).click();
  await expect(teacher.getByRole('status').filter({ hasText: '並綁定 鄭○恆' })).toBeVisible();
  await teacher.screenshot({ path: test.info().outputPath('school-new-parent.png'), fullPage: true });
  await desk.close();

  // The parent logs in with the temporary password from the message.
  const temporary = temporaryPasswordFor(email);
  expect(temporary).toBeTruthy();
  await page.goto('/parent');
  await page.getByRole('textbox', { name: '電子郵件或手機號碼' }).fill(email);
  await page.getByLabel('密碼').fill(temporary!);
  await page.getByRole('button', { name: '登入' }).click();
  await expect(page.getByRole('heading', { name: '變更密碼' })).toBeVisible();
  await expect(page.getByText('這是學校為您建立的帳號，請先設定您自己的新密碼。')).toBeVisible();
  // Nothing else is open until the password is changed.
  expect((await page.request.get('/api/parent/children')).status()).toBe(403);
  await page.goto('/parent/home');
  await expect(page.getByRole('heading', { name: '變更密碼' })).toBeVisible();

  await page.getByLabel('目前的密碼').fill(temporary!);
  await page.getByLabel('新密碼').fill('grandpa picks a long one');
  await page.getByRole('button', { name: '儲存' }).click();
  await expect(page.getByRole('heading', { name: '家長專區' })).toBeVisible();
  await expect(page.getByText('何爺爺，您好。')).toBeVisible();
  const child = page.locator('.child');
  await expect(child).toHaveCount(1);
  await expect(child).toContainText('鄭宇恆');

  // The temporary password no longer works.
  await page.getByRole('button', { name: '登出' }).click();
  await page.getByRole('textbox', { name: '電子郵件或手機號碼' }).fill(email);
  await page.getByLabel('密碼').fill(temporary!);
  await page.getByRole('button', { name: '登入' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByRole('heading', { name: '家長專區登入' })).toBeVisible();
});
