// Bytes a parent's phone transfers from `/` → «停卡掛失» → consent → the captcha shown,
// and the layout shift on the consent page over a slow connection (scripts/bench.sh).
//
//   node bench/journey.mjs http://127.0.0.1:PORT
//
// Prints one JSON line: {"journey_bytes":…, "requests":…, "by_type":{…}, "cls_consent":…}.
import { chromium, devices } from '@playwright/test';

const base = process.argv[2];
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });

async function phone() {
  const context = await browser.newContext({
    ...devices['Pixel 7'], viewport: { width: 360, height: 780 }, locale: 'zh-TW', baseURL: base,
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  return { context, page, cdp };
}

// 1. Bytes on the wire (compressed, headers included) over the whole journey.
{
  const { context, page, cdp } = await phone();
  let bytes = 0;
  let requests = 0;
  const byType = {};
  const types = new Map();
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
    requests += 1;
    const t = types.get(e.requestId) ?? 'Other';
    byType[t] = (byType[t] ?? 0) + e.encodedDataLength;
  });
  await page.goto('/');
  await page.getByRole('link', { name: '停卡掛失' }).click();
  await page.getByRole('heading', { name: '授權同意書' }).waitFor();
  await page.getByRole('button', { name: '已詳閱並同意' }).click();
  await page.getByRole('img', { name: '驗證碼圖片' }).waitFor();
  await page.waitForLoadState('networkidle');
  await context.close();
  var journey = { journey_bytes: bytes, requests, by_type: byType };
}

// 2. Cumulative layout shift of /card/stop/consent on slow 4G (Chrome's preset).
{
  const { context, page, cdp } = await phone();
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 562.5, downloadThroughput: (1.4 * 1024 * 1024) / 8 * 0.9,
    uploadThroughput: (675 * 1024) / 8 * 0.9,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.addInitScript(() => {
    window.__cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto('/card/stop/consent', { timeout: 120_000 });
  await page.getByRole('button', { name: '已詳閱並同意' }).waitFor({ timeout: 120_000 });
  await page.waitForTimeout(1500);
  journey.cls_consent = await page.evaluate(() => window.__cls);
  await context.close();
}

await browser.close();
console.log(JSON.stringify(journey));
