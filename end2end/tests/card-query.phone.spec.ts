import { test, expect } from './support/test';
import { fillIdentity, holders, startWizard, waitForNewCaptcha, OwnServer } from './support/portal';

test.describe('card query wizard on a phone', () => {
  test('a holder goes from the home page through consent and verification to the card list', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: '學生證停卡/申辦/查詢系統' })).toBeVisible();
    await expect(page.getByRole('link', { name: '停卡掛失' })).toBeVisible();
    await expect(page.getByRole('link', { name: '線上申辦' })).toBeVisible();
    await page.getByRole('link', { name: '卡片查詢' }).click();

    await expect(page.getByText('步驟 1 / 3')).toBeVisible();
    await expect(page.getByRole('heading', { name: '授權同意書' })).toBeVisible();
    await expect(page.getByRole('listitem').filter({ hasText: '申請掛失後即不可取消' })).toBeVisible();
    await page.getByRole('button', { name: '已詳閱並同意' }).click();

    await expect(page.getByText('步驟 2 / 3')).toBeVisible();
    await expect(page.getByRole('heading', { name: '個人基本資料驗證' })).toBeFocused();
    // The captcha is issued with the image: submitting before it arrives is a wrong one.
    await expect(page.getByRole('img', { name: '驗證碼圖片' })).toBeVisible();
    const h = holders.query;
    await fillIdentity(page, h.id.toLowerCase(), h.birth);
    await expect(page.getByText('民國104年3月14日')).toBeVisible();
    await page.getByRole('button', { name: '送出驗證資料' }).click();

    await expect(page.getByText('步驟 3 / 3')).toBeVisible();
    await expect(page.getByRole('heading', { name: '卡片查詢結果' })).toBeVisible();
    await expect(page.getByText('林○晴')).toBeVisible();
    await expect(page.getByText(h.name)).toHaveCount(0);
    await expect(page.getByText('開卡使用中')).toBeVisible();
    await expect(page.getByText('059910****')).toBeVisible();
    await expect(page.getByText('0599100001')).toHaveCount(0);
    await expect(page.getByRole('cell', { name: '2021-09-01' })).toBeVisible();
    await expect(page).toHaveTitle(/卡片查詢結果/);
  });

  test('a stopped card shows 停用 with its stop time', async ({ page }) => {
    await startWizard(page, '卡片查詢');
    await fillIdentity(page, holders.stopped.id, holders.stopped.birth);
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await expect(page.getByText('停用', { exact: true })).toBeVisible();
    await expect(page.getByText(/停卡時間 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/)).toBeVisible();
  });

  test('an ID with a bad checksum gets a field error before any request is sent', async ({ page }) => {
    await startWizard(page, '卡片查詢');
    const verifyCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/identity/verify')) verifyCalls.push(r.url());
    });
    const good = holders.query.id;
    const bad = good.slice(0, 9) + String((Number(good[9]) + 1) % 10);
    await fillIdentity(page, bad, holders.query.birth);
    await page.getByRole('button', { name: '送出驗證資料' }).click();

    const idField = page.getByRole('textbox', { name: '身分證號' });
    await expect(idField).toHaveAttribute('aria-invalid', 'true');
    await expect(idField).toHaveAccessibleDescription(/號碼檢查碼不正確/);
    const summary = page.getByRole('alert').filter({ hasText: '請修正以下問題' });
    await expect(summary.getByRole('link', { name: '號碼檢查碼不正確，請確認是否輸入錯誤' })).toBeVisible();
    // The error also shows on leaving the field, and clears once corrected.
    await idField.fill(good);
    await idField.blur();
    await expect(idField).not.toHaveAttribute('aria-invalid', 'true');
    expect(verifyCalls).toEqual([]);
  });

  test('empty fields are each named next to the field', async ({ page }) => {
    await startWizard(page, '卡片查詢');
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await expect(page.getByRole('textbox', { name: '身分證號' })).toHaveAccessibleDescription(/請輸入身分證號/);
    await expect(page.getByLabel('出生年月日')).toHaveAccessibleDescription(/請選擇出生年月日/);
    await expect(page.getByRole('textbox', { name: '驗證碼' })).toHaveAccessibleDescription(/請輸入驗證碼/);
  });

  test('a wrong birth date and an unknown ID get the same generic message', async ({ page }) => {
    await startWizard(page, '卡片查詢');
    const answers: { status: number; body: string }[] = [];
    page.on('response', async (r) => {
      if (r.url().includes('/api/identity/verify')) answers.push({ status: r.status(), body: await r.text() });
    });
    const captcha = page.getByRole('img', { name: '驗證碼圖片' });

    let src = await captcha.getAttribute('src');
    await fillIdentity(page, holders.nomatch.id, '2014-02-03');
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await expect(page.getByRole('alert')).toHaveText('查無符合資料，請確認輸入內容');
    await waitForNewCaptcha(page, src);

    src = await captcha.getAttribute('src');
    await fillIdentity(page, 'A123456789', '2014-02-02');
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await waitForNewCaptcha(page, src);
    await expect(page.getByRole('alert')).toHaveText('查無符合資料，請確認輸入內容');

    await expect.poll(() => answers.length).toBe(2);
    expect(answers[0].status).toBe(400);
    expect(answers[1]).toEqual(answers[0]);
  });

  test('the 6th wrong attempt for one ID is locked and stays locked after a server restart', async ({ page }) => {
    const server = new OwnServer(3290 + test.info().parallelIndex);
    server.importRoster();
    await server.start();
    try {
      const h = holders.restart;
      await page.goto(`${server.url}/card/query/consent`);
      await page.getByRole('button', { name: '已詳閱並同意' }).click();
      const captcha = page.getByRole('img', { name: '驗證碼圖片' });
      for (let attempt = 1; attempt <= 5; attempt++) {
        await expect(captcha).toBeVisible();
        const src = await captcha.getAttribute('src');
        await fillIdentity(page, h.id, '2000-01-01');
        await page.getByRole('button', { name: '送出驗證資料' }).click();
        await expect(page.getByRole('alert')).toHaveText('查無符合資料，請確認輸入內容');
        await waitForNewCaptcha(page, src);
      }
      // Locked now: even the right birth date is refused.
      await fillIdentity(page, h.id, h.birth);
      await page.getByRole('button', { name: '送出驗證資料' }).click();
      await expect(page.getByRole('alert')).toContainText('請稍後再試');
      await expect(page.getByRole('alert')).toContainText('15 分鐘');

      await server.stop();
      await server.start();

      await page.goto(`${server.url}/card/query/consent`);
      await page.getByRole('button', { name: '已詳閱並同意' }).click();
      await expect(captcha).toBeVisible();
      await fillIdentity(page, h.id, h.birth);
      const answer = page.waitForResponse((r) => r.url().includes('/api/identity/verify'));
      await page.getByRole('button', { name: '送出驗證資料' }).click();
      const res = await answer;
      expect(res.status()).toBe(429);
      expect(Number(res.headers()['retry-after'])).toBeGreaterThan(0);
      await expect(page.getByRole('alert')).toContainText('請稍後再試');
    } finally {
      await server.stop();
    }
  });

  test('declining consent stores nothing and does not open the next step', async ({ page }) => {
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    await page.goto('/');
    await page.getByRole('link', { name: '卡片查詢' }).click();
    await expect(page.getByRole('button', { name: '已詳閱並同意' })).toBeEnabled();
    await page.getByRole('button', { name: '不同意，離開！' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 1, name: '學生證停卡/申辦/查詢系統' })).toBeVisible();
    expect(posts).toEqual([]);
    // Without consent the verification step sends the user back to step 1.
    await page.goto('/card/query/verify');
    await expect(page.getByRole('heading', { name: '授權同意書' })).toBeVisible();
    await expect(page).toHaveURL(/\/card\/query\/consent$/);
  });

  test('a reload keeps the step, and the back button goes back one step with the data kept', async ({ page }) => {
    const h = holders.reload;
    await startWizard(page, '卡片查詢');
    await page.reload();
    await expect(page.getByRole('heading', { name: '個人基本資料驗證' })).toBeVisible();
    await expect(page.getByText('步驟 2 / 3')).toBeVisible();

    await fillIdentity(page, h.id, h.birth);
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await expect(page.getByRole('heading', { name: '卡片查詢結果' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { name: '卡片查詢結果' })).toBeVisible();
    await expect(page.getByText('黃○君')).toBeVisible();

    await startWizard(page, '卡片查詢');
    await fillIdentity(page, holders.back.id, holders.back.birth);
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await expect(page.getByText('李○廷')).toBeVisible();
    await page.goBack();
    await expect(page.getByRole('heading', { name: '個人基本資料驗證' })).toBeVisible();
    await expect(page.getByRole('textbox', { name: '身分證號' })).toHaveValue(holders.back.id);
    await expect(page.getByLabel('出生年月日')).toHaveValue(holders.back.birth);
    await page.goBack();
    await expect(page.getByRole('heading', { name: '授權同意書' })).toBeVisible();
  });

  test('the language switch turns the page to English and the choice persists', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-TW');
    await page.getByRole('combobox', { name: '語言' }).selectOption('en');
    await expect(page.getByRole('heading', { level: 1, name: 'Student Card Service Portal' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.reload();
    await expect(page.getByRole('link', { name: 'Look up a card' })).toBeVisible();
    await page.getByRole('link', { name: 'Look up a card' }).click();
    await page.getByRole('button', { name: 'I have read and agree' }).click();
    await page.getByRole('button', { name: 'Send details' }).click();
    await expect(page.getByRole('textbox', { name: 'National ID' })).toHaveAccessibleDescription(/Enter the national ID/);
    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-TW');
    await expect(page.getByRole('heading', { name: '個人基本資料驗證' })).toBeVisible();
  });

  test('foreign students verify with a resident certificate or passport number', async ({ page }) => {
    await startWizard(page, '卡片查詢');
    await page.getByRole('radio', { name: '居留證號/護照號碼' }).check();
    const field = page.getByRole('textbox', { name: '居留證號/護照號碼' });
    await field.fill('AB-1');
    await field.blur();
    await expect(field).toHaveAccessibleDescription(/6 至 20 位英數字/);
  });
});
