import { test, expect } from './support/test';
import type { Locator, Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OwnServer, fillIdentity } from './support/portal';
import { checkPage } from './support/pages';

/** The back office at 1280 px uses its compact 40 px buttons (see readers-holidays). */
const DESKTOP = { minTarget: 40 };

/**
 * «統計報表» counts what other specs do at the same time, so this spec has a server of
 * its own (own database): school E2E901 with classes 601 (three students) and 602
 * (two), its card officer, the homeroom teacher of 601 and an operator.
 */
const SCHOOL = '測試市立e2e統計國小';
const STUDENTS = [
  // student_no, name, id, birth, class, card
  ['981001', '統計一', 'H291000001', '2015-03-14', '601', '0599810001'],
  ['981002', '統計二', 'H191010014', '2015-08-21', '601', '0599810002'],
  ['981003', '統計三', 'H291020021', '2014-02-02', '601', '0599810003'],
  ['981004', '統計四', 'H191030034', '2014-06-06', '602', '0599810004'],
  ['981005', '統計五', 'H291040041', '2015-10-10', '602', '0599810005'],
];
const ROSTER_HEADER =
  'school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on';

const root = path.resolve(__dirname, '../..');
const serverBin = process.env.PORTAL_SERVER_BIN ?? path.join(root, 'target/debug/server');

function cli(server: OwnServer, args: string[], input?: string) {
  const r = spawnSync(serverBin, args, { env: server.env, encoding: 'utf8', input });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The Taiwan date `n` days before today, as YYYY-MM-DD. */
function taiwanDay(daysBack: number): Date {
  return new Date(Date.now() + 8 * 3600_000 - daysBack * 24 * 3600_000);
}
const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** The last weekday before today (Taiwan): within the readers' 7-day window, and over. */
function lastWeekday(): string {
  for (let back = 1; ; back++) {
    const d = taiwanDay(back);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) return ymd(d);
  }
}

async function staffLogin(page: Page, server: OwnServer, username: string, password: string, school = true) {
  await page.goto(`${server.url}/school`);
  if (school) {
    await page.getByLabel('行政區').selectOption('中正區');
    await page.getByLabel('級別').selectOption('primary');
    await page.getByLabel('學校', { exact: true }).selectOption('E2E901');
  }
  await page.getByRole('textbox', { name: '帳號' }).fill(username);
  await page.getByLabel('密碼').fill(password);
  await page.getByRole('button', { name: '登入' }).click();
  await expect(page.getByRole('heading', { name: '申請與停卡' })).toBeVisible();
}

/** Every row of a table as the texts of its cells (row header first). */
async function tableRows(table: Locator): Promise<string[][]> {
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())),
  );
}

/** The CSV behind «下載 CSV» of a report: its header and rows. */
async function downloadCsv(page: Page, region: Locator): Promise<{ header: string; rows: string[][] }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    region.getByRole('link', { name: '下載 CSV' }).click(),
  ]);
  const text = readFileSync((await download.path())!, 'utf8');
  expect(text.startsWith('\ufeff')).toBe(true);
  const [header, ...rows] = text.slice(1).split('\r\n').filter((l) => l.length > 0);
  return { header, rows: rows.map((l) => l.split(',')) };
}

