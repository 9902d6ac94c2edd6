import { test, expect } from './support/test';
import { devices } from '@playwright/test';
import { holders, latestCodeFor, messagesTo, verifyForStop } from './support/portal';

// SPEC §7: every card action notifies the bound parents. Someone who knows a child's
// ID and birth date locks the card on their own phone; the approved parent hears of
// it (and of the unlock) at once, with whom to call if it was not the family.
test('a bound parent is told when someone locks and unlocks the child\'s card by ID and birth date', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  const child = holders.notice;
  const email = `notice.${Date.now()}@example.com`;

  // The parent registers with e-mail and asks to bind 何佳恩.
  await page.goto('/parent/register');
  await page.getByRole('textbox', { name: '電子郵件或手機號碼' }).fill(email);
  await page.getByRole('button', { name: '取得驗證碼' }).click();
  await expect(page.getByText(/驗證碼已送到/)).toBeVisible();
  await page.getByRole('textbox', { name: '驗證碼（6 位數字）' }).fill(latestCodeFor(email)!);
  await page.getByRole('textbox', { name: '您的稱呼' }).fill('何媽媽');
  await page.getByLabel('新密碼').fill('a long family password');
  await page.getByRole('button', { name: '完成註冊' }).click();
  await expect(page.getByRole('heading', { name: '家長專區' })).toBeVisible();
  await page.getByRole('link', { name: '親子綁定' }).click();
  const group = page.getByRole('group', { name: '子女 1' });
  await group.getByLabel('學校').selectOption('E2E001');
  await group.getByRole('textbox', { name: '子女姓名' }).fill(child.name);
  await group.getByRole('textbox', { name: '學號' }).fill(child.student_no);
  await group.getByLabel('出生年月日').fill(child.birth);
  await group.getByRole('textbox', { name: '身分證號' }).fill(child.id);
  await group.getByRole('radio', { name: /^母親$/ }).check();
  await page.getByRole('button', { name: '送出綁定申請' }).click();
  await expect(page.getByRole('region', { name: '申請結果' }).getByText('審核中')).toBeVisible();

  // A pending binding hears nothing: lock and unlock before the approval.
  const stranger = await browser.newContext({ ...devices['Pixel 7'], viewport: { width: 360, height: 780 }, baseURL });
  const other = await stranger.newPage();
  await verifyForStop(other, child);
  await other.getByRole('button', { name: '暫時鎖卡' }).click();
  await expect(other.getByRole('button', { name: '解除鎖卡' })).toBeVisible();
  await other.getByRole('button', { name: '解除鎖卡' }).click();
  await expect(other.getByRole('button', { name: '暫時鎖卡' })).toBeVisible();
  const before = messagesTo(email).filter((m) => m.includes('若不是您或家人辦理的')).length;
  expect(before).toBe(0);

  // The homeroom teacher of class 504 approves the binding.
  const desk = await browser.newContext({ ...devices['Desktop Chrome'], viewport: { width: 1280, height: 860 }, baseURL });
  const teacher = await desk.newPage();
  await teacher.goto('/school');
  await teacher.getByLabel('行政區').selectOption('中正區');
  await teacher.getByLabel('級別').selectOption('primary');
  await teacher.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await teacher.getByRole('textbox', { name: '帳號' }).fill('e2e.t504');
  await teacher.getByLabel('密碼').fill('e2e-teacher-password');
  await teacher.getByRole('button', { name: '登入' }).click();
  await expect(teacher.getByRole('heading', { name: '申請與停卡' })).toBeVisible();
  await teacher.getByRole('link', { name: '親子綁定審核' }).click();
  await teacher.getByRole('row').filter({ hasText: '何媽媽' }).getByRole('button', { name: '核可' }).click();
  await expect(teacher.getByText(`${child.name}：已核可`)).toBeVisible();
  await desk.close();

  // Now the same stranger locks the card again: the parent's mailbox has the notice.
  await other.reload();
  await verifyForStop(other, child);
  await other.getByRole('button', { name: '暫時鎖卡' }).click();
  await expect(other.getByRole('button', { name: '解除鎖卡' })).toBeVisible();
  await expect
    .poll(() => messagesTo(email).filter((m) => m.includes('暫時鎖卡。（以身分證號與生日驗證辦理）')).length, { timeout: 15_000 })
    .toBe(1);
  const notice = messagesTo(email).find((m) => m.includes('暫時鎖卡。'))!;
  expect(notice).toContain('若不是您或家人辦理的，請立即與學校聯絡。');
  expect(notice).toContain('temporarily locked');
  // The full ID never leaves the portal in a message.
  expect(notice).not.toContain(child.id);

  await other.getByRole('button', { name: '解除鎖卡' }).click();
  await expect(other.getByRole('button', { name: '暫時鎖卡' })).toBeVisible();
  await expect
    .poll(() => messagesTo(email).filter((m) => m.includes('解除鎖卡。（以身分證號與生日驗證辦理）')).length, { timeout: 15_000 })
    .toBe(1);
  await stranger.close();
});
