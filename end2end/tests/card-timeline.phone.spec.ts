import { test, expect } from './support/test';
import {
  applicationsOf,
  approveAsOperator,
  fillApplicant,
  holders,
  makePhoto,
  runServerCli,
  tempFile,
  uploadPhoto,
  verifyForApply,
} from './support/portal';

test('the query shows every step with its time and the registered-mail number', async ({ page, baseURL }, info) => {
  test.setTimeout(120_000);
  const holder = holders.print_mail;
  // Apply, delivery by registered mail.
  await verifyForApply(page, holder);
  await fillApplicant(page);
  await uploadPhoto(page, await makePhoto(page, 900, 1200));
  await page.getByRole('button', { name: '與申請人聯絡資料相同' }).click();
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByRole('button', { name: '確認資料無誤送出申請' }).click();
  await expect(page.getByRole('heading', { name: '卡片送交印卡中心' })).toBeVisible();
  const serial = (await page.getByText(/^AP\d{14}$/).first().textContent())!.trim();

  // Paid (the issuer's file), approved by the school (the operator, over the server
  // functions), batched and printed and shipped (the print centre's files).
  await page.goto(`/card/slip/${serial}`);
  // The slip loads after the page: wait for its three barcodes.
  await expect(page.locator('.barcode figcaption')).toHaveCount(3);
  const paymentNo = (await page.locator('.barcode figcaption').allTextContents())[1];
  const today = new Date().toISOString().slice(0, 10);
  const paid = runServerCli(['import-payments', tempFile('payments.csv', `payment_no,amount,paid_on,channel\n${paymentNo},100,${today},7-11\n`)]);
  expect(paid.status, paid.stderr).toBe(0);
  await approveAsOperator(baseURL!, serial);
  const batch = runServerCli(['print-batch', 'create', '--school', 'E2E003']);
  expect(batch.stdout, batch.stderr).toContain('created with 1 application');
  const results = runServerCli([
    'import-print-results',
    tempFile('results.csv', `serial,status,mail_no,at\n${serial},printed,,\n${serial},shipped,RR123456789TW,\n`),
  ]);
  expect(results.status, results.stderr).toBe(0);

  // The parent's query: every step with its time, and the mail number.
  const apps = await applicationsOf(page, holder);
  const app = apps.first();
  await expect(app.getByText('已寄出').first()).toBeVisible();
  await expect(app).toContainText('掛號號碼RR123456789TW');
  const steps = app.getByRole('list', { name: '申請進度' }).getByRole('listitem');
  await expect(steps).toHaveText([
    /^待繳費\d{4}-\d{2}-\d{2} \d{2}:\d{2}/,
    /^已繳費\d{4}-/,
    /^學校已核可\d{4}-/,
    /^等待印卡回應\d{4}-/,
    /^已排入印卡批次\d{4}-/,
    /^卡片已印製\d{4}-/,
    /^已寄出\d{4}-.*掛號號碼：RR123456789TW$/,
    /^已結案$/,
  ]);
  await app.scrollIntoViewIfNeeded();
  await page.screenshot({ path: info.outputPath('query-timeline-360.png'), fullPage: true });
});
