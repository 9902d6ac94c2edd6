import { test, expect } from './support/test';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { devices, type Browser, type Page } from '@playwright/test';
import {
  applicationsOf,
  deliverToSchoolAndConfirm,
  fillApplicant,
  fillIdentity,
  holders,
  makePhoto,
  uploadPhoto,
  verifyForApply,
  verifyForStop,
} from './support/portal';

/** A parent on a phone, in a browser context of their own. */
async function parentPhone(browser: Browser, baseURL: string | undefined) {
  const context = await browser.newContext({ ...devices['Pixel 7'], viewport: { width: 360, height: 780 }, baseURL, locale: 'zh-TW' });
  return { context, page: await context.newPage() };
}

async function staffLogin(page: Page, username: string, password: string) {
  await page.goto('/school');
  await expect(page.getByRole('heading', { name: '學校端登入' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('school-login.png') });
  await page.getByLabel('行政區').selectOption('中正區');
  await page.getByLabel('級別').selectOption('primary');
  await page.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await page.getByRole('textbox', { name: '帳號' }).fill(username);
  await page.getByLabel('密碼').fill(password);
  await page.getByRole('button', { name: '登入' }).click();
  await expect(page.getByRole('heading', { name: '申請與停卡審核' })).toBeVisible();
}

function row(page: Page, serial: string) {
  return page.getByRole('row').filter({ hasText: serial });
}

test('a card officer clears the queue: approve a stop, return an application, export CSV', async ({ page, browser, baseURL }, info) => {
  test.setTimeout(120_000);
  // A parent stops one child's card and applies for another's replacement.
  const parent = await parentPhone(browser, baseURL);
  await verifyForStop(parent.page, holders.school_stop);
  await parent.page.getByRole('button', { name: '停卡', exact: true }).click();
  await parent.page.getByRole('button', { name: '繼續' }).click();
  await parent.page.getByRole('button', { name: '送出停卡申請' }).click();
  await expect(parent.page.getByRole('heading', { name: '停卡申請已完成' })).toBeVisible();
  const stopSerial = (await parent.page.locator('.panel__value').textContent())!.trim();
  await verifyForApply(parent.page, holders.school_apply);
  await fillApplicant(parent.page);
  await uploadPhoto(parent.page, await makePhoto(parent.page, 900, 1200));
  await deliverToSchoolAndConfirm(parent.page);
  await parent.page.getByRole('button', { name: '確認資料無誤送出申請' }).click();
  await expect(parent.page.getByRole('heading', { name: '卡片送交印卡中心' })).toBeVisible();
  const appSerial = (await parent.page.getByText(/^AP\d{14}$/).first().textContent())!.trim();

  // The officer sees both, with masked names, the photo and the fees.
  await staffLogin(page, 'e2e.officer', 'e2e-officer-password');
  await expect(page.getByText('e2e.officer（學校承辦人・測試市立e2e國小）')).toBeVisible();
  const stopRow = row(page, stopSerial);
  const appRow = row(page, appSerial);
  await expect(stopRow).toContainText('葉○翰');
  await expect(stopRow).toContainText('僅掛失停卡不退費');
  await expect(stopRow).toContainText('無家長聯絡資料');
  await expect(appRow).toContainText('蘇○婷');
  await expect(appRow).toContainText('符合');
  await expect(appRow.getByRole('img', { name: '申請人大頭照' })).toBeVisible();
  await expect(appRow).toContainText('待繳費');
  await page.screenshot({ path: info.outputPath('school-queue.png'), fullPage: true });

  // Keyboard: tab to the stop's «核可» and press Enter.
  await stopRow.getByRole('button', { name: '核可' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('已核可 1 筆。')).toBeVisible();
  await expect(row(page, stopSerial)).toHaveCount(0);

  // «退件» opens the row's reason box, which needs a reason.
  await row(page, appSerial).getByRole('button', { name: '退件' }).click();
  const reason = row(page, appSerial).getByRole('textbox', { name: '退件原因' });
  await expect(reason).toBeFocused();
  await row(page, appSerial).getByRole('button', { name: '確認退件' }).click();
  await expect(reason).toHaveAttribute('aria-invalid', 'true');
  await reason.fill('照片背景不是白色，請重新申請');
  await row(page, appSerial).getByRole('button', { name: '確認退件' }).click();
  await expect(page.getByText('已退件 1 筆。')).toBeVisible();

  // CSV export of everything, with a BOM for Excel.
  await page.getByLabel('審核狀態').selectOption('');
  await expect(row(page, stopSerial)).toContainText('已核可');
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: '匯出 CSV' }).click();
  const file = await (await download).path();
  const csv = readFileSync(file!, 'utf8');
  expect(csv.charCodeAt(0)).toBe(0xfeff);
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toContain('類別,編號,申請時間,申請人');
  expect(lines.find((l) => l.includes(stopSerial))).toContain('已核可');
  expect(lines.find((l) => l.includes(appSerial))).toContain('照片背景不是白色');

  // The audit log says it in staff words: the officer by username and role, the
  // action by name, the review's before → after with the reason.
  await page.getByRole('link', { name: '稽核紀錄' }).click();
  await expect(page.getByRole('heading', { name: '稽核紀錄' })).toBeVisible();
  await page.getByRole('textbox', { name: '操作者' }).fill('e2e.officer');
  await page.getByRole('textbox', { name: '操作者' }).press('Tab');
  await page.getByRole('combobox', { name: '動作' }).selectOption('school.return');
  const returned = page.getByRole('row').filter({ hasText: appSerial });
  await expect(returned).toContainText('e2e.officer（學校承辦人）');
  await expect(returned).toContainText('退件');
  await expect(returned).toContainText('申請中 → 退件; 原因: 照片背景不是白色，請重新申請');
  await expect(page.getByText('staff:', { exact: false })).toHaveCount(0);
  await page.screenshot({ path: info.outputPath('school-audit.png'), fullPage: true });

  // The parent's query shows «退件» with the reason.
  const apps = await applicationsOf(parent.page, holders.school_apply);
  await expect(apps.first().getByText('退件').first()).toBeVisible();
  await expect(apps.first()).toContainText('照片背景不是白色，請重新申請');
  await parent.context.close();
});

