import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import type { TimedAction } from '../../src/lessons/lesson.ts';
import { encodeRun } from '../../src/lessons/run.ts';
import { openPage, resultsDir, waitPausedAt } from './page.ts';
import { appRoot } from './server.ts';
import { describeInBrowser } from './suite.ts';

/** The budgets. */
const BUNDLE_GZIP_BYTES = 300 * 1024;
const FIRST_LOAD_MS = 1_500;
const FRAME_MS = 16;

/** Lesson 1's world grown to 10 shard nodes under 1,000 requests a second: the issue's busy cluster. */
const BUSY_LESSON = 1;
const busyRun: TimedAction[] = [
  { at: 0, action: { type: 'load', rps: 1_000 } },
  ...Array.from({ length: 8 }, (_, index) => ({ at: 100 + index * 50, action: { type: 'add-node' } }) as const),
];

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const round = (value: number): number => Math.round(value * 10) / 10;

const figures: Record<string, unknown> = {};

describeInBrowser('performance in Chromium', (fixture) => {
  it(`keeps the JS bundle within ${BUNDLE_GZIP_BYTES / 1024} KB gzip`, () => {
    const assets = join(appRoot, 'dist', 'assets');
    let js = 0;
    let css = 0;
    for (const file of readdirSync(assets)) {
      const size = gzipSync(readFileSync(join(assets, file)), { level: 9 }).length;
      if (file.endsWith('.js')) js += size;
      else if (file.endsWith('.css')) css += size;
    }
    figures.bundle = { jsGzipKB: round(js / 1024), cssGzipKB: round(css / 1024) };
    expect(js).toBeLessThanOrEqual(BUNDLE_GZIP_BYTES);
  });

  it(`shows a lesson within ${FIRST_LOAD_MS} ms of the first load on localhost`, async () => {
    // The first test to open a page in this fresh profile: nothing is cached.
    const { page, errors } = await openPage(fixture.browser.context, `${fixture.url}?lesson=${BUSY_LESSON}`);
    await page.locator('.panel').first().waitFor();
    const cold = await page.evaluate(() => ({
      shown: performance.now(),
      load: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd,
    }));
    await page.reload();
    await page.locator('.panel').first().waitFor();
    const warm = await page.evaluate(() => performance.now());
    figures.firstLoad = { coldShownMs: round(cold.shown), coldLoadEventMs: round(cold.load), warmShownMs: round(warm) };
    expect(cold.shown).toBeLessThan(FIRST_LOAD_MS);
    expect(errors).toEqual([]);
    await page.close();
  });

  it(`draws a frame in at most ${FRAME_MS} ms (median) with 10 nodes and 1,000 requests/s`, async () => {
    const run = encodeRun({ lesson: BUSY_LESSON, seed: 1, actions: busyRun });
    // Fast-forward past the growth, then measure while playing in real time.
    const { page, errors } = await openPage(
      fixture.browser.context,
      `${fixture.url}?free=${BUSY_LESSON}&seed=1&run=${run}&t=3000`,
    );
    await waitPausedAt(page, 3_000);
    const nodes = await page.locator('svg.topology').first().locator('.node-shard').count();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForTimeout(8_000);
    const stats = await page.evaluate(() =>
      (
        window as unknown as { palisadeSandbox: { stats(): { work: number[]; drawn: number[]; intervals: number[] } } }
      ).palisadeSandbox.stats(),
    );
    const served = await page.locator('tr[data-counter="served last second"] .counter-value').first().textContent();
    figures.frames = {
      world: `lesson ${BUSY_LESSON} world, ${nodes} shard nodes, load 1,000 requests/s (served last second: ${served})`,
      frames: stats.drawn.length,
      medianDrawnMs: round(median(stats.drawn)),
      p90DrawnMs: round([...stats.drawn].sort((a, b) => a - b)[Math.floor(stats.drawn.length * 0.9)] ?? Number.NaN),
      medianSimulationMs: round(median(stats.work)),
      medianFrameIntervalMs: round(median(stats.intervals)),
    };
    expect(nodes).toBe(10);
    expect(Number((served ?? '').replaceAll(',', ''))).toBeGreaterThan(900);
    expect(median(stats.drawn)).toBeLessThanOrEqual(FRAME_MS);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('records the figures', () => {
    console.log('palisade sandbox performance:', JSON.stringify(figures, null, 2));
    writeFileSync(join(resultsDir, 'performance.json'), `${JSON.stringify(figures, null, 2)}\n`);
  });
});
