import { test, expect } from './support/test';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { latestCodeFor, registerParent, requestBinding, teacherOf504 } from './support/portal';
import { checkPage } from './support/pages';

const PORT = Number(process.env.E2E_PORT ?? 3210);
const LINE = `http://127.0.0.1:${PORT + 1}`;
const readerKey = () => readFileSync(path.join(__dirname, '../.tmp/server/reader-key'), 'utf8').trim();

/** The latest weekday in Taiwan whose 16:05 has passed, as YYYY-MM-DD: the server
 * refuses swipes and «補登» times ahead of its clock. */
function lastWeekday(): string {
  const d = new Date(Date.now() + 8 * 3600_000 - (16 * 60 + 6) * 60_000);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

test('a parent verifies e-mail, links LINE, gets one push per swipe, cancels the SMS service, and sees attendance', async ({ page, browser, baseURL }) => {
  test.setTimeout(180_000);
  const mobile = `09${String(Date.now()).slice(-8)}`;
  await registerParent(page, mobile, '何爸爸');
  await requestBinding(page, { name: '何佳豪', student_no: '940005', birth: '2016-02-05', id: 'M194005018' }, '父親');

  // The homeroom teacher approves the binding.
  const { desk, teacher } = await teacherOf504(browser, baseURL);
  await teacher.getByRole('link', { name: '親子綁定審核' }).click();
  const row = teacher.getByRole('row').filter({ hasText: '何爸爸' });
  await row.getByRole('button', { name: '核可' }).click();
  await expect(teacher.getByText('何佳豪：已核可')).toBeVisible();

  // «帳號設定»: verify an e-mail address by code.
  await page.goto('/parent/home');
  await page.getByRole('link', { name: '帳號設定' }).click();
  await expect(page.getByRole('heading', { name: '帳號設定' })).toBeVisible();
  const email = `dad.${Date.now()}@example.com`;
  await page.getByRole('textbox', { name: '電子郵件' }).fill(email);
  await page.getByRole('button', { name: '取得驗證碼' }).click();
  await expect(page.getByText(/驗證碼已送到/)).toBeVisible();
  await page.getByRole('textbox', { name: '驗證碼（6 位數字）' }).fill(latestCodeFor(email)!);
  await page.getByRole('button', { name: '驗證', exact: true }).click();
  await expect(page.getByText('電子郵件已驗證。')).toBeVisible();

  // LINE: the parent sends the link code to the official account; LINE calls our webhook.
  const lineBox = page.getByRole('checkbox', { name: '何○豪 LINE 到校' });
  await expect(lineBox).toBeDisabled();
  await page.getByRole('button', { name: '產生綁定碼' }).click();
  const code = (await page.locator('.panel__value').textContent())!.trim();
  expect(code).toMatch(/^\d{8}$/);
  const userId = `U${Date.now().toString(16)}e2e`;
  const body = JSON.stringify({
    destination: 'Ubot',
    events: [{ type: 'message', replyToken: 'r', timestamp: Date.now(), source: { type: 'user', userId }, message: { type: 'text', id: '1', text: code } }],
  });
  const signature = createHmac('sha256', 'e2e-line-secret').update(body).digest('base64');
  const hook = await page.request.post('/api/v1/line/webhook', { data: body, headers: { 'content-type': 'application/json', 'x-line-signature': signature } });
  expect(hook.status()).toBe(200);
  await page.getByRole('button', { name: '重新整理狀態' }).click();
  await expect(page.getByText('您的 LINE 已連結，可以勾選 LINE 通知。')).toBeVisible();
  await expect(lineBox).toBeEnabled();
  await lineBox.check();
  await expect(lineBox).toBeChecked();
  await checkPage(page, 'parent-settings');

  // A swipe at the gate → exactly one LINE push with the child's name and time.
  const day = lastWeekday();
  const swipe = { event_id: `e2e-${Date.now()}`, card_outer_no: '0599500005', reader_id: 'e2e-gate-1', direction: 'in', time: `${day}T07:41:00+08:00` };
  const auth = { authorization: `Bearer ${readerKey()}` };
  const first = await page.request.post('/api/v1/swipes', { data: swipe, headers: auth });
  // One LINE push and one SMS (the paid service is still active).
  expect(await first.json()).toEqual({ status: 'recorded', messages: 2 });
  const repeat = await page.request.post('/api/v1/swipes', { data: swipe, headers: auth });
  expect(await repeat.json()).toEqual({ status: 'duplicate', messages: 0 });
  const pushesTo = async () => {
    const all = (await (await page.request.get(`${LINE}/received`)).json()) as { body: { to: string; messages: { text: string }[] } }[];
    return all.filter((p) => p.body.to === userId && p.body.messages[0].text.includes('到校'));
  };
  // The link itself was confirmed on LINE.
  const all = (await (await page.request.get(`${LINE}/received`)).json()) as { body: { to: string; messages: { text: string }[] } }[];
  expect(all.filter((p) => p.body.to === userId && p.body.messages[0].text.includes('已與學生證服務')).length).toBe(1);
  await expect.poll(async () => (await pushesTo()).length, { timeout: 15_000 }).toBe(1);
  const [push] = await pushesTo();
  expect(push.body.messages[0].text).toContain('何○豪');
  expect(push.body.messages[0].text).toContain('07:41');
  // Still one a little later: the repeat made nothing.
  await page.waitForTimeout(1500);
  expect((await pushesTo()).length).toBe(1);

  // «到離校簡訊服務»: 註銷 → 審核中 → 取消註銷 → 註銷 again.
  await page.goto('/parent/sms');
  const term = page.locator('.sms-list .card-item').filter({ hasText: '何○豪' });
  await expect(term.getByText('生效', { exact: true })).toBeVisible();
  page.once('dialog', (d) => d.accept());
  await term.getByRole('button', { name: '註銷', exact: true }).click();
  await expect(term.getByText('註銷審核中')).toBeVisible();
  await expect(page.getByText(/審核後隔日生效/).first()).toBeVisible();
  await term.getByRole('button', { name: '取消註銷' }).click();
  await expect(term.getByText('生效', { exact: true })).toBeVisible();
  page.once('dialog', (d) => d.accept());
  await term.getByRole('button', { name: '註銷', exact: true }).click();
  await expect(term.getByText('註銷審核中')).toBeVisible();
  await checkPage(page, 'parent-sms');

  // The teacher approves; it takes effect the next day.
  await teacher.getByRole('link', { name: '簡訊註銷審核' }).click();
  const request = teacher.getByRole('row').filter({ hasText: '何佳豪' }).filter({ hasText: '何爸爸' });
  await request.getByRole('button', { name: '核可' }).click();
  await expect(teacher.getByText(/何佳豪：已核可，\d{4}-\d{2}-\d{2} 起停止發送/)).toBeVisible();
  await teacher.getByLabel('審核狀態').selectOption('');
  await expect(request.getByText('已核可')).toBeVisible();
  await teacher.screenshot({ path: test.info().outputPath('school-sms.png'), fullPage: true });
  // The teacher enters the departure the child did not swipe («補登»).
  await teacher.getByRole('link', { name: '出勤補登' }).click();
  await teacher.getByRole('textbox', { name: '學生學號' }).fill('940005');
  await teacher.getByLabel('日期').fill(day);
  await teacher.getByLabel('時間（24 小時制）').fill('16:05');
  await teacher.getByRole('radio', { name: '離校' }).check();
  await teacher.getByRole('button', { name: '補登', exact: true }).click();
  await expect(teacher.getByText(`已補登 何○豪 ${day} 16:05 離校。`)).toBeVisible();
  await desk.close();
  const tomorrow = new Date(Date.now() + 8 * 3600_000 + 24 * 3600_000).toISOString().slice(0, 10);
  await page.reload();
  await expect(term.getByText(`已註銷（${tomorrow} 起停止）`)).toBeVisible();

  // «出勤統計» shows the swipe and says a missing swipe is not an absence.
  await page.goto('/parent/home');
  await page.locator('.child').filter({ hasText: '何佳豪' }).getByRole('link', { name: '出勤統計' }).click();
  await expect(page.getByRole('heading', { name: '出勤統計' })).toBeVisible();
  const [, mm, dd] = day.split('-');
  const swiped = page.getByRole('row').filter({ hasText: `${mm}-${dd}` });
  await expect(swiped).toContainText('07:41');
  await expect(swiped).toContainText('補登 16:05');
  await expect(page.getByText('未刷卡不等於缺席')).toBeVisible();
  await checkPage(page, 'parent-attendance');
});
