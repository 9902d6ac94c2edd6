import { test, expect } from './test';
import type { Page } from '@playwright/test';

/** No sideways scrolling at 360 px, and every page is saved as a screenshot to look at. */
export async function checkPage(page: Page, name: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('button, a.button, input:not([type=radio]):not(.visually-hidden), select, label.file-button')]
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .map((el) => ({ el: el.outerHTML.slice(0, 60), h: el.getBoundingClientRect().height }))
      .filter((t) => t.h < 44),
  );
  expect(small, `${name}: touch targets under 44 px`).toEqual([]);
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

