import { test, expect } from './support/test';
import { devices, type Browser, type Page } from '@playwright/test';
import { messagesTo, registerParent, smsTo } from './support/portal';
import { checkPage } from './support/pages';

/** The back office at 1280 px uses its compact 40 px row buttons (as the queue does);
 * the 44 px rule is for the parents' phone pages. */
const DESKTOP = { minTarget: 40 };

/** School E2E005 (測試市立e2e通知國小): class 501 蘇曉雯 and 蔡志明, class 502 黃詩婷. */
const SCHOOL = '測試市立e2e通知國小';
const SU = { name: '蘇曉雯', student_no: '990001', birth: '2015-01-05', id: 'V299500018' };
const TSAI = { name: '蔡志明', student_no: '990002', birth: '2015-02-06', id: 'V199500025' };
const HUANG = { name: '黃詩婷', student_no: '990003', birth: '2015-03-07', id: 'V299500036' };

/** Logs a staff member of E2E005 in on `page`. */
async function staffLogin(page: Page, username: string, password: string) {
  await page.goto('/school');
  await page.getByLabel('行政區').selectOption('中正區');
  await page.getByLabel('級別').selectOption('primary');
  await page.getByLabel('學校', { exact: true }).selectOption('E2E005');
  await page.getByRole('textbox', { name: '帳號' }).fill(username);
  await page.getByLabel('密碼').fill(password);
  await page.getByRole('button', { name: '登入' }).click();
  await expect(page.getByRole('heading', { name: '申請與停卡' })).toBeVisible();
}

/** A parent on a phone of their own, registered with `contact`, asking to bind `child`. */
async function parentOf(
  browser: Browser,
  baseURL: string | undefined,
  contact: string,
  displayName: string,
  child: { name: string; student_no: string; birth: string; id: string },
) {
  const context = await browser.newContext({ ...devices['Pixel 7'], viewport: { width: 360, height: 780 }, baseURL, locale: 'zh-TW' });
  const page = await context.newPage();
  await registerParent(page, contact, displayName);
  await page.getByRole('link', { name: '親子綁定' }).click();
  const group = page.getByRole('group', { name: '子女 1' });
  await group.getByLabel('行政區').selectOption('中正區');
  await group.getByLabel('級別').selectOption('primary');
  await group.getByLabel('學校', { exact: true }).selectOption('E2E005');
  await group.getByRole('textbox', { name: '子女姓名' }).fill(child.name);
  await group.getByRole('textbox', { name: '學號' }).fill(child.student_no);
  await group.getByLabel('出生年月日').fill(child.birth);
  await group.getByRole('textbox', { name: '身分證號' }).fill(child.id);
  await group.getByRole('radio', { name: /^母親$/ }).check();
  await page.getByRole('button', { name: '送出綁定申請' }).click();
  await expect(page.getByRole('region', { name: '申請結果' }).getByText('審核中')).toBeVisible();
  return { context, page };
}

/** Approves the pending binding of `parent` to `child` in «親子綁定審核». */
async function approve(page: Page, parent: string, child: string) {
  await page.getByRole('link', { name: '親子綁定審核' }).click();
  await page.getByRole('row').filter({ hasText: parent }).getByRole('button', { name: '核可' }).click();
  await expect(page.getByText(`${child}：已核可`)).toBeVisible();
}

