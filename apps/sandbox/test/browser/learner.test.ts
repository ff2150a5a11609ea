import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { lessons } from '../../src/lessons/index.ts';
import type { Lesson } from '../../src/lessons/lesson.ts';
import { simulate, visible } from './expected.ts';
import {
  openPage,
  readChallenge,
  readVisible,
  runInAddress,
  sandboxPassedAt,
  sandboxTime,
  screenshot,
  waitAddressCurrent,
  waitPausedAt,
} from './page.ts';
import { describeInBrowser } from './suite.ts';

const SEED = 1;
/** The learner plays fast: 10× (or as fast as the machine manages), to keep the suite short. */
const SPEED = '10';
/** Real time allowed for the run to reach a moment. */
const REACH_MS = 60_000;

async function waitForTime(page: Page, at: number): Promise<void> {
  await page.waitForFunction(
    (target) => (window as unknown as { palisadeSandbox: { time(): number } }).palisadeSandbox.time() >= target,
    at,
    { timeout: REACH_MS, polling: 50 },
  );
}

/** Waits until the challenge has passed, or the run has reached `until`; true if it passed. */
async function waitForPassOr(page: Page, until: number): Promise<boolean> {
  const handle = await page.waitForFunction(
    (limit) => {
      const sandbox = (window as unknown as { palisadeSandbox: { time(): number; passedAt(): number | undefined } })
        .palisadeSandbox;
      return sandbox.passedAt() !== undefined ? 'passed' : sandbox.time() >= limit ? 'time' : false;
    },
    until,
    { timeout: REACH_MS, polling: 50 },
  );
  return (await handle.jsonValue()) === 'passed';
}

/**
 * Plays a lesson by its steps: moves to each step with its pill, waits for
 * the step's moment, and presses its button. After the step that starts the
 * challenge's window it does what that step's words say: it stays until the
 * window has passed (or the challenge has).
 */
async function playSteps(page: Page, lesson: Lesson): Promise<void> {
  for (const [index, step] of lesson.steps.entries()) {
    await page.getByRole('button', { name: new RegExp(`^Step ${index + 1}: `) }).click();
    await expect(page.locator('#step-heading').textContent()).resolves.toContain(step.title);
    if (step.action === undefined) continue;
    await waitForTime(page, step.action.at);
    const button = page.locator('.step-action').getByRole('button', { name: step.action.label, exact: true });
    await button.click();
    await page.locator('.step-action .done-note').waitFor();
    if (index === lesson.challenge.startsAtStep) {
      const from = await sandboxTime(page);
      await waitForPassOr(page, from + lesson.challenge.windowMs + 2_000);
    }
  }
}

describeInBrowser('every lesson, played by its steps in Chromium', (fixture) => {
  for (const lesson of lessons) {
    it(`lesson ${lesson.number}: doing exactly the steps passes the challenge, and not before its window`, async () => {
      const { page, errors } = await openPage(
        fixture.browser.context,
        `${fixture.url}?lesson=${lesson.number}&seed=${SEED}`,
      );
      await page.getByRole('heading', { level: 1, name: lesson.title }).waitFor();
      await page.getByRole('combobox', { name: /^Speed/ }).selectOption(SPEED);
      await playSteps(page, lesson);
      expect(await waitForPassOr(page, lesson.durationMs + 20_000), 'the challenge passed').toBe(true);
      await page.getByRole('button', { name: 'Pause', exact: true }).click();
      await waitPausedAt(page, 0);
      await waitAddressCurrent(page);
      await screenshot(page, `lesson-${lesson.number}-played`);

      // The run the learner made, exactly as the address holds it.
      const { actions, at } = runInAddress(page);
      const pressed = lesson.steps.flatMap((step) => step.action?.actions ?? []);
      expect(actions.map((timed) => timed.action)).toEqual(pressed);
      // The window opens with the last action of the step that starts it.
      const opening = lesson.steps[lesson.challenge.startsAtStep]?.action?.actions.length ?? 0;
      const before = lesson.steps.slice(0, lesson.challenge.startsAtStep + 1);
      const openedAt = actions[before.flatMap((step) => step.action?.actions ?? []).length - 1]?.at;
      expect(opening).toBeGreaterThan(0);
      const passedAt = await sandboxPassedAt(page);
      expect(passedAt).toBeDefined();
      expect(passedAt as number).toBeGreaterThanOrEqual((openedAt as number) + lesson.challenge.windowMs);

      // And the page shows exactly what the simulation computes for that run, there and then.
      const expected = await simulate(lesson, SEED, actions, at);
      expect(expected.challenge.status).toMatch(/^Challenge passed at/);
      expect(await readChallenge(page)).toEqual(expected.challenge);
      expect(await readVisible(page, lesson.panels)).toEqual(visible(expected, lesson.panels));
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
