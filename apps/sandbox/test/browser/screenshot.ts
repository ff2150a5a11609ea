import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { lessonByNumber } from '../../src/lessons/index.ts';
import { encodeRun } from '../../src/lessons/run.ts';
import { chromiumMissing, launchChromium, SKIP_MESSAGE } from './chromium.ts';
import { waitPausedAt } from './page.ts';
import { appRoot, buildApp, serveApp } from './server.ts';

/**
 * Writes the README's screenshots, at a desktop's first screen and a
 * phone's: lesson 2's scripted run, paused a moment after the challenge
 * passed with two of five nodes down. `npm run screenshot` in apps/sandbox.
 */
const LESSON = 2;
const AT = 14_000;
const SIZES = [
  { name: 'screenshot-desktop.png', viewport: { width: 1280, height: 800 } },
  { name: 'screenshot-phone.png', viewport: { width: 390, height: 844 } },
] as const;

if (chromiumMissing) {
  console.error(SKIP_MESSAGE);
  process.exit(1);
}
const lesson = lessonByNumber(LESSON);
if (lesson === undefined) throw new Error(`no lesson ${LESSON}`);
await buildApp();
const server = await serveApp();
const docs = join(appRoot, 'docs');
mkdirSync(docs, { recursive: true });
rmSync(join(docs, 'screenshot.png'), { force: true });
try {
  for (const { name, viewport } of SIZES) {
    const browser = await launchChromium(viewport);
    try {
      const page = await browser.context.newPage();
      const run = encodeRun({ lesson: LESSON, seed: 1, actions: lesson.script });
      await page.goto(`${server.url}?lesson=${LESSON}&seed=1&run=${run}&t=${AT}`);
      await waitPausedAt(page, AT);
      const out = join(docs, name);
      await page.screenshot({ path: out });
      console.log(`wrote ${out}`);
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.close();
}
