import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lessonByNumber } from '../../src/lessons/index.ts';
import { encodeRun } from '../../src/lessons/run.ts';
import { chromiumMissing, launchChromium, SKIP_MESSAGE } from './chromium.ts';
import { waitPausedAt } from './page.ts';
import { appRoot, buildApp, serveApp } from './server.ts';

/**
 * Writes docs/screenshot.png for the README: lesson 2's scripted run, paused
 * a few seconds after two nodes died. `npm run screenshot` in apps/sandbox.
 */
const LESSON = 2;
const AT = 12_000;

if (chromiumMissing) {
  console.error(SKIP_MESSAGE);
  process.exit(1);
}
const lesson = lessonByNumber(LESSON);
if (lesson === undefined) throw new Error(`no lesson ${LESSON}`);
await buildApp();
const server = await serveApp();
const browser = await launchChromium({ width: 1440, height: 1500 });
try {
  const page = await browser.context.newPage();
  const run = encodeRun({ lesson: LESSON, seed: 1, actions: lesson.script });
  await page.goto(`${server.url}?lesson=${LESSON}&seed=1&run=${run}&t=${AT}`);
  await waitPausedAt(page, AT);
  // Folded, the explanation leaves room for the steps and the challenge.
  await page.getByText('The idea, in plain words').click();
  const out = join(appRoot, 'docs', 'screenshot.png');
  mkdirSync(join(appRoot, 'docs'), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
