import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { TimedAction } from '../../src/lessons/lesson.ts';
import { decodeRun } from '../../src/lessons/run.ts';
import { appRoot } from './server.ts';

export const resultsDir = join(appRoot, 'test-results');

/** A page that remembers every console error and uncaught exception, to assert there were none. */
export async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true });
}

/** Waits until the run is paused at virtual time `at` or later. */
export async function waitPausedAt(page: Page, at: number): Promise<void> {
  await page.waitForFunction(
    (target) => {
      const handle = (window as { palisadeSandbox?: { time(): number } }).palisadeSandbox;
      const state = document.querySelector('.clock-state')?.textContent ?? '';
      return handle !== undefined && handle.time() >= target && state.includes('paused');
    },
    at,
    { timeout: 60_000 },
  );
}

/** Opens one of the tabs below the stage. */
export async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
  await page.locator(`[role="tab"][aria-selected="true"]`, { hasText: name }).waitFor();
}

export async function readCounters(page: Page): Promise<Record<string, string[]>> {
  await openTab(page, 'Counters');
  return page.evaluate(() => {
    const table: Record<string, string[]> = {};
    for (const row of document.querySelectorAll<HTMLTableRowElement>('tr[data-counter]')) {
      table[row.dataset.counter ?? ''] = [...row.querySelectorAll('.counter-value')].map(
        (cell) => cell.textContent ?? '',
      );
    }
    return table;
  });
}

export async function readTopology(page: Page): Promise<string[]> {
  return page.locator('svg.topology').evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-label') ?? ''));
}

export async function readChallenge(page: Page): Promise<{ status: string; measured: string }> {
  const status = (await page.locator('.challenge-status').textContent()) ?? '';
  const measured = (await page.locator('.challenge-measured').textContent()) ?? '';
  return { status: status.replace(/^[✓○]\s*/, '').trim(), measured: measured.replace(/^Measured now:\s*/, '').trim() };
}

/** The first line of each world's monitoring log, or '' for an empty log. */
export async function readMonitor(page: Page): Promise<string[]> {
  await openTab(page, 'Monitoring log');
  return page.locator('.panel-monitor .side').evaluateAll((sides) =>
    sides.map((side) => {
      const entry = side.querySelector('.entry');
      if (entry === null) return '';
      return [...entry.children].map((part) => part.textContent ?? '').join(' ');
    }),
  );
}

/** Everything the page shows that the simulation can be asked about: the networks, and the lesson's counters and log. */
export async function readVisible(page: Page, panels: readonly string[]) {
  return {
    counters: panels.includes('counters') ? await readCounters(page) : undefined,
    topology: await readTopology(page),
    monitor: panels.includes('monitor') ? await readMonitor(page) : undefined,
  };
}

/** Waits until the address holds the run's current moment (it is written just after the page shows it). */
export async function waitAddressCurrent(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const handle = (window as unknown as { palisadeSandbox?: { time(): number } }).palisadeSandbox;
    const t = new URLSearchParams(window.location.search).get('t');
    return handle !== undefined && Number(t ?? 0) === handle.time();
  });
}

/** The run as the address holds it now (kept there with replaceState as the run goes). */
export function runInAddress(page: Page): { lesson: number; seed: number; actions: TimedAction[]; at: number } {
  const url = new URL(page.url());
  const spec = decodeRun(url.searchParams.get('run') ?? '');
  return {
    lesson: Number(url.searchParams.get('lesson') ?? url.searchParams.get('free')),
    seed: Number(url.searchParams.get('seed')),
    actions: [...(spec?.actions ?? [])],
    at: Number(url.searchParams.get('t') ?? 0),
  };
}

/** The page's own test handle: time, speed and when the challenge passed. */
export interface SandboxHandle {
  time(): number;
  speed(): number;
  passedAt(): number | undefined;
  stats(): { work: number[]; drawn: number[]; intervals: number[] };
}

export async function sandboxTime(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { palisadeSandbox: SandboxHandle }).palisadeSandbox.time());
}

export async function sandboxPassedAt(page: Page): Promise<number | undefined> {
  return page.evaluate(
    () => (window as unknown as { palisadeSandbox: SandboxHandle }).palisadeSandbox.passedAt() ?? undefined,
  );
}
