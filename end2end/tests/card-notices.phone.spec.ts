import { test, expect } from './support/test';
import { devices, type Page } from '@playwright/test';
import { holders, latestCodeFor, messagesTo, verifyForStop } from './support/portal';

// SPEC §7: ID and birth date leak, so every card action notifies the bound parents.
// Someone who knows the child's ID and birth date locks the card on a phone; the parent
// with an approved binding gets the notice at once, at the mobile number they signed up
// with.

async function registerAndBind(page: Page, mobile: string) {
  await page.goto('/parent/register');
  await page.getByRole('textbox', { name: '電子郵件或手機號碼' }).fill(mobile);
  await page.getByRole('button', { name: '取得驗證碼' }).click();
  await expect(page.getByText(/驗證碼已送到/)).toBeVisible();
  await page.getByRole('textbox', { name: '驗證碼（6 位數字）' }).fill(latestCodeFor(mobile)!);
  await page.getByRole('textbox', { name: '您的稱呼' }).fill('何媽媽');
  await page.getByLabel('新密碼').fill('a long family password');
  await page.getByRole('button', { name: '完成註冊' }).click();
  await expect(page.getByRole('heading', { name: '家長專區' })).toBeVisible();
  await page.getByRole('link', { name: '親子綁定' }).click();
  const group = page.getByRole('group', { name: '子女 1' });
  await group.getByLabel('學校').selectOption('E2E001');
  await group.getByRole('textbox', { name: '子女姓名' }).fill(holders.notice.name);
  await group.getByRole('textbox', { name: '學號' }).fill(holders.notice.student_no!);
  await group.getByLabel('出生年月日').fill(holders.notice.birth);
  await group.getByRole('textbox', { name: '身分證號' }).fill(holders.notice.id);
  await group.getByRole('radio', { name: /^母親$/ }).check();
  await page.getByRole('button', { name: '送出綁定申請' }).click();
  await expect(page.getByRole('region', { name: '申請結果' }).getByText('審核中')).toBeVisible();
}

test('a bound parent hears of a lock made with the child’s ID and birth date', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  const mobile = `09${String(Date.now()).slice(-8)}`;
  await registerAndBind(page, mobile);

  // The homeroom teacher approves the binding.
  const desk = await browser.newContext({ ...devices['Desktop Chrome'], viewport: { width: 1280, height: 860 }, baseURL });
  const teacher = await desk.newPage();
  await teacher.goto('/school');
  await teacher.getByLabel('行政區').selectOption('中正區');
  await teacher.getByLabel('級別').selectOption('primary');
  await teacher.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await teacher.getByRole('textbox', { name: '帳號' }).fill('e2e.t504');
  await teacher.getByLabel('密碼').fill('e2e-teacher-password');
  await teacher.getByRole('button', { name: '登入' }).click();
  await teacher.getByRole('link', { name: '親子綁定審核' }).click();
  await teacher.getByRole('row').filter({ hasText: '何媽媽' }).getByRole('button', { name: '核可' }).click();
  await expect(teacher.getByText(`${holders.notice.name}：已核可`)).toBeVisible();
  await desk.close();

  // Someone else, on another phone, with only the ID and the birth date.
  const other = await browser.newContext({ ...devices['Pixel 7'], viewport: { width: 360, height: 780 }, baseURL });
  const stranger = await other.newPage();
  await verifyForStop(stranger, holders.notice);
  await stranger.getByRole('button', { name: '暫時鎖卡' }).click();
  await expect(stranger.getByRole('button', { name: '解除鎖卡' })).toBeVisible();
  await other.close();

  // The parent's notice: what happened, to which card, how, and whom to call.
  await expect
    .poll(() => messagesTo(mobile).filter((m) => m.includes('學生證異動通知')).length, { timeout: 15_000 })
    .toBe(1);
  const notice = messagesTo(mobile).find((m) => m.includes('學生證異動通知'))!;
  expect(notice).toContain('暫時鎖卡');
  expect(notice).toContain('059950****');
  expect(notice).toContain('以身分證號與生日驗證');
  expect(notice).toContain('請立即與學校聯絡');
});
