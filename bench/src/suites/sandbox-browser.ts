import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { gzipSizes } from '../../../apps/sandbox/test/browser/bundle-size.ts';
import {
  type BusyWorldFigures,
  MEASURED_FRAMES,
  playBusyWorld,
} from '../../../apps/sandbox/test/browser/busy-world.ts';
import { CHROMIUM, chromiumMissing, launchChromium } from '../../../apps/sandbox/test/browser/chromium.ts';
import { openPage } from '../../../apps/sandbox/test/browser/page.ts';
import { appRoot, buildApp, serveApp } from '../../../apps/sandbox/test/browser/server.ts';
import { envNumber, median, type Suite, type Target, table, targetTable } from '../harness.ts';

/** Page loads are short and noisy, and a round costs two Chromium launches and one 9 s play: more rounds than the micro-benchmarks' 3. */
const ROUNDS = envNumber('BENCH_ROUNDS', 5);
const LESSON = 1;

const FIRST_LOAD_MS = 1_500;
const FRAME_MS = 16;
const BUNDLE_GZIP_BYTES = 300 * 1024;

/** Never the browser tests' folder: a test run at the same time would empty it under this one. */
const buildDir = join(appRoot, 'node_modules', '.cache', 'bench-build');

interface StageMark {
  palisadeStageShownAt?: number;
}

/**
 * Runs in the page before any of its scripts. The frame after the lesson's
 * network enters the DOM is the one that paints it, so its animation frame
 * is when the stage is shown; polling from outside the page would add
 * round trips to the browser that a busy machine makes long.
 */
function markStageShown(): void {
  const observer = new MutationObserver(() => {
    if (document.querySelector('svg.topology .node') === null) return;
    observer.disconnect();
    requestAnimationFrame(() => {
      (window as StageMark).palisadeStageShownAt = performance.now();
    });
  });
  observer.observe(document, { childList: true, subtree: true });
}

/** Milliseconds from navigation start to the stage shown, and to the end of the load event. */
async function loadTimes(page: Page): Promise<{ shown: number; load: number }> {
  const shown = await page.waitForFunction(() => (window as StageMark).palisadeStageShownAt, undefined, {
    timeout: 60_000,
  });
  const load = await page.waitForFunction(
    () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.loadEventEnd,
  );
  return { shown: (await shown.jsonValue()) as number, load: (await load.jsonValue()) as number };
}

/** A figure taken from a page that logged errors measures something other than the app. */
function noErrors(errors: readonly string[], where: string): void {
  if (errors.length > 0) throw new Error(`${where}: the page logged errors:\n${errors.join('\n')}`);
}

interface LoadRound {
  readonly cold: { shown: number; load: number };
  readonly warm: { shown: number; load: number };
}

