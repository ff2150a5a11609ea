import { expect, it } from 'vitest';
import { freePlay, lessons } from '../../src/lessons/index.ts';
import type { Action } from '../../src/lessons/lesson.ts';
import { decodeRun, encodeRun } from '../../src/lessons/run.ts';
import { describeAction } from '../../src/web/control-state.ts';
import { simulate, visible } from './expected.ts';
import { openPage, readChallenge, readVisible, screenshot, waitPausedAt } from './page.ts';
import { describeInBrowser } from './suite.ts';

const SEED = 1;

describeInBrowser('every lesson in Chromium', (fixture) => {
  for (const lesson of lessons) {
    const index = lesson.steps.findIndex((step) => step.action !== undefined);
    const step = lesson.steps[index];

    it(`lesson ${lesson.number}: the main action ("${step?.action?.label}") shows its outcome`, async () => {
      if (step?.action === undefined) throw new Error(`lesson ${lesson.number} has no step with an action`);
      const action = step.action.actions[0] as Action;
      const { page, errors } = await openPage(
        fixture.browser.context,
        `${fixture.url}?lesson=${lesson.number}&seed=${SEED}`,
      );
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(lesson.title);

      // Walk to the step as a learner would, then press its button.
      await page.getByRole('button', { name: step.title, exact: true }).click();
      await page
        .locator('.step.current .step-body')
        .getByRole('button', { name: step.action.label, exact: true })
        .click();
      await page.locator('.action-log li', { hasText: describeAction(action) }).first().waitFor();
      await page.waitForTimeout(2_500);
      await page.getByRole('button', { name: 'Pause', exact: true }).click();

      // The run's own link says exactly when the action happened and where the run paused.
      await page.getByLabel(/open at the current moment/).check();
      await page.getByRole('button', { name: 'Copy link to this run' }).click();
      const link = new URL(await page.getByLabel('Link to this run').inputValue());
      const spec = decodeRun(link.searchParams.get('run') ?? '');
      const at = Number(link.searchParams.get('t'));
      expect(spec?.actions.map((timed) => timed.action)).toContainEqual(action);
      expect(at).toBeGreaterThan(0);
      // Before any comparison, so that a failure leaves its picture behind.
      await screenshot(page, `lesson-${lesson.number}-action`);

      // The action changed what the learner sees…
      const expected = await simulate(lesson, SEED, spec?.actions ?? [], at);
      const untouched = await simulate(lesson, SEED, [], at);
      expect(visible(expected, lesson.panels)).not.toEqual(visible(untouched, lesson.panels));
      // …and the page shows exactly what the simulation computes for that run.
      expect(await readVisible(page, lesson.panels)).toEqual(visible(expected, lesson.panels));
      expect(await readChallenge(page)).toEqual(expected.challenge);
      await expect(page.getByRole('status').filter({ hasText: expected.challenge.status }).count()).resolves.toBe(1);

      expect(errors).toEqual([]);
      await page.close();
    });

    it(`lesson ${lesson.number}: a shared link replays the scripted run exactly`, async () => {
      const run = encodeRun({ lesson: lesson.number, seed: SEED, actions: lesson.script });
      const { page, errors } = await openPage(
        fixture.browser.context,
        `${fixture.url}?lesson=${lesson.number}&seed=${SEED}&run=${run}&t=${lesson.durationMs}`,
      );
      await waitPausedAt(page, lesson.durationMs);
      await screenshot(page, `lesson-${lesson.number}-replay`);
      const expected = await simulate(lesson, SEED, lesson.script, lesson.durationMs);
      expect(await readVisible(page, lesson.panels)).toEqual(visible(expected, lesson.panels));
      expect(await readChallenge(page)).toEqual(expected.challenge);
      expect(await page.locator('.action-log li').count()).toBe(lesson.script.length);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('free play: killing a node from the toolbar shows its outcome', async () => {
    const node = freePlay.targets[0];
    if (node === undefined) throw new Error('free play has no targets');
    const { page, errors } = await openPage(
      fixture.browser.context,
      `${fixture.url}?free=${freePlay.number}&seed=${SEED}`,
    );
    await page.getByRole('button', { name: `Kill ${node}`, exact: true }).click();
    await page.locator('.action-log li', { hasText: `Killed ${node}` }).waitFor();
    await page.waitForTimeout(2_000);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByLabel(/open at the current moment/).check();
    await page.getByRole('button', { name: 'Copy link to this run' }).click();
    const link = new URL(await page.getByLabel('Link to this run').inputValue());
    expect(link.searchParams.get('free')).toBe(String(freePlay.number));
    const spec = decodeRun(link.searchParams.get('run') ?? '');
    const at = Number(link.searchParams.get('t'));
    await screenshot(page, 'free-play-action');
    const expected = await simulate(freePlay, SEED, spec?.actions ?? [], at);
    const untouched = await simulate(freePlay, SEED, [], at);
    expect(visible(expected, freePlay.panels)).not.toEqual(visible(untouched, freePlay.panels));
    expect(await readVisible(page, freePlay.panels)).toEqual(visible(expected, freePlay.panels));
    expect(await readChallenge(page)).toEqual(expected.challenge);
    expect(errors).toEqual([]);
    await page.close();
  });
});
