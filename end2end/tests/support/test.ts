import { test as base, expect } from '@playwright/test';

/**
 * Every test fails on an uncaught page error or a Content-Security-Policy violation:
 * both mean a parent would see a broken page.
 */
export const test = base.extend<{ pageProblems: string[] }>({
  pageProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|panicked/i.test(m.text())) {
          problems.push(`console: ${m.text()}`);
        }
      });
      await use(problems);
      expect(problems, 'page errors or CSP violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