test('a teacher previews a notice to the class, sends it once, sees it delivered per parent, and the parents read it in «家長專區»', async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  // Class 501: a mother by e-mail and a father by mobile number; class 502: one mother.
  const mom = await parentOf(browser, baseURL, 'notice.mom@example.com', '蘇媽媽', SU);
  const dad = await parentOf(browser, baseURL, '0955005001', '蔡爸爸', TSAI);
  const other = await parentOf(browser, baseURL, 'notice.other@example.com', '黃媽媽', HUANG);

  // The class's teacher approves their class; the card officer the other class.
  await staffLogin(page, 'e2e.notice.teacher', 'e2e-teacher-password');
  await approve(page, '蘇媽媽', SU.name);
  await approve(page, '蔡爸爸', TSAI.name);
  const desk = await browser.newContext({ ...devices['Desktop Chrome'], viewport: { width: 1280, height: 860 }, baseURL, locale: 'zh-TW' });
  const officer = await desk.newPage();
  await staffLogin(officer, 'e2e.notice.officer', 'e2e-officer-password');
  await approve(officer, '黃媽媽', HUANG.name);
  await desk.close();

  // «訊息發送服務»: a teacher's notice goes to their own class.
  await page.getByRole('link', { name: '訊息發送服務' }).click();
  await expect(page.getByRole('heading', { name: '訊息發送服務', level: 1 })).toBeVisible();
  await expect(page.getByText('本班（501 班）')).toBeVisible();
  await expect(page.getByText('尚未發送任何通知。')).toBeVisible();

  // Field-level checks.
  await page.getByRole('button', { name: '預覽' }).click();
  await expect(page.getByText('請輸入標題')).toBeVisible();
  await expect(page.getByText('請輸入內容')).toBeVisible();
  await expect(page.getByRole('textbox', { name: '標題' })).toHaveAttribute('aria-invalid', 'true');

  // The preview: the notice as parents see it, and how many it goes to.
  const title = '颱風停課通知';
  const body = '明天（週五）因颱風停課一天。\n請家長留意孩子安全。';
  await page.getByRole('textbox', { name: '標題' }).fill(title);
  await page.getByRole('textbox', { name: '內容' }).fill(body);
  await page.getByRole('button', { name: '預覽' }).click();
  const preview = page.getByRole('region', { name: '預覽：家長收到的通知' });
  await expect(preview).toBeVisible();
  await expect(preview.getByRole('heading', { name: title })).toBeVisible();
  await expect(preview).toContainText('請家長留意孩子安全。');
  await expect(preview).toContainText(`${SCHOOL}・501 班`);
  await expect(preview.getByText('將發送給 2 位家長，共 2 個管道')).toBeVisible();
  await checkPage(page, 'school-notices-preview', DESKTOP);

  // «確認發送» (a double click sends it once).
  await preview.getByRole('button', { name: '確認發送' }).dblclick();
  await expect(page.getByText(`已發送「${title}」給 2 位家長，共 2 個管道。`)).toBeVisible();
  const status = page.getByRole('region', { name: `發送狀態：${title}` });
  await expect(status).toBeVisible();
  const momRow = status.getByRole('row').filter({ hasText: '蘇媽媽' });
  const dadRow = status.getByRole('row').filter({ hasText: '蔡爸爸' });
  await expect(momRow).toContainText('蘇○雯 501');
  await expect(dadRow).toContainText('蔡○明 501');
  await expect(status.getByRole('row').filter({ hasText: '黃媽媽' })).toHaveCount(0);
  // The worker sends them: «重新整理» until both read «已發送».
  await expect(async () => {
    await status.getByRole('button', { name: '重新整理' }).click();
    await expect(momRow.getByText('已發送')).toHaveCount(1);
    await expect(dadRow.getByText('已發送')).toHaveCount(1);
  }).toPass({ timeout: 30_000 });
  const list = page.getByRole('row').filter({ hasText: title }).filter({ has: page.getByRole('button', { name: `查看「${title}」的發送狀態` }) });
  await expect(list).toHaveCount(1);
  await expect(list).toContainText('已發送 2・待發送 0・失敗 0');
  await checkPage(page, 'school-notices-status', DESKTOP);

  // Each reached by their channel, once.
  expect(messagesTo('notice.mom@example.com').filter((m) => m.includes(title))).toHaveLength(1);
  await expect.poll(async () => (await smsTo('0955005001')).filter((m) => m.smbody.includes(title)).length).toBe(1);
  expect(messagesTo('notice.other@example.com').filter((m) => m.includes(title))).toHaveLength(0);

  // «家長專區»: the class's parents read it under «學校通知»; another class's do not.
  await mom.page.goto('/parent/home');
  const notices = mom.page.getByRole('region', { name: '學校通知' });
  const item = notices.getByRole('article', { name: title });
  await expect(item).toBeVisible();
  await expect(item).toContainText(SCHOOL);
  await expect(item).toContainText('請家長留意孩子安全。');
  await expect(item).toContainText(/\d{4}-\d{2}-\d{2}/);
  await checkPage(mom.page, 'parent-school-notices');
  await dad.page.goto('/parent/home');
  await expect(dad.page.getByRole('article', { name: title })).toBeVisible();
  await other.page.goto('/parent/home');
  await expect(other.page.getByRole('region', { name: '學校通知' }).getByText('目前沒有學校通知。')).toBeVisible();
  await mom.context.close();
  await dad.context.close();
  await other.context.close();
});
