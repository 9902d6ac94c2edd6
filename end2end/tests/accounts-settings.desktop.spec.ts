import { test, expect } from './support/test';
import { devices, type Browser, type Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { checkPage } from './support/pages';

/** The back office at 1280 px uses its compact 40 px row buttons (see readers-holidays). */
const DESKTOP = { minTarget: 40 };

/** RFC 6238 (SHA-1, 6 digits, 30 s) of a base32 key as «帳號管理» shows it (grouped). */
function totp(base32: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}

/** Logs a staff member in; `school` empty for the issuer's operators. */
async function staffLogin(page: Page, username: string, password: string, school = 'E2E004') {
  await page.goto('/school');
  if (school) {
    await page.getByLabel('行政區').selectOption('中正區');
    await page.getByLabel('級別').selectOption('junior');
    await page.getByLabel('學校', { exact: true }).selectOption(school);
  }
  await page.getByRole('textbox', { name: '帳號' }).fill(username);
  await page.getByLabel('密碼').fill(password);
  await page.getByRole('button', { name: '登入' }).click();
}

async function desktop(browser: Browser, baseURL: string | undefined) {
  const context = await browser.newContext({ ...devices['Desktop Chrome'], viewport: { width: 1280, height: 860 }, baseURL, locale: 'zh-TW' });
  return { context, page: await context.newPage() };
}

test('the officer creates a teacher who must change the temporary password, enrols an authenticator and is disabled', async ({ page, browser, baseURL }, info) => {
  test.setTimeout(150_000);
  await staffLogin(page, 'e2e.gate.officer', 'e2e-officer-password');
  await expect(page.getByRole('heading', { name: '申請與停卡' })).toBeVisible();
  await page.getByRole('link', { name: '帳號管理' }).click();
  await expect(page.getByRole('heading', { name: '帳號管理', level: 1 })).toBeVisible();
  const list = page.getByRole('table', { name: '帳號列表' });
  await expect(list.getByRole('row').filter({ hasText: 'e2e.gate.teacher' })).toContainText('701');
  await expect(list.getByRole('row').filter({ hasText: 'e2e.gate.officer' })).toContainText('使用中');

  // Field-level errors, then a username already taken.
  const add = page.getByRole('button', { name: '新增帳號' });
  await add.click();
  await expect(page.getByText('請輸入帳號。')).toBeVisible();
  await expect(page.getByText('請選擇班級。')).toBeVisible();
  await page.getByRole('textbox', { name: '帳號' }).fill('e2e.gate.teacher');
  await page.getByRole('combobox', { name: '班級' }).selectOption('701');
  await add.click();
  await expect(page.getByText('這個帳號已有人使用，請換一個。')).toBeVisible();

  // Created: the temporary password is shown once.
  await page.getByRole('textbox', { name: '帳號' }).fill('e2e.new.teacher');
  await add.click();
  await expect(page.getByRole('heading', { name: '已建立帳號 e2e.new.teacher' })).toBeVisible();
  const temporary = await page.getByRole('textbox', { name: '臨時密碼' }).inputValue();
  expect(temporary.length).toBeGreaterThanOrEqual(12);
  const row = list.getByRole('row').filter({ hasText: 'e2e.new.teacher' });
  await expect(row).toContainText('待變更臨時密碼');
  await checkPage(page, 'school-accounts', DESKTOP);
  await page.screenshot({ path: info.outputPath('school-accounts-1280.png'), fullPage: true });

  // The new teacher: the temporary password leads only to «變更密碼».
  const teacher = await desktop(browser, baseURL);
  await staffLogin(teacher.page, 'e2e.new.teacher', temporary);
  await expect(teacher.page).toHaveURL(/\/school\/password$/);
  await expect(teacher.page.getByText('您目前使用的是臨時密碼，請先設定自己的新密碼，才能使用其他功能。')).toBeVisible();
  const refused = await teacher.page.request.post('/api/school/queue', {
    data: { filter: { kind: 'all', review: 'pending', page: 1 } },
    headers: { Origin: baseURL! },
  });
  expect(refused.status()).toBe(409);
  await teacher.page.goto('/school/accounts');
  await expect(teacher.page).toHaveURL(/\/school\/password$/);
  await teacher.page.getByLabel('目前的密碼').fill(temporary);
  await teacher.page.getByLabel('新密碼').fill('a long sentence for the new teacher');
  await teacher.page.getByRole('button', { name: '儲存新密碼' }).click();
  await expect(teacher.page.getByText('密碼已變更，其他裝置上的登入已結束。')).toBeVisible();

  // Enrols an authenticator: a wrong code first, then the app's code.
  await teacher.page.getByRole('link', { name: '帳號管理' }).click();
  await expect(teacher.page.getByText('尚未啟用驗證器。', { exact: false })).toBeVisible();
  // A teacher creates no accounts.
  await expect(teacher.page.getByRole('button', { name: '新增帳號' })).toHaveCount(0);
  await teacher.page.getByRole('button', { name: '設定驗證器' }).click();
  await expect(teacher.page.getByRole('img', { name: '驗證器設定 QR Code' })).toBeVisible();
  const key = (await teacher.page.locator('.totp-enrol__key').textContent())!;
  await teacher.page.getByRole('textbox', { name: '驗證碼' }).fill('000000' === totp(key) ? '111111' : '000000');
  await teacher.page.getByRole('button', { name: '確認啟用' }).click();
  await expect(teacher.page.getByText('驗證碼不正確，請輸入 App 目前顯示的 6 位數字。')).toBeVisible();
  await teacher.page.getByRole('textbox', { name: '驗證碼' }).fill(totp(key));
  await teacher.page.getByRole('button', { name: '確認啟用' }).click();
  await expect(teacher.page.getByText('驗證器已啟用，下次登入時請輸入驗證碼。')).toBeVisible();
  await teacher.page.screenshot({ path: info.outputPath('school-accounts-totp-1280.png'), fullPage: true });

  // The next login asks for the authenticator's code.
  await teacher.page.getByRole('button', { name: '登出' }).click();
  await staffLogin(teacher.page, 'e2e.new.teacher', 'a long sentence for the new teacher');
  const otp = teacher.page.getByRole('textbox', { name: '驗證器 App 驗證碼' });
  await expect(otp).toBeVisible();
  await otp.fill(totp(key));
  await teacher.page.getByRole('button', { name: '登入' }).click();
  await expect(teacher.page.getByRole('heading', { name: '申請與停卡' })).toBeVisible();

  // The officer disables the account: the teacher's session ends at once.
  await page.reload();
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: '停用帳號 e2e.new.teacher' }).click();
  await expect(page.getByText('已停用帳號 e2e.new.teacher。')).toBeVisible();
  await expect(row).toContainText('已停用');
  await teacher.page.reload();
  await expect(teacher.page.getByRole('heading', { name: '學校端登入' })).toBeVisible();
  await teacher.context.close();
});

