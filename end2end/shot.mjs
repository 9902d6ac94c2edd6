// Ad-hoc screenshots: node shot.mjs BASE_URL OUT_DIR
import { chromium } from '@playwright/test';
const base = process.argv[2] ?? 'http://127.0.0.1:3111';
const out = process.argv[3] ?? '/tmp/shots';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
for (const [name, viewport] of [['phone', { width: 360, height: 780 }], ['desktop', { width: 1280, height: 900 }]]) {
  const page = await browser.newPage({ viewport });
  page.on('console', m => console.log(name, 'console:', m.type(), m.text()));
  page.on('pageerror', e => console.log(name, 'pageerror:', e.message));
  await page.goto(base + '/');
  await page.getByRole('link', { name: '卡片查詢' }).waitFor();
  await page.screenshot({ path: `${out}/${name}-home.png`, fullPage: true });
  await page.getByRole('link', { name: '卡片查詢' }).click();
  await page.getByRole('button', { name: '已詳閱並同意' }).waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${name}-consent.png`, fullPage: true });
  await page.getByRole('button', { name: '已詳閱並同意' }).click();
  await page.getByRole('textbox', { name: '身分證號' }).waitFor();
  await page.waitForTimeout(500);
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${name}-verify-errors.png`, fullPage: true });
  await page.getByRole('textbox', { name: '身分證號' }).fill('C220483313');
  await page.getByLabel('出生年月日').fill('2015-03-14');
  await page.getByRole('textbox', { name: '驗證碼' }).fill('TEST1');
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await page.getByRole('heading', { name: '卡片查詢結果' }).waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/${name}-result.png`, fullPage: true });
  await page.close();
}
await browser.close();
