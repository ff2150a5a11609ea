import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; `npx playwright install` cannot download browsers on the build machines. */
// npm test sets CHROMIUM_PATH to '' when it found no Chromium on PATH; the usual path is then checked.
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const chromiumMissing = !existsSync(CHROMIUM);

export const SKIP_MESSAGE = `Browser tests skipped: ${CHROMIUM} is missing. \`apt-get install -y chromium\` enables them (under CI=true they are required).`;

export interface LaunchedBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh, throwaway profile and nothing phoning
 * home. Playwright takes the profile directory as an argument rather than
 * a flag, and owns the browser through that one persistent context.
 */
export async function launchChromium(viewport = { width: 1440, height: 1000 }): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'palisade-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