test('a teacher can neither create accounts nor open the system settings, even by calling the server', async ({ page, baseURL }) => {
  await staffLogin(page, 'e2e.gate.teacher', 'e2e-teacher-password');
  await expect(page.getByRole('heading', { name: '申請與停卡' })).toBeVisible();
  await expect(page.getByRole('link', { name: '系統設定' })).toHaveCount(0);
  const headers = { Origin: baseURL! };
  const add = await page.request.post('/api/school/account-add', {
    data: { input: { role: 'teacher', username: 'e2e.sneaky', class_name: '701' } },
    headers,
  });
  expect(add.status()).toBe(403);
  const settings = await page.request.post('/api/school/settings-save', {
    data: { input: { values: [{ key: 'fee.loss', value: '0' }], confirm: true } },
    headers,
  });
  expect(settings.status()).toBe(403);
});

test('the operator previews and saves a setting and a card type, and previews a consent notice', async ({ page }, info) => {
  test.setTimeout(120_000);
  await staffLogin(page, 'e2e.operator', 'e2e-operator-password', '');
  await expect(page.getByRole('heading', { name: '申請與停卡' })).toBeVisible();
  await page.getByRole('link', { name: '系統設定' }).click();
  await expect(page.getByRole('heading', { name: '系統設定', level: 1 })).toBeVisible();

  // Out of range: a field-level error, nothing previewed.
  const minutes = page.getByRole('textbox', { name: '身分驗證有效時間（分鐘）' });
  const before = await minutes.inputValue();
  await minutes.fill('999');
  await page.getByRole('button', { name: '預覽變更' }).first().click();
  await expect(page.getByText('超出可設定的範圍。')).toBeVisible();
  const after = String(Number(before) + 1);
  await minutes.fill(after);
  await page.getByRole('button', { name: '預覽變更' }).first().click();
  const preview = page.getByRole('region', { name: '確認以下變更' });
  await expect(preview.getByRole('row').filter({ hasText: '身分驗證有效時間（分鐘）' })).toContainText(`${before}${after}`);
  await checkPage(page, 'school-settings-preview', DESKTOP);
  await page.screenshot({ path: info.outputPath('school-settings-preview-1280.png'), fullPage: true });
  await preview.getByRole('button', { name: '確認儲存' }).click();
  await expect(page.getByText('變更已儲存。')).toBeVisible();
  await page.reload();
  await expect(minutes).toHaveValue(after);

  // A card type: added after its preview.
  await page.getByRole('textbox', { name: '卡別代碼' }).fill('E2E-SETTINGS');
  await page.getByRole('textbox', { name: '中文名稱' }).fill('測試設定卡');
  await page.getByRole('textbox', { name: '英文名稱' }).fill('Settings test card');
  await page.getByRole('textbox', { name: '補發費用（元）' }).fill('120');
  await page.getByRole('button', { name: '預覽變更' }).nth(1).click();
  await expect(page.getByRole('region', { name: '確認以下變更' })).toContainText('測試設定卡');
  await page.getByRole('region', { name: '確認以下變更' }).getByRole('button', { name: '確認儲存' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'E2E-SETTINGS' })).toContainText('120');

  // The consent notice: previewed clause by clause, cancelled (not published here: the
  // other tests read the notice in force).
  await page.getByRole('textbox', { name: '版本' }).fill('e2e-preview');
  await page.getByRole('textbox', { name: '中文條文' }).fill('第一條：測試條文。\n第二條：第二條文。');
  await page.getByRole('textbox', { name: '英文條文' }).fill('Clause one.\nClause two.');
  await page.getByRole('button', { name: '預覽同意書' }).click();
  const consent = page.getByRole('region', { name: '同意書 e2e-preview 預覽' });
  await expect(consent).toContainText('第二條：第二條文。');
  await page.screenshot({ path: info.outputPath('school-settings-consent-1280.png'), fullPage: true });
  await consent.getByRole('button', { name: '取消' }).click();
  await expect(consent).toHaveCount(0);

  // The audit log shows the change with its before → after.
  await page.getByRole('link', { name: '稽核紀錄' }).click();
  await page.getByRole('textbox', { name: '操作者' }).fill('e2e.operator');
  await page.getByRole('textbox', { name: '操作者' }).press('Tab');
  await expect(page.getByRole('row').filter({ hasText: '變更費用與期限' }).first()).toContainText(`${before} → ${after}`);
});
