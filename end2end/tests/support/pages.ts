import { test, expect } from './test';
import type { Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/** No sideways scrolling at 360 px, 44 px touch targets, no serious axe finding, and every
 * page is saved as a screenshot to look at. */
export async function checkPage(page: Page, name: string, { minTarget = 44 }: { minTarget?: number } = {}) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  const small = await page.evaluate((min) =>
    [...document.querySelectorAll('button, a.button, input:not([type=radio]):not(.visually-hidden), select, label.file-button')]
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .map((el) => ({ el: el.outerHTML.slice(0, 60), h: el.getBoundingClientRect().height }))
      .filter((t) => t.h < min),
  minTarget);
  expect(small, `${name}: touch targets under ${minTarget} px`).toEqual([]);
  // axe-core (WCAG 2.1 A and AA rules): no serious or critical finding.
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const findings = axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  expect(findings, `${name}: axe findings`).toEqual([]);
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

