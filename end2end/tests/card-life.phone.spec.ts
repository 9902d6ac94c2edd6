import { test, expect } from './support/test';
import { request } from '@playwright/test';
import { checkPage } from './support/pages';
import {
  applicationsOf,
  approveAsOperator,
  fillApplicant,
  fillIdentity,
  holders,
  makePhoto,
  runServerCli,
  startWizard,
  tempFile,
  uploadPhoto,
  verifyForApply,
  verifyForStop,
} from './support/portal';

// Issue 17 on a phone: a damaged card reissued («處理中» until the issuer has the old
// card), paid with LINE Pay, followed to «已寄出» with the mail number; and a stop whose
// balance goes to the new card, shown on the application that follows. School E2E006
// is theirs alone, so the other specs' print batches do not collect these applications.

/** The issuer's key of scripts/start-test-server.sh (`PORTAL_REFUND_API_KEY`). */
const ISSUER_KEY = 'e2e-issuer-key-0123456789';

test('a damaged card: LINE Pay, approved, «處理中» until the old card arrives, then printed and shipped', async ({ page, baseURL }, info) => {
  test.setTimeout(150_000);
  const holder = holders.old_card;
  await verifyForApply(page, holder);
  await page.getByRole('radio', { name: '卡片損壞' }).check();
  await fillApplicant(page);
  await uploadPhoto(page, await makePhoto(page, 900, 1200));
  await page.getByRole('button', { name: '與申請人聯絡資料相同' }).click();
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByRole('button', { name: '確認資料無誤送出申請' }).click();
  await expect(page.getByRole('heading', { name: '卡片送交印卡中心' })).toBeVisible();
  const serial = (await page.getByText(/^AP\d{14}$/).first().textContent())!.trim();

  // Paid online (the fake LINE Pay approves).
  await page.getByRole('link', { name: '下載繳費單' }).click();
  await page.getByRole('button', { name: 'LINE Pay 付款' }).click();
  await page.getByRole('button', { name: 'approve' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'LINE Pay 付款完成：已繳費。' })).toBeVisible();

  // Approved by the school: the old card must come back first, so «處理中».
  await approveAsOperator(baseURL!, serial);
  let apps = await applicationsOf(page, holder);
  await expect(apps.first().getByText('處理中').first()).toBeVisible();
  await expect(apps.first()).toContainText('請將舊卡連同「處理作業單」寄回發卡單位；收到舊卡後才會製卡。');
  await checkPage(page, 'query-processing');
  await page.screenshot({ path: info.outputPath('query-processing-360.png'), fullPage: true });
  // Not batched while the old card is on its way.
  const early = runServerCli(['print-batch', 'create', '--school', 'E2E006']);
  expect(early.stdout + early.stderr).not.toContain('created with 1 application');

  // The issuer has the old card (a repeated list changes nothing), then print and mail.
  const issuer = await request.newContext({ baseURL });
  const post = () =>
    issuer.post('/api/v1/old-cards', { data: { cards: [{ serial }] }, headers: { authorization: `Bearer ${ISSUER_KEY}` } });
  expect(await (await post()).json()).toMatchObject({ received: 1, results: [{ serial, outcome: 'received', status: 'printing' }] });
  expect(await (await post()).json()).toMatchObject({ received: 0, unchanged: 1, results: [{ serial, outcome: 'unchanged' }] });
  await issuer.dispose();
  const batch = runServerCli(['print-batch', 'create', '--school', 'E2E006']);
  expect(batch.stdout, batch.stderr).toContain('created with 1 application');
  const results = runServerCli([
    'import-print-results',
    tempFile('results.csv', `serial,status,mail_no,at\n${serial},printed,,\n${serial},shipped,RR987654321TW,\n`),
  ]);
  expect(results.status, results.stderr).toBe(0);

  apps = await applicationsOf(page, holder);
  const app = apps.first();
  await expect(app.getByText('已寄出').first()).toBeVisible();
  await expect(app).toContainText('掛號號碼RR987654321TW');
  await expect(app.getByRole('list', { name: '申請進度' }).getByRole('listitem')).toHaveText([
    /^待繳費\d{4}-\d{2}-\d{2} \d{2}:\d{2}/,
    /^已繳費\d{4}-/,
    /^學校已核可\d{4}-/,
    /^處理中\d{4}-/,
    /^等待印卡回應\d{4}-.*發卡單位已收到舊卡$/,
    /^已排入印卡批次\d{4}-/,
    /^卡片已印製\d{4}-/,
    /^已寄出\d{4}-.*掛號號碼：RR987654321TW$/,
    /^已結案$/,
  ]);
  await app.scrollIntoViewIfNeeded();
  await page.screenshot({ path: info.outputPath('query-old-card-shipped-360.png'), fullPage: true });
});

test('a stop with the balance to the new card: the application that follows shows the carried balance', async ({ page }, info) => {
  test.setTimeout(120_000);
  const holder = holders.carry_balance;
  await verifyForStop(page, holder);
  await page.getByRole('button', { name: '停卡', exact: true }).click();
  await expect(page.getByRole('heading', { name: '停卡/退費作業' })).toBeVisible();
  await page.getByRole('radio', { name: /掛失並將餘額轉入新卡/ }).check();
  await expect(page.getByText('卡片停用，扣除掛失手續費後，餘額在補發新卡時轉入新卡，不需填寫帳戶。')).toBeVisible();
  await checkPage(page, 'stop-transfer-choice');
  await page.getByRole('button', { name: '繼續' }).click();
  await expect(page.getByRole('heading', { name: '確認停卡資料' })).toBeVisible();
  await page.getByRole('button', { name: '送出停卡申請' }).click();
  await expect(page.getByRole('heading', { name: '停卡申請已完成' })).toBeVisible();
  await expect(page.getByText('餘額轉入新卡').first()).toBeVisible();

  // The query shows the stop's choice; the new application carries the balance
  // (350 less the 20 loss fee).
  await startWizard(page, '卡片查詢');
  await fillIdentity(page, holder.id, holder.birth);
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await expect(page.getByText('退費與否：餘額轉入新卡')).toBeVisible();

  await verifyForApply(page, holder);
  await fillApplicant(page);
  await uploadPhoto(page, await makePhoto(page, 900, 1200));
  await page.getByRole('button', { name: '與申請人聯絡資料相同' }).click();
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByRole('button', { name: '確認資料無誤送出申請' }).click();
  await expect(page.getByRole('heading', { name: '卡片送交印卡中心' })).toBeVisible();
  const apps = await applicationsOf(page, holder);
  const carried = apps.first().locator('div').filter({ has: page.getByText('轉入新卡餘額', { exact: true }) });
  await expect(carried.locator('dd')).toHaveText(/330/);
  await apps.first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: info.outputPath('query-carried-balance-360.png'), fullPage: true });
});
