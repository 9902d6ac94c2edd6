import { test, expect } from './support/test';
import { codeIn, fillIdentity, holders, latestCodeFor, smsTo, startWizard, verifyForStop } from './support/portal';
import type { Page } from '@playwright/test';

async function chooseStop(page: Page) {
  await expect(page.getByText('暫時鎖卡：立即暫停校內刷卡')).toBeVisible();
  await expect(page.getByText('停卡掛失：永久停用卡片')).toBeVisible();
  await page.getByRole('button', { name: '停卡', exact: true }).click();
  await expect(page.getByRole('heading', { name: '停卡/退費作業' })).toBeVisible();
}

async function submitAndExpectDone(page: Page) {
  await expect(page.getByText('申請掛失後即不可取消')).toBeVisible();
  await page.getByRole('button', { name: '送出停卡申請' }).click();
  await expect(page.getByRole('heading', { name: '停卡申請已完成' })).toBeVisible();
  const serial = await page.locator('.panel__value').textContent();
  expect(serial).toMatch(/^ST\d{14}$/);
  await expect(page.getByText('停用', { exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: '線上申辦' })).toBeVisible();
  return serial;
}

test.describe('stop card wizard on a phone', () => {
  test('stop without a refund, and the result survives a reload', async ({ page }) => {
    await verifyForStop(page, holders.stop_norefund);
    await expect(page.getByText('步驟 3 / 6')).toBeVisible();
    await chooseStop(page);
    await expect(page.getByRole('radio', { name: /僅掛失停卡不退費/ })).toBeChecked();
    await expect(page.getByText('− 20 元')).toBeVisible();
    await page.getByRole('button', { name: '繼續' }).click();
    await expect(page.getByRole('heading', { name: '確認停卡資料' })).toBeVisible();
    await expect(page.getByText('學校沒有登記家長聯絡方式')).toBeVisible();
    const serial = await submitAndExpectDone(page);
    // The time alone when it is today, with its date when the stop is late in the evening.
    await expect(page.getByText(/自 (\d{4}-\d{2}-\d{2} )?\d{2}:\d{2} 起，盜用損失不再由持卡人負擔/)).toBeVisible();
    await page.reload();
    await expect(page.locator('.panel__value')).toHaveText(serial!);
  });

  test('stop with a bank refund: a bad account number is named next to the field', async ({ page }) => {
    await verifyForStop(page, holders.stop_bank);
    await chooseStop(page);
    await page.getByRole('radio', { name: /掛失停卡且退費/ }).check();
    await expect(page.getByRole('radio', { name: /匯款/ })).toBeChecked();
    await page.getByLabel('銀行').selectOption('808');
    const kept = page.waitForResponse(
      (r) => r.url().includes('/api/stop/draft') && r.request().postData()?.includes('"0123"') === true && r.ok(),
    );
    await page.getByRole('textbox', { name: '分行代號' }).fill('0123');
    await page.getByRole('textbox', { name: '帳號' }).fill('1234567890123');
    await kept;
    // A reload keeps the choices (on the server), never the account number: it is
    // asked for again, with a word why.
    await page.reload();
    await expect(page.getByRole('heading', { name: '停卡/退費作業' })).toBeVisible();
    await expect(page.getByRole('radio', { name: /掛失停卡且退費/ })).toBeChecked();
    await expect(page.getByLabel('銀行')).toHaveValue('808');
    await expect(page.getByRole('textbox', { name: '分行代號' })).toHaveValue('0123');
    await expect(page.getByRole('textbox', { name: '帳號' })).toHaveValue('');
    await expect(page.getByText('帳號與地址不會保存，請再輸入一次')).toBeVisible();
    const account = page.getByRole('textbox', { name: '帳號' });
    await account.fill('12345');
    await page.getByRole('button', { name: '繼續' }).click();
    await expect(account).toHaveAttribute('aria-invalid', 'true');
    await expect(account).toHaveAccessibleDescription(/帳號格式不正確/);
    await expect(page.getByRole('heading', { name: '停卡/退費作業' })).toBeVisible();
    await account.fill('1234567890123');
    await expect(page.getByText('200 元', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: '繼續' }).click();
    await expect(page.getByText('808 玉山商業銀行 / 0123 / 1234567890123')).toBeVisible();
    await submitAndExpectDone(page);
    await expect(page.getByText('退費（匯款）')).toBeVisible();
    // The query wizard shows the stopped card with its refund choice.
    await startWizard(page, '卡片查詢');
    await fillIdentity(page, holders.stop_bank.id, holders.stop_bank.birth);
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await expect(page.getByText('停用', { exact: true })).toBeVisible();
    await expect(page.getByText('退費與否：退費（匯款）')).toBeVisible();
    // Until the issuer confirms it, the refund is in progress (no call-us note yet).
    await expect(page.getByText('退費處理中', { exact: true })).toBeVisible();
    await expect(page.getByText(/請洽一卡通客服專線/)).toHaveCount(0);
    await expect(page.getByText(/停卡時間 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/)).toBeVisible();
  });

  test('stop with a cheque refund when the balance does not cover the fees', async ({ page }) => {
    await verifyForStop(page, holders.stop_cheque);
    await chooseStop(page);
    await page.getByRole('radio', { name: /掛失停卡且退費/ }).check();
    await page.getByRole('radio', { name: /郵寄支票/ }).check();
    await expect(page.getByText('餘額不足支付手續費，將不予退費。')).toBeVisible();
    await page.getByRole('button', { name: '繼續' }).click();
    await expect(page.getByRole('textbox', { name: '郵遞區號' })).toHaveAccessibleDescription(/此欄必填/);
    await page.getByRole('textbox', { name: '郵遞區號' }).fill('200');
    await page.getByRole('textbox', { name: '郵寄地址' }).fill('基隆市仁愛區愛一路1號');
    await page.getByRole('button', { name: '繼續' }).click();
    await submitAndExpectDone(page);
    await expect(page.getByText('退費（郵寄支票）')).toBeVisible();
  });

  test('a card can be locked for now and unlocked again', async ({ page }) => {
    await verifyForStop(page, holders.stop_lock);
    await page.getByRole('button', { name: '暫時鎖卡' }).click();
    await expect(page.getByRole('button', { name: '解除鎖卡' })).toBeVisible();
    await expect(page.getByText('暫時鎖卡', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: '解除鎖卡' }).click();
    await expect(page.getByRole('button', { name: '暫時鎖卡' })).toBeVisible();
    await expect(page.getByText('開卡使用中')).toBeVisible();
  });

  test('a double click and a replayed request make exactly one stop', async ({ page, baseURL }) => {
    await verifyForStop(page, holders.stop_double);
    await chooseStop(page);
    await page.getByRole('button', { name: '繼續' }).click();
    const bodies: string[] = [];
    const answers: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/stop/submit')) bodies.push(r.postData() ?? '');
    });
    page.on('response', async (r) => {
      if (r.url().endsWith('/api/stop/submit')) answers.push(await r.text());
    });
    await page.getByRole('button', { name: '送出停卡申請' }).dblclick();
    await expect(page.getByRole('heading', { name: '停卡申請已完成' })).toBeVisible();
    const serial = await page.locator('.panel__value').textContent();
    // Whatever reached the server answered with the one stop.
    await expect.poll(() => answers.length).toBeGreaterThan(0);
    for (const a of answers) expect(JSON.parse(a).serial_no).toBe(serial);
    // Replaying the same request gives the same answer; a new key is refused.
    const replay = await page.request.post('/api/stop/submit', {
      data: bodies[0],
      // As the page sends it: the same-origin guard refuses a POST without Origin.
      headers: { 'content-type': 'application/json', Origin: baseURL! },
    });
    expect(replay.status()).toBe(200);
    expect((await replay.json()).serial_no).toBe(serial);
    const other = JSON.parse(bodies[0]);
    other.input.idempotency_key = 'another-key-0001';
    const second = await page.request.post('/api/stop/submit', { data: other, headers: { Origin: baseURL! } });
    expect(second.status()).toBe(409);
  });

  test("a verified holder cannot stop another holder's card by replaying a request", async ({ page, browser, baseURL }) => {
    await verifyForStop(page, holders.replay_a);
    const overviewA = await (await page.request.get('/api/stop/overview')).json();
    const refA: string = overviewA.cards[0].card_ref;

    const other = await browser.newContext({ viewport: { width: 360, height: 780 } });
    const pageB = await other.newPage();
    await verifyForStop(pageB, holders.replay_b);
    const input = { card_ref: refA, choice: 'no_refund', idempotency_key: 'replay-attempt-0001' };
    // Sent as from the page itself, so the 403 is the ownership check's, not the origin guard's.
    const res = await pageB.request.post('/api/stop/submit', { data: { input }, headers: { Origin: baseURL! } });
    expect(res.status()).toBe(403);
    const lock = await pageB.request.post('/api/stop/lock', { form: { card_ref: refA }, headers: { Origin: baseURL! } });
    expect(lock.status()).toBe(403);
    await other.close();

    const after = await (await page.request.get('/api/stop/overview')).json();
    expect(after.cards[0].status).toBe('active');
  });

  test('the code goes out by SMS when the confirmation step opens, once, and stops the card', async ({ page }) => {
    await verifyForStop(page, holders.stop_code);
    await chooseStop(page);
    await page.getByRole('button', { name: '繼續' }).click();
    await expect(page.getByRole('heading', { name: '確認停卡資料' })).toBeVisible();
    // Sent without asking, to every contact on file, shown masked.
    await expect(page.getByText('新的驗證碼已寄出，10 分鐘內有效；請輸入最新收到的驗證碼。')).toBeVisible();
    await expect(page.getByText('0912***678', { exact: true })).toBeVisible();
    await expect(page.getByText('p***@example.com', { exact: true })).toBeVisible();
    await expect(page.getByText('0912345678')).toHaveCount(0);
    const resend = page.getByRole('button', { name: '重新寄送驗證碼' });
    await expect(resend).toBeDisabled();
    await expect(page.getByText(/\d+ 秒後可重新寄送驗證碼。/)).toBeVisible();
    await expect(page.getByRole('heading', { name: '沒有收到驗證碼？' })).toBeVisible();
    await expect(page.getByText(/請聯絡學校的學生證業務承辦人/)).toBeVisible();
    await expect.poll(async () => (await smsTo('0912345678')).length).toBe(1);
    const [sms] = await smsTo('0912345678');
    expect(sms.charset).toBe('UTF-8');
    const sent = codeIn(sms.smbody);
    expect(sent).toMatch(/^\d{6}$/);
    // The e-mail carries the same code.
    expect(latestCodeFor('parent@example.com')).toBe(sent);

    // A reload keeps the step (the draft is kept on the server) and the code: the
    // step opens again and sends nothing new.
    await page.reload();
    await expect(page.getByRole('heading', { name: '確認停卡資料' })).toBeVisible();
    await expect(page.getByText('驗證碼已於稍早寄出，10 分鐘內有效。')).toBeVisible();
    expect(await smsTo('0912345678')).toHaveLength(1);

    const code = page.getByRole('textbox', { name: '驗證碼' });
    await page.getByRole('button', { name: '送出停卡申請' }).click();
    await expect(code).toHaveAccessibleDescription(/請輸入驗證碼/);
    const wrong = sent === '000000' ? '111111' : '000000';
    await code.fill(wrong);
    await page.getByRole('button', { name: '送出停卡申請' }).click();
    await expect(code).toHaveAccessibleDescription(/驗證碼不正確或已過期/);
    await code.fill(sent!);
    await submitAndExpectDone(page);
  });

  test('the code read from the e-mail stops the card as well', async ({ page }) => {
    await verifyForStop(page, holders.stop_code_email);
    await chooseStop(page);
    await page.getByRole('button', { name: '繼續' }).click();
    await expect(page.getByText('f***@example.com', { exact: true })).toBeVisible();
    await expect(page.getByText('0911***333', { exact: true })).toBeVisible();
    await expect.poll(() => latestCodeFor('family.lin@example.com')).toMatch(/^\d{6}$/);
    await page.getByRole('textbox', { name: '驗證碼' }).fill(latestCodeFor('family.lin@example.com')!);
    await submitAndExpectDone(page);
  });
});