test('«統計報表» shows each role its counts, with the chart, the table and the same numbers in the CSV', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const server = new OwnServer(3300 + test.info().parallelIndex);
  const dir = mkdtempSync(path.join(tmpdir(), 'portal-report-'));
  const roster = path.join(dir, 'roster.csv');
  writeFileSync(
    roster,
    [
      ROSTER_HEADER,
      ...STUDENTS.map(([no, name, id, birth, klass, card], i) =>
        `E2E901,${SCHOOL},中正區,國小,${no},${name},${id},${birth},${id[1] === '1' ? 'M' : 'F'},${klass},${i + 1},基隆市樂學卡(小學),${card},active,100,2021-09-01`,
      ),
    ].join('\n') + '\n',
  );
  cli(server, ['import-roster', roster]);
  cli(server, ['add-user', '--role', 'officer', '--username', 'e2e.report.officer', '--school', 'E2E901'], 'e2e-officer-password\n');
  cli(server, ['add-user', '--role', 'teacher', '--username', 'e2e.report.t601', '--school', 'E2E901', '--class', '601'], 'e2e-teacher-password\n');
  cli(server, ['add-user', '--role', 'operator', '--username', 'e2e.report.operator'], 'e2e-operator-password\n');
  const key = cli(server, ['add-reader', '--school', 'E2E901', '--reader-id', 'e2e-report-gate']).trim().split('\n').pop()!;
  await server.start();
  try {
    // The gate's swipes on the last weekday: 601: 統計一 in and out, 統計二 in, 統計三
    // none; 602: 統計四 in and out, 統計五 none.
    const day = lastWeekday();
    let n = 0;
    for (const [card, direction, time] of [
      ['0599810001', 'in', '07:31'],
      ['0599810001', 'out', '16:02'],
      ['0599810002', 'in', '07:45'],
      ['0599810004', 'in', '07:50'],
      ['0599810004', 'out', '16:10'],
    ]) {
      const res = await page.request.post(`${server.url}/api/v1/swipes`, {
        headers: { authorization: `Bearer ${key}` },
        data: { event_id: `report-${Date.now()}-${n++}`, card_outer_no: card, reader_id: 'e2e-report-gate', direction, time: `${day}T${time}:00+08:00` },
      });
      expect(res.status(), await res.text()).toBe(200);
    }

    // A stop without a refund for 統計一 (no guardian contact: no step-up code).
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: '停卡掛失' }).click();
    await page.getByRole('button', { name: '已詳閱並同意' }).click();
    await expect(page.getByRole('img', { name: '驗證碼圖片' })).toBeVisible();
    await fillIdentity(page, 'H291000001', '2015-03-14');
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await page.getByRole('button', { name: '停卡', exact: true }).click();
    await expect(page.getByRole('radio', { name: /僅掛失停卡不退費/ })).toBeChecked();
    await page.getByRole('button', { name: '繼續' }).click();
    await page.getByRole('button', { name: '送出停卡申請' }).click();
    await expect(page.getByRole('heading', { name: '停卡申請已完成' })).toBeVisible();
    const month = ymd(taiwanDay(0)).slice(0, 7);

    // The card officer: the whole school.
    await staffLogin(page, server, 'e2e.report.officer', 'e2e-officer-password');
    await page.getByRole('link', { name: '統計報表' }).click();
    await expect(page.getByRole('heading', { name: '統計報表', level: 1 })).toBeVisible();
    const attendance = page.getByRole('region', { name: '到離校刷卡統計' });
    const table = attendance.getByRole('table');
    const dayRow = (klass: string) =>
      table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: day }) }).filter({ has: page.getByRole('cell', { name: klass, exact: true }) });
    // School, class, students, arrival swipes, departure swipes, no swipe.
    await expect(dayRow('601').getByRole('cell')).toHaveText([SCHOOL, '601', '3', '2', '1', '1']);
    await expect(dayRow('602').getByRole('cell')).toHaveText([SCHOOL, '602', '2', '1', '1', '1']);
    // The chart: an image whose name sums it up, with its legend.
    const chart = attendance.getByRole('img', { name: /到離校刷卡統計長條圖/ });
    await expect(chart).toBeVisible();
    await expect(chart).toHaveAccessibleName(/到校刷卡 3、離校刷卡 2、未刷卡 \d+/);
    await expect(attendance.getByRole('listitem').filter({ hasText: '未刷卡' })).toBeVisible();
    // The CSV has the table's rows.
    const csv = await downloadCsv(page, attendance);
    expect(csv.header).toBe('日期,學校,班級,學生數,到校刷卡,離校刷卡,未刷卡');
    expect(csv.rows).toEqual(await tableRows(table));
    expect(csv.rows).toContainEqual([day, SCHOOL, '601', '3', '2', '1', '1']);

    const stops = page.getByRole('region', { name: '停卡統計' });
    const stopRow = stops.getByRole('row').filter({ has: page.getByRole('rowheader', { name: month }) });
    // Total, 申請中, 已核可, 退件, 不退費, 退費處理中, 已退費.
    await expect(stopRow.getByRole('cell')).toHaveText([SCHOOL, '1', '1', '0', '0', '1', '0', '0']);
    const stopCsv = await downloadCsv(page, stops);
    expect(stopCsv.rows).toEqual(await tableRows(stops.getByRole('table')));
    await expect(page.getByRole('region', { name: '補發申請統計' }).getByText('此期間沒有資料。')).toBeVisible();
    // Messages are the operators' (the outbox knows no school).
    await expect(page.getByRole('region', { name: '訊息發送統計' })).toHaveCount(0);
    await checkPage(page, 'school-reports-officer', DESKTOP);

    // A range of the officer's own choosing, checked next to its field.
    await page.getByRole('textbox', { name: '出勤起日' }).fill('2026-02-30');
    await page.getByRole('button', { name: '查詢' }).click();
    await expect(page.getByText('請依格式輸入（日期 YYYY-MM-DD，月份 YYYY-MM）')).toBeVisible();
    await expect(page.getByRole('textbox', { name: '出勤起日' })).toHaveAttribute('aria-invalid', 'true');
    await page.getByRole('textbox', { name: '出勤起日' }).fill(day);
    await page.getByRole('textbox', { name: '出勤迄日' }).fill(day);
    await page.getByRole('button', { name: '查詢' }).click();
    await expect(table.getByRole('row')).toHaveCount(3);
    await expect(dayRow('601').getByRole('cell')).toHaveText([SCHOOL, '601', '3', '2', '1', '1']);

    // The homeroom teacher of 601: their class only.
    const teacherContext = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-TW' });
    const teacher = await teacherContext.newPage();
    await staffLogin(teacher, server, 'e2e.report.t601', 'e2e-teacher-password');
    await teacher.getByRole('link', { name: '統計報表' }).click();
    const own = teacher.getByRole('region', { name: '到離校刷卡統計' }).getByRole('table');
    await expect(own.getByRole('row').filter({ hasText: day }).getByRole('cell')).toHaveText([SCHOOL, '601', '3', '2', '1', '1']);
    await expect(own.getByRole('cell', { name: '602', exact: true })).toHaveCount(0);
    await expect(teacher.getByRole('region', { name: '訊息發送統計' })).toHaveCount(0);
    await checkPage(teacher, 'school-reports-teacher', DESKTOP);
    await teacherContext.close();

    // The operator: every school, or the one picked, and the messages report.
    const opContext = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-TW' });
    const operator = await opContext.newPage();
    await staffLogin(operator, server, 'e2e.report.operator', 'e2e-operator-password', false);
    await operator.getByRole('link', { name: '統計報表' }).click();
    await operator.getByLabel('學校', { exact: true }).selectOption('E2E901');
    const opTable = operator.getByRole('region', { name: '到離校刷卡統計' }).getByRole('table');
    await expect(opTable.getByRole('row').filter({ hasText: day }).filter({ hasText: '601' }).getByRole('cell')).toHaveText([SCHOOL, '601', '3', '2', '1', '1']);
    const messages = operator.getByRole('region', { name: '訊息發送統計' });
    await expect(messages.getByRole('heading', { name: '訊息發送統計' })).toBeVisible();
    await checkPage(operator, 'school-reports-operator', DESKTOP);
    await opContext.close();
  } finally {
    await server.stop();
  }
});
