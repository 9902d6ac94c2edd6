import { test, expect } from './support/test';
import { devices } from '@playwright/test';
import { holders, messagesTo, registerParent, requestBinding, teacherOf504, verifyForStop } from './support/portal';

// SPEC §7: every card action notifies the bound parents. Someone who knows a child's
// ID and birth date locks the card on their own phone; the approved parent hears of
// it (and of the unlock) at once, with whom to call if it was not the family.
test('a bound parent is told when someone locks and unlocks the child\'s card by ID and birth date', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  const child = holders.notice;
  const email = `notice.${Date.now()}@example.com`;

  // The parent registers with e-mail and asks to bind 何佳恩.
  await registerParent(page, email, '何媽媽');
  await requestBinding(page, child, '母親');

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
  const { desk, teacher } = await teacherOf504(browser, baseURL);
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
