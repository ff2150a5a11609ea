import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { lessons } from '../../src/lessons/index.ts';
import { launchChromium } from './chromium.ts';
import { openPage, screenshot } from './page.ts';
import { describeInBrowser } from './suite.ts';

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The element's box, from the top left of the page as first shown (the page is not scrolled). */
async function box(page: Page, selector: string): Promise<Box> {
  const found = await page.locator(selector).first().boundingBox();
  if (found === null) throw new Error(`${selector} is not shown`);
  return found;
}

function inside(element: Box, viewport: { width: number; height: number }): boolean {
  return (
    element.x >= 0 &&
    element.y >= 0 &&
    element.x + element.width <= viewport.width + 0.5 &&
    element.y + element.height <= viewport.height + 0.5 &&
    element.width > 0 &&
    element.height > 0
  );
}

/** Rendered heights of the node names, in CSS px: what the eye gets. */
async function labelHeights(page: Page, side: 'palisade' | 'baseline'): Promise<number[]> {
  return page
    .locator(`.network[data-side="${side}"] .node-id`)
    .evaluateAll((labels) => labels.map((label) => label.getBoundingClientRect().height));
}

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

describeInBrowser('the first screen in Chromium', (fixture) => {
  it('at 1280×800, every lesson shows the step and its button, both networks and the challenge’s number at once', async () => {
    const { page, errors } = await openPage(fixture.browser.context, fixture.url);
    await page.setViewportSize(DESKTOP);
    for (const lesson of lessons) {
      await page.goto(`${fixture.url}?lesson=${lesson.number}`);
      await page.getByRole('heading', { level: 1, name: lesson.title }).waitFor();
      // Walk to the first step with a button, as a learner would.
      const first = lesson.steps.findIndex((step) => step.action !== undefined);
      await page.getByRole('button', { name: new RegExp(`^Step ${first + 1}: `) }).click();
      const where = { lesson: lesson.number };
      for (const selector of [
        '.step-caption',
        '.step-action button',
        '.network[data-side="palisade"] svg.topology',
        '.network[data-side="baseline"] svg.topology',
        '.score-value[data-side="palisade"]',
        '.challenge-status',
      ]) {
        expect({ ...where, selector, inside: inside(await box(page, selector), DESKTOP) }).toEqual({
          ...where,
          selector,
          inside: true,
        });
      }
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      for (const side of ['palisade', 'baseline'] as const) {
        const heights = await labelHeights(page, side);
        expect(heights.length).toBeGreaterThan(0);
        expect({ ...where, side, smallest: Math.min(...heights) >= 12 }).toEqual({ ...where, side, smallest: true });
      }
      if (lesson.number === 2) await screenshot(page, 'desktop-first-screen');
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('on a 390×844 phone, the challenge’s number and the network fit the first screen, with a switch between the sides', async () => {
    const phone = await launchChromium(PHONE);
    try {
      const { page, errors } = await openPage(phone.context, fixture.url);
      for (const lesson of lessons) {
        await page.goto(`${fixture.url}?lesson=${lesson.number}`);
        await page.getByRole('heading', { level: 1, name: lesson.title }).waitFor();
        const where = { lesson: lesson.number };
        for (const selector of ['.score-value[data-side="palisade"]', '.network[data-side="palisade"] svg.topology']) {
          expect({ ...where, selector, inside: inside(await box(page, selector), PHONE) }).toEqual({
            ...where,
            selector,
            inside: true,
          });
        }
        // One network at a time: the other is behind the switch.
        await expect(page.locator('.network[data-side="baseline"]').isVisible()).resolves.toBe(false);
        const heights = await labelHeights(page, 'palisade');
        expect({ ...where, readable: Math.min(...heights) >= 12 }).toEqual({ ...where, readable: true });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
        if (lesson.number === 2) await screenshot(page, 'phone-first-screen');
      }
      await page.getByRole('button', { name: 'without palisade' }).click();
      await expect(page.locator('.network[data-side="baseline"] svg.topology').isVisible()).resolves.toBe(true);
      await expect(page.locator('.network[data-side="palisade"]').isVisible()).resolves.toBe(false);
      expect(inside(await box(page, '.network[data-side="baseline"] svg.topology'), PHONE)).toBe(true);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await phone.close();
    }
  });
});
