import type { BrowserContext } from 'playwright-core';
import { openPage, type SandboxHandle } from './page.ts';

/** The free-play world: 10 nodes under 1,000 requests a second, the size the frame budget names. */
const BUSY_WORLD = 0;
/** It plays from the start; the last frames are measured, once the charts and the dot plot are full. */
const PLAY_MS = 9_000;
export const MEASURED_FRAMES = 360;

/** Frame timings of the busy world, in real ms, over its last frames (at most MEASURED_FRAMES). */
export interface BusyWorldFigures {
  /** Server nodes drawn in the palisade world's network. */
  readonly nodes: number;
  /** Requests served in the last second, as the first chart's caption says (with palisade). */
  readonly served: number;
  readonly frames: number;
  readonly medianDrawnMs: number;
  readonly p90DrawnMs: number;
  readonly medianSimulationMs: number;
  readonly medianFrameIntervalMs: number;
}

const upperMedian = (values: readonly number[]): number => percentile(values, 0.5);
const percentile = (values: readonly number[], fraction: number): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * fraction)] ?? Number.NaN;

/**
 * Opens free play's busy world in a new page of `context`, lets it play,
 * reads the page's frame timings (`window.palisadeSandbox.stats()`) and
 * closes the page. Shared by the browser test, which records the figures,
 * and the benchmark, which checks them against the budget.
 */
export async function playBusyWorld(
  context: BrowserContext,
  appUrl: string,
): Promise<{ figures: BusyWorldFigures; errors: string[] }> {
  const { page, errors } = await openPage(context, `${appUrl}?free=${BUSY_WORLD}&seed=1`);
  try {
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    await page.waitForTimeout(PLAY_MS);
    const stats = await page.evaluate(() =>
      (window as unknown as { palisadeSandbox: SandboxHandle }).palisadeSandbox.stats(),
    );
    const nodes = await page.locator('svg.topology').first().locator('.node-server').count();
    const caption = (await page.locator('.chart-latest').first().textContent()) ?? '';
    const served = Number(/([\d,]+)$/.exec(caption)?.[1]?.replaceAll(',', '') ?? Number.NaN);
    const drawn = stats.drawn.slice(-MEASURED_FRAMES);
    return {
      figures: {
        nodes,
        served,
        frames: drawn.length,
        medianDrawnMs: upperMedian(drawn),
        p90DrawnMs: percentile(drawn, 0.9),
        medianSimulationMs: upperMedian(stats.work.slice(-MEASURED_FRAMES)),
        medianFrameIntervalMs: upperMedian(stats.intervals.slice(-MEASURED_FRAMES)),
      },
      errors,
    };
  } finally {
    await page.close();
  }
}