/** The first page of a fresh profile (nothing cached), then the same page reloaded. */
async function measureLoads(url: string): Promise<LoadRound & { browserVersion: string }> {
  const browser = await launchChromium();
  try {
    await browser.context.addInitScript(markStageShown);
    const { page, errors } = await openPage(browser.context, `${url}?lesson=${LESSON}`);
    const cold = await loadTimes(page);
    await page.reload();
    const warm = await loadTimes(page);
    // The user agent string gives only the major version.
    const cdp = await browser.context.newCDPSession(page);
    const { product } = await cdp.send('Browser.getVersion');
    const browserVersion = product.replace(/^\D+\//, '');
    noErrors(errors, `lesson ${LESSON}`);
    await page.close();
    return { cold, warm, browserVersion };
  } finally {
    await browser.close();
  }
}

async function measureFrames(url: string): Promise<BusyWorldFigures> {
  const browser = await launchChromium();
  try {
    const { figures, errors } = await playBusyWorld(browser.context, url);
    noErrors(errors, 'free play');
    if (figures.nodes !== 10) throw new Error(`free play drew ${figures.nodes} server nodes, not the budget's 10`);
    return figures;
  } finally {
    await browser.close();
  }
}

const ms = (value: number): string => `${value.toFixed(0)} ms`;
const frameMs = (value: number): string => `${value.toFixed(1)} ms`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');

/** One row: the median of the rounds, then each round's figure. */
const row = (label: string, values: readonly number[], show: (v: number) => string): string[] => [
  label,
  show(median(values)),
  values.map(show).join(', '),
];

/**
 * The sandbox as learners get it, in Chromium: first load of a lesson, and
 * frame time in free play's busiest world. A page has no anchor library to
 * run beside it, so these are palisade's figures alone, against issue 7's
 * budgets.
 */
const suite: Suite = {
  title: 'apps/sandbox: the page in Chromium',
  unavailable() {
    return chromiumMissing
      ? `${CHROMIUM} is missing: \`apt-get install -y chromium\` (or CHROMIUM_PATH) enables this suite.`
      : undefined;
  },
  async run() {
    const loadBefore = load();
    await buildApp(buildDir);
    const bundle = gzipSizes(buildDir);
    const server = await serveApp(buildDir);
    const loads: LoadRound[] = [];
    const frames: BusyWorldFigures[] = [];
    let browserVersion = '?';
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const measured = await measureLoads(server.url);
        browserVersion = measured.browserVersion;
        loads.push(measured);
        frames.push(await measureFrames(server.url));
      }
    } finally {
      await server.close();
    }
    const loadAfter = load();

    const coldShown = median(loads.map((l) => l.cold.shown));
    const drawn = median(frames.map((f) => f.medianDrawnMs));
    const targets: Target[] = [
      {
        label: `first load of lesson ${LESSON}, cold (stage shown)`,
        measured: coldShown,
        limit: FIRST_LOAD_MS,
        kind: 'max',
        format: ms,
      },
      {
        label: 'median frame (drawn), 10 nodes at 1,000 requests/s',
        measured: drawn,
        limit: FRAME_MS,
        kind: 'max',
        format: frameMs,
      },
      { label: 'JS bundle, gzip', measured: bundle.js, limit: BUNDLE_GZIP_BYTES, kind: 'max', format: kb },
    ];

    return [
      `The app's production build, served by \`vite preview\` on 127.0.0.1, in headless Chromium ${browserVersion} (\`${CHROMIUM}\`, driven by playwright-core), with a fresh profile for each of ${ROUNDS} rounds. These are palisade's own figures: a page has no anchor library to run beside it, so there are no ratios, only issue 7's budgets. Load average (1, 5, 15 min) ${loadBefore} before the run and ${loadAfter} after it; frame times on a busy machine are longer than on a quiet one.`,
      '',
      '### First load of a lesson',
      '',
      `Lesson ${LESSON}, \`?lesson=${LESSON}\`. Cold is the first page of a fresh profile, nothing cached; warm is the same page reloaded. "Stage shown" is the time from navigation start to the animation frame that first paints the lesson's network; the end of the load event is listed beside it.`,
      '',
      table(
        ['load', 'median', 'rounds'],
        [
          row(
            'cold: stage shown',
            loads.map((l) => l.cold.shown),
            ms,
          ),
          row(
            'cold: load event end',
            loads.map((l) => l.cold.load),
            ms,
          ),
          row(
            'warm: stage shown',
            loads.map((l) => l.warm.shown),
            ms,
          ),
          row(
            'warm: load event end',
            loads.map((l) => l.warm.load),
            ms,
          ),
        ],
      ),
      '',
      '### Frame time in free play: 10 nodes, 1,000 requests/s',
      '',
      `Free play's first world (\`?free=0&seed=1\`): 10 nodes and 3 clients, 1,000 requests a second offered to each side, both networks and the charts drawn, at 1×. It plays 9 s from the start and the last ${MEASURED_FRAMES} frames are read from the page's \`window.palisadeSandbox.stats()\`, as the browser test does. Drawn: from the start of a frame's work (the previous frame painted) to the frame committed to the page. Simulation: advancing both worlds and reading their views, part of drawn. Interval: between animation frames. Each round's figure is that round's median (or p90) over its frames; the median column is the median of the rounds.`,
      '',
      table(
        ['figure', 'median', 'rounds'],
        [
          row(
            'drawn, median',
            frames.map((f) => f.medianDrawnMs),
            frameMs,
          ),
          row(
            'drawn, p90',
            frames.map((f) => f.p90DrawnMs),
            frameMs,
          ),
          row(
            'simulation, median',
            frames.map((f) => f.medianSimulationMs),
            frameMs,
          ),
          row(
            'frame interval, median',
            frames.map((f) => f.medianFrameIntervalMs),
            frameMs,
          ),
          row(
            'frames measured',
            frames.map((f) => f.frames),
            (v) => v.toFixed(0),
          ),
          row(
            'served in the last second (palisade side)',
            frames.map((f) => f.served),
            (v) => v.toFixed(0),
          ),
        ],
      ),
      '',
      '### Bundle',
      '',
      `Every file of the build's \`assets/\`, gzipped at level 9: JS ${kb(bundle.js)}, CSS ${kb(bundle.css)}. The browser test asserts the JS budget too, since size does not depend on the machine.`,
      '',
      '### Targets (issue 7)',
      '',
      targetTable(targets),
    ].join('\n');
  },
};

export default suite;
