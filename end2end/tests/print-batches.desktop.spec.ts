import { test, expect } from './support/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { devices, type Page } from '@playwright/test';
import {
  deliverToSchoolAndConfirm,
  fillApplicant,
  holders,
  makePhoto,
  runServerCli,
  uploadPhoto,
  verifyForApply,
} from './support/portal';

/** The parent applies (to the school) and the issuer's payment file arrives. */
async function appliedAndPaid(page: Page): Promise<string> {
  await verifyForApply(page, holders.print_school);
  await fillApplicant(page);
  await uploadPhoto(page, await makePhoto(page, 900, 1200));
  await deliverToSchoolAndConfirm(page);
  await page.getByRole('button', { name: '確認資料無誤送出申請' }).click();
  await expect(page.getByRole('heading', { name: '卡片送交印卡中心' })).toBeVisible();
  const serial = (await page.getByText(/^AP\d{14}$/).first().textContent())!.trim();
  await page.goto(`/card/slip/${serial}`);
  // The slip loads after the page: wait for its three barcodes.
  await expect(page.locator('.barcode figcaption')).toHaveCount(3);
  const lines = await page.locator('.barcode figcaption').allTextContents();
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'payments-')), 'payments.csv');
  writeFileSync(file, `payment_no,amount,paid_on,channel\n${lines[1]},100,${new Date().toISOString().slice(0, 10)},7-11\n`);
  const paid = runServerCli(['import-payments', file]);
  expect(paid.status, paid.stderr).toBe(0);
  return serial;
}

test('the card officer batches the approved applications, downloads the zip and closes one at school', async ({ page, browser, baseURL }, info) => {
  test.setTimeout(120_000);
  const parent = await browser.newContext({ ...devices['Pixel 7'], viewport: { width: 360, height: 780 }, baseURL, locale: 'zh-TW' });
  const serial = await appliedAndPaid(await parent.newPage());
  await parent.close();

  // The officer approves it in the queue: paid and approved, it waits for printing.
  await page.goto('/school');
  await page.getByLabel('行政區').selectOption('中正區');
  await page.getByLabel('級別').selectOption('primary');
  await page.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await page.getByRole('textbox', { name: '帳號' }).fill('e2e.officer');
  await page.getByLabel('密碼').fill('e2e-officer-password');
  await page.getByRole('button', { name: '登入' }).click();
  await expect(page.getByRole('heading', { name: '申請與停卡審核' })).toBeVisible();
  const queued = page.getByRole('row').filter({ hasText: serial });
  await queued.getByRole('button', { name: '核可' }).click();
  await expect(page.getByText('已核可 1 筆。')).toBeVisible();

  // «印卡批次»: collect, then the batch with its counts.
  await page.getByRole('link', { name: '印卡批次' }).click();
  await expect(page.getByRole('heading', { name: '印卡批次' })).toBeVisible();
  await expect(page.getByText(/^待送印：[1-9]\d* 件$/)).toBeVisible();
  await page.getByRole('button', { name: '建立印卡批次' }).click();
  const created = page.getByRole('status').filter({ hasText: /^已建立印卡批次 \d+，共 \d+ 件。$/ });
  await expect(created).toBeVisible();
  const batch = (await created.textContent())!.match(/印卡批次 (\d+)/)![1];
  await expect(page.getByText('待送印：0 件')).toBeVisible();
  const batchRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: `下載批次 ${batch}（zip）` }) });
  await expect(batchRow).toBeVisible();

  // One download: a zip with print.csv (this application's line) and its headshot.
  const download = page.waitForEvent('download');
  await batchRow.getByRole('link', { name: `下載批次 ${batch}（zip）` }).click();
  const zip = (await (await download).path())!;
  const names = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
  expect(names).toContain('print.csv');
  expect(names).toContain(`photos/${serial}.jpg`);
  const csv = execFileSync('unzip', ['-p', zip, 'print.csv'], { encoding: 'utf8' });
  expect(csv.charCodeAt(0)).toBe(0xfeff);
  expect(csv).toContain('serial,name,school,card_type');
  const line = csv.split(/\r?\n/).find((l) => l.startsWith(serial))!;
  expect(line).toContain(holders.print_school.name);
  expect(line).toContain(`photos/${serial}.jpg`);
  expect(line).toContain(',school,');

  // The batch's applications; the card is handed over at school: «已結案».
  await batchRow.getByRole('button', { name: `批次 ${batch} 明細` }).click();
  const item = page.getByRole('region', { name: `批次 ${batch} 的申請` }).getByRole('row').filter({ hasText: serial });
  await expect(item).toContainText(holders.print_school.name);
  await expect(item).toContainText('寄至學校');
  await expect(item).toContainText('等待印卡回應');
  await page.screenshot({ path: info.outputPath('print-batches.png'), fullPage: true });
  await item.getByRole('button', { name: '已領取結案' }).click();
  await expect(page.getByText(`${serial} 已結案。`)).toBeVisible();
  await expect(item).toContainText('已結案');
  await expect(item.getByRole('button', { name: '已領取結案' })).toHaveCount(0);
  await page.screenshot({ path: info.outputPath('print-batches-closed.png'), fullPage: true });
});

test('a teacher has no print batches, not even by calling the server', async ({ page, baseURL }) => {
  await page.goto('/school');
  await page.getByLabel('行政區').selectOption('中正區');
  await page.getByLabel('級別').selectOption('primary');
  await page.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await page.getByRole('textbox', { name: '帳號' }).fill('e2e.t501');
  await page.getByLabel('密碼').fill('e2e-teacher-password');
  await page.getByRole('button', { name: '登入' }).click();
  await expect(page.getByRole('heading', { name: '申請與停卡審核' })).toBeVisible();
  await expect(page.getByRole('link', { name: '印卡批次' })).toHaveCount(0);
  const list = await page.request.get('/api/school/print-batches');
  expect(list.status()).toBe(403);
  const create = await page.request.post('/api/school/print-batch-create', { data: {}, headers: { Origin: baseURL! } });
  expect(create.status()).toBe(403);
});
