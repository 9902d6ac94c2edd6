import { defineConfig, devices } from '@playwright/test';

// The real server binary on a fresh SQLite database, with the roster fixture imported
// by the CLI (scripts/start-test-server.sh). Build the server and the site first
// (scripts/test.sh does).
const PORT = Number(process.env.E2E_PORT ?? 3210);
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    locale: 'zh-TW',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
  },
  projects: [
    {
      name: 'phone',
      testMatch: /.*\.phone\.spec\.ts/,
      use: {
        ...devices['Pixel 7'],
        viewport: { width: 360, height: 780 },
        launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
      },
    },
    {
      name: 'desktop',
      testMatch: /.*\.desktop\.spec\.ts/,
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1280, height: 860 },
        launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
      },
    },
  ],
  webServer: [
    {
      command: `bash scripts/start-test-server.sh ${PORT}`,
      url: `http://127.0.0.1:${PORT}/api/v1/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      // The fake LINE push endpoint the server is pointed at (PORTAL_LINE_API_BASE).
      command: `node support/fake-line.mjs ${PORT + 1}`,
      url: `http://127.0.0.1:${PORT + 1}/health`,
      reuseExistingServer: false,
      timeout: 10_000,
    },
    {
      // The fake HTTP SMS gateway the server is pointed at (PORTAL_SMS_GATEWAY_URL).
      command: `node support/fake-sms.mjs ${PORT + 2}`,
      url: `http://127.0.0.1:${PORT + 2}/health`,
      reuseExistingServer: false,
      timeout: 10_000,
    },
    {
      // The fake LINE Pay online API and approval page (PORTAL_LINE_PAY_API_BASE).
      command: `node support/fake-linepay.mjs ${PORT + 3}`,
      url: `http://127.0.0.1:${PORT + 3}/health`,
      reuseExistingServer: false,
      timeout: 10_000,
    },
  ],
});
