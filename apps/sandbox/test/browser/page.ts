import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
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

export async function readCounters(page: Page): Promise<Record<string, string[]>> {
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

/** The newest entry of each world's monitoring log, or '' for an empty log. */
export async function readMonitor(page: Page): Promise<string[]> {
  return page.locator('.panel-monitor .side').evaluateAll((sides) =>
    sides.map((side) => {
      const entry = side.querySelector('.entry');
      if (entry === null) return '';
      return [...entry.children].map((part) => part.textContent ?? '').join(' ');
    }),
  );
}

/** Everything the lesson's panels show that the simulation can be asked about. */
export async function readVisible(page: Page, panels: readonly string[]) {
  return {
    counters: panels.includes('counters') ? await readCounters(page) : undefined,
    topology: panels.includes('topology') ? await readTopology(page) : undefined,
    monitor: panels.includes('monitor') ? await readMonitor(page) : undefined,
  };
}
