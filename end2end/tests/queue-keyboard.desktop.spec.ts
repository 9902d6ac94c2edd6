import { test, expect } from './support/test';
import { request as requestContext, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { holders, TEST_CAPTCHA } from './support/portal';

type Holder = { id: string; birth: string; name: string };

/** A parent's stop without a refund, over HTTP as the wizard's pages make it. */
async function stopOverHttp(baseURL: string, h: Holder) {
  const ctx = await requestContext.newContext({ baseURL, extraHTTPHeaders: { Origin: baseURL } });
  const version = (await (await ctx.get('/api/consent/notice')).json()).version as string;
  expect((await ctx.post('/api/consent/accept', { form: { wizard: 'stop', version } })).ok()).toBe(true);
  expect((await ctx.post('/api/identity/captcha', { form: {} })).ok()).toBe(true);
  const verify = await ctx.post('/api/identity/verify', {
    data: { input: { wizard: 'stop', method: 'national', id_no: h.id, birth_date: h.birth, captcha: TEST_CAPTCHA } },
  });
  expect(verify.ok(), await verify.text()).toBe(true);
  const overview = await (await ctx.get('/api/stop/overview')).json();
  const stop = await ctx.post('/api/stop/submit', {
    data: { input: { card_ref: overview.cards[0].card_ref, choice: 'no_refund', idempotency_key: randomUUID() } },
  });
  expect(stop.ok(), await stop.text()).toBe(true);
  await ctx.dispose();
}

async function officerOfSecondSchool(page: Page) {
  await page.goto('/school');
  await page.getByLabel('行政區').selectOption('中正區');
  await page.getByLabel('級別').selectOption('primary');
  await page.getByLabel('學校', { exact: true }).selectOption('E2E002');
  await page.getByRole('textbox', { name: '帳號' }).fill('e2e.officer2');
  await page.getByLabel('密碼').fill('e2e-officer-password');
  await page.getByRole('button', { name: '登入' }).click();
  await expect(page.getByRole('heading', { name: '申請與停卡審核' })).toBeVisible();
}

test('an officer clears a queue of 20 with the keyboard alone, «核可» in view at 1280 px', async ({ page, baseURL }, info) => {
  test.setTimeout(180_000);
  const queue = Object.entries(holders)
    .filter(([key]) => key.startsWith('queue_'))
    .map(([, h]) => h as Holder);
  expect(queue).toHaveLength(20);
  for (let i = 0; i < queue.length; i += 5) {
    await Promise.all(queue.slice(i, i + 5).map((h) => stopOverHttp(baseURL!, h)));
  }

  await officerOfSecondSchool(page);
  const rows = page.locator('.queue-table tbody tr');
  await expect(rows).toHaveCount(20);
  // Every row's «核可» and «退件» are on screen at 1280 px, not clipped.
  for (const name of ['核可', '退件']) {
    const first = rows.first().getByRole('button', { name, exact: true });
    await expect(first).toBeInViewport({ ratio: 1 });
  }
  await page.screenshot({ path: info.outputPath('queue-1280.png') });

  // The date filters are one tab stop each.
  const from = page.getByRole('textbox', { name: '起日' });
  await from.focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: '迄日' })).toBeFocused();

  // From the first row's «核可» on, only the keyboard: every other row is returned with
  // a reason of its own, typed in the row; the focus always lands on the next row.
  await rows.first().getByRole('button', { name: '核可', exact: true }).focus();
  for (let i = 0; i < 20; i++) {
    const left = 20 - i;
    const current = rows.first();
    await expect(current.getByRole('button', { name: '核可', exact: true })).toBeFocused();
    if (i % 2 === 0) {
      await page.keyboard.press('Enter');
      await expect(page.getByRole('status').filter({ hasText: '已核可 1 筆。' })).toBeVisible();
    } else {
      await page.keyboard.press('Tab');
      await expect(current.getByRole('button', { name: '退件', exact: true })).toBeFocused();
      await page.keyboard.press('Enter');
      const reason = current.getByRole('textbox', { name: '退件原因' });
      await expect(reason).toBeFocused();
      if (i === 1) {
        // Enter without a reason: the box says so and keeps the focus.
        await page.keyboard.press('Enter');
        await expect(reason).toHaveAttribute('aria-invalid', 'true');
        await expect(reason).toBeFocused();
      }
      if (i === 3) {
        // Escape closes the box and puts the focus back on the row's «退件».
        await page.keyboard.press('Escape');
        await expect(current.getByRole('button', { name: '退件', exact: true })).toBeFocused();
        await page.keyboard.press('Enter');
        await expect(current.getByRole('textbox', { name: '退件原因' })).toBeFocused();
      }
      await page.keyboard.type(`第 ${i + 1} 筆：照片不清楚`);
      await page.keyboard.press('Enter');
      await expect(page.getByRole('status').filter({ hasText: '已退件 1 筆。' })).toBeVisible();
    }
    await expect(rows).toHaveCount(left - 1 === 0 ? 0 : left - 1);
  }
  // The queue is empty and the focus is on its heading, not lost to the page.
  await expect(page.getByText('沒有符合條件的資料。')).toBeVisible();
  await expect(page.getByRole('heading', { name: '申請與停卡審核' })).toBeFocused();

  // Ten approved, ten returned with their own reasons.
  await page.getByLabel('審核狀態').selectOption('returned');
  await expect(rows).toHaveCount(10);
  await expect(page.locator('.queue-table')).toContainText('第 2 筆：照片不清楚');
  await expect(page.locator('.queue-table')).toContainText('第 20 筆：照片不清楚');
});
