import { expect, it } from 'vitest';
import { freePlay, lessons } from '../../src/lessons/index.ts';
import { encodeRun } from '../../src/lessons/run.ts';
import { simulate, visible } from './expected.ts';
import {
  openPage,
  openTab,
  readChallenge,
  readVisible,
  runInAddress,
  screenshot,
  waitAddressCurrent,
  waitPausedAt,
} from './page.ts';
import { describeInBrowser } from './suite.ts';

const SEED = 1;

describeInBrowser('shared links in Chromium', (fixture) => {
  for (const lesson of lessons) {
    it(`lesson ${lesson.number}: a shared link replays the scripted run exactly`, async () => {
      const run = encodeRun({ lesson: lesson.number, seed: SEED, actions: lesson.script });
      const { page, errors } = await openPage(
        fixture.browser.context,
        `${fixture.url}?lesson=${lesson.number}&seed=${SEED}&run=${run}&t=${lesson.durationMs}`,
      );
      await waitPausedAt(page, lesson.durationMs);
      await screenshot(page, `lesson-${lesson.number}-replay`);
      const expected = await simulate(lesson, SEED, lesson.script, lesson.durationMs);
      expect(await readChallenge(page)).toEqual(expected.challenge);
      expect(expected.challenge.status).toMatch(/^Challenge passed at/);
      expect(await readVisible(page, lesson.panels)).toEqual(visible(expected, lesson.panels));
      await openTab(page, 'What happened');
      expect(await page.locator('.action-log li').count()).toBe(lesson.script.length);
      // Every step's button shows as done.
      const actionSteps = lesson.steps.filter((step) => step.action !== undefined).length;
      expect(await page.locator('.step-pill.done').count()).toBe(actionSteps);
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
    const kill = page.getByRole('button', { name: `Kill ${node}`, exact: true });
    await kill.click();
    // Once it is down, killing it again would change nothing: the button says so by being disabled.
    await expect.poll(() => kill.isDisabled()).toBe(true);
    await page.waitForTimeout(1_500);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await waitPausedAt(page, 0);
    await waitAddressCurrent(page);
    const { actions, at, lesson } = runInAddress(page);
    expect(lesson).toBe(freePlay.number);
    expect(actions.map((timed) => timed.action)).toEqual([{ type: 'kill', node }]);
    await screenshot(page, 'free-play-action');
    const expected = await simulate(freePlay, SEED, actions, at);
    const untouched = await simulate(freePlay, SEED, [], at);
    expect(visible(expected, freePlay.panels)).not.toEqual(visible(untouched, freePlay.panels));
    expect(await readChallenge(page)).toEqual(expected.challenge);
    expect(await readVisible(page, freePlay.panels)).toEqual(visible(expected, freePlay.panels));
    expect(errors).toEqual([]);
    await page.close();
  });
});