test('a roster file with bad lines shows each line and writes nothing', async ({ page }) => {
  await staffLogin(page, 'e2e.officer', 'e2e-officer-password');
  await page.getByRole('link', { name: '學生名冊匯入' }).click();
  await expect(page.getByRole('heading', { name: '學生名冊匯入' })).toBeVisible();
  const header =
    'school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on';
  const bad = [
    header,
    'E2E001,測試市立e2e國小,中正區,國小,950001,新同學,A123456789,2015-01-01,M,505,1,基隆市樂學卡(小學),0599600001,active,10,2021-09-01',
    'E2E001,測試市立e2e國小,中正區,國小,950002,錯誤生,A123456788,2015-01-01,M,505,2,基隆市樂學卡(小學),0599600002,active,10,2021-09-01',
    'E2E001,測試市立e2e國小,中正區,國小,950003,錯誤生,A223456781,2015-13-01,F,505,3,基隆市樂學卡(小學),0599600003,active,10,2021-09-01',
  ].join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'roster-'));
  const file = path.join(dir, 'roster.csv');
  writeFileSync(file, bad);
  await page.getByLabel('CSV 檔案').setInputFiles(file);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('未寫入任何資料');
  // Each problem in staff words, not the command line's English.
  await expect(alert).toContainText('第 3 行：身分證號檢查碼錯誤');
  await expect(alert).toContainText('第 4 行：出生日期須為日期 YYYY-MM-DD');
  await expect(alert).not.toContainText('is not a valid ID');
  // And in the staff member's language.
  await page.getByRole('combobox', { name: '語言' }).selectOption('en');
  await expect(page.getByRole('alert')).toContainText('Line 3: ID number has a wrong check digit');
  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-TW');
  await expect(page.getByRole('button', { name: '確認匯入' })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('school-roster-errors.png'), fullPage: true });
  // Nothing was written: the valid first row's student is not on the roster.
  const parent = page.context();
  const other = await parent.newPage();
  await other.goto('/card/query/consent');
  await other.getByRole('button', { name: '已詳閱並同意' }).click();
  await fillIdentity(other, 'A123456789', '2015-01-01');
  await other.getByRole('button', { name: '送出驗證資料' }).click();
  await expect(other.getByText('查無符合資料，請確認輸入內容')).toBeVisible();
});

test('a teacher of another class sees none of it, not even by replaying a call', async ({ page, browser, baseURL }) => {
  // A parent stops a card of class 504; its homeroom teacher sees it.
  const parent = await parentPhone(browser, baseURL);
  await verifyForStop(parent.page, holders.school_other);
  await parent.page.getByRole('button', { name: '停卡', exact: true }).click();
  await parent.page.getByRole('button', { name: '繼續' }).click();
  await parent.page.getByRole('button', { name: '送出停卡申請' }).click();
  await expect(parent.page.getByRole('heading', { name: '停卡申請已完成' })).toBeVisible();
  const serial = (await parent.page.locator('.panel__value').textContent())!.trim();
  await parent.context.close();
  const own = await browser.newContext({ baseURL });
  const ownPage = await own.newPage();
  await staffLogin(ownPage, 'e2e.t504', 'e2e-teacher-password');
  await expect(row(ownPage, serial)).toBeVisible();
  const reply = await ownPage.request.post('/api/school/queue', {
    data: { filter: { kind: 'all', review: '', page: 1 } },
    headers: { Origin: baseURL! },
  });
  const body = await reply.json();
  const ref = body.rows.find((r: { serial_no: string }) => r.serial_no === serial).item_ref as string;
  await own.close();

  // The teacher of 501 does not see it…
  await staffLogin(page, 'e2e.t501', 'e2e-teacher-password');
  await page.getByLabel('審核狀態').selectOption('');
  await expect(page.getByRole('heading', { name: '申請與停卡審核' })).toBeVisible();
  await expect(row(page, serial)).toHaveCount(0);
  // …and a replayed server-function call is refused.
  const replay = await page.request.post('/api/school/review', {
    data: { input: { item_refs: [ref], approve: true, reason: '' } },
    headers: { Origin: baseURL! },
  });
  expect(replay.status()).toBe(403);
  const form = await page.request.get(`/api/school/form?item_ref=${ref}`);
  expect([403, 404]).toContain(form.status());
  // Teachers have no roster, unlock or audit pages.
  await expect(page.getByRole('link', { name: '學生名冊匯入' })).toHaveCount(0);
  const audit = await page.request.post('/api/school/audit', { data: { filter: {} }, headers: { Origin: baseURL! } });
  expect(audit.status()).toBe(403);
});

test('the staff login starts with a skip link past the language switch to the form', async ({ page }) => {
  await page.goto('/school');
  await expect(page.getByRole('heading', { name: '學校端登入' })).toBeVisible();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: '跳到主要內容' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: '學校端登入' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('combobox', { name: '行政區' })).toBeFocused();
});
