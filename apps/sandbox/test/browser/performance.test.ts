import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { openPage, resultsDir } from './page.ts';
import { testBuildDir } from './server.ts';
import { describeInBrowser } from './suite.ts';

/**
 * The bundle's size is a property of the build, so it is asserted here. Load
 * and frame times depend on how busy the machine is: this file records them
 * (test-results/performance.json) and checks only that the page keeps up, and
 * timing targets belong to the benchmarks, never to a test.
 */
const BUNDLE_GZIP_BYTES = 300 * 1024;

/** The free-play world: 10 nodes under 1,000 requests a second, the size the budget names. */
const BUSY_WORLD = 0;
const MEASURED_FRAMES = 360;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const round = (value: number): number => Math.round(value * 10) / 10;

const figures: Record<string, unknown> = {};

describeInBrowser('performance in Chromium', (fixture) => {
  it(`keeps the JS bundle within ${BUNDLE_GZIP_BYTES / 1024} KB gzip`, () => {
    const assets = join(testBuildDir, 'assets');
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

  it('shows a lesson on the first load and after a reload, and records how long each took', async () => {
    // The first test to open a page in this fresh profile: nothing is cached.
    const { page, errors } = await openPage(fixture.browser.context, `${fixture.url}?lesson=1`);
    await page.locator('svg.topology .node').first().waitFor();
    const cold = await page.evaluate(() => ({
      shown: performance.now(),
      load: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd,
    }));
    await page.reload();
    await page.locator('svg.topology .node').first().waitFor();
    const warm = await page.evaluate(() => performance.now());
    figures.firstLoad = { coldShownMs: round(cold.shown), coldLoadEventMs: round(cold.load), warmShownMs: round(warm) };
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps drawing frames with 10 nodes and 1,000 requests/s, and records how long each took', async () => {
    const { page, errors } = await openPage(fixture.browser.context, `${fixture.url}?free=${BUSY_WORLD}&seed=1`);
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    // It plays from the start; the last few seconds are measured, once the charts and the dot plot are full.
    await page.waitForTimeout(9_000);
    const stats = await page.evaluate(() =>
      (
        window as unknown as { palisadeSandbox: { stats(): { work: number[]; drawn: number[]; intervals: number[] } } }
      ).palisadeSandbox.stats(),
    );
    const nodes = await page.locator('svg.topology').first().locator('.node-server').count();
    const caption = (await page.locator('.chart-latest').first().textContent()) ?? '';
    const served = Number(/([\d,]+)$/.exec(caption)?.[1]?.replaceAll(',', '') ?? Number.NaN);
    const drawn = stats.drawn.slice(-MEASURED_FRAMES);
    figures.frames = {
      world: `free play: ${nodes} nodes, 1,000 requests/s offered, ${served} served in the last second (with palisade)`,
      frames: drawn.length,
      medianDrawnMs: round(median(drawn)),
      p90DrawnMs: round([...drawn].sort((a, b) => a - b)[Math.floor(drawn.length * 0.9)] ?? Number.NaN),
      medianSimulationMs: round(median(stats.work.slice(-MEASURED_FRAMES))),
      medianFrameIntervalMs: round(median(stats.intervals.slice(-MEASURED_FRAMES))),
    };
    expect(nodes).toBe(10);
    expect(served).toBeGreaterThan(900);
    expect(drawn.length).toBeGreaterThan(MEASURED_FRAMES / 2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('records the figures', () => {
    console.log('palisade sandbox performance:', JSON.stringify(figures, null, 2));
    writeFileSync(join(resultsDir, 'performance.json'), `${JSON.stringify(figures, null, 2)}\n`);
  });
});
