import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { lessons } from '../../src/lessons/index.ts';
import { openPage, screenshot } from './page.ts';
import { describeInBrowser } from './suite.ts';

/** Roles a person operates; each needs a name that says what it does. */
const INTERACTIVE = new Set([
  'button',
  'checkbox',
  'switch',
  'link',
  'slider',
  'combobox',
  'textbox',
  'radio',
  'spinbutton',
  'menuitem',
  'tab',
]);

interface AXNode {
  role?: { value?: string };
  name?: { value?: string };
  ignored?: boolean;
}

/** Interactive elements without an accessible name, by Chromium's own accessibility tree. */
async function unnamedControls(page: Page): Promise<string[]> {
  const session = await page.context().newCDPSession(page);
  const { nodes } = (await session.send('Accessibility.getFullAXTree')) as { nodes: AXNode[] };
  await session.detach();
  return nodes
    .filter((node) => !node.ignored && INTERACTIVE.has(node.role?.value ?? '') && !(node.name?.value ?? '').trim())
    .map((node) => node.role?.value ?? '?');
}

/** The focused element: its accessible name (as Chromium computes it), focus outline and size. */
async function focused(page: Page): Promise<{ text: string; tag: string; outline: string; visible: boolean }> {
  const session = await page.context().newCDPSession(page);
  try {
    const { result } = (await session.send('Runtime.evaluate', { expression: 'document.activeElement' })) as {
      result: { objectId?: string };
    };
    const { nodes } = (await session.send('Accessibility.getPartialAXTree', {
      objectId: result.objectId,
      fetchRelatives: false,
    })) as { nodes: AXNode[] };
    const name = nodes[0]?.name?.value ?? '';
    const rest = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (element === null || element === document.body) return { tag: 'body', outline: 'none', visible: false };
      const style = getComputedStyle(element);
      const box = element.getBoundingClientRect();
      return {
        tag: element.tagName.toLowerCase(),
        outline: `${style.outlineStyle} ${style.outlineWidth}`,
        visible: box.width > 0 && box.height > 0,
      };
    });
    return { text: name.trim().replace(/\s+/g, ' '), ...rest };
  } finally {
    await session.detach();
  }
}

describeInBrowser('accessibility in Chromium', (fixture) => {
  it('names every control, on the home page and in every lesson', async () => {
    const { page, errors } = await openPage(fixture.browser.context, fixture.url);
    expect(await unnamedControls(page)).toEqual([]);
    for (const lesson of lessons) {
      await page.goto(`${fixture.url}?lesson=${lesson.number}`);
      await page.getByRole('heading', { level: 1, name: lesson.title }).waitFor();
      expect({ lesson: lesson.number, unnamed: await unnamedControls(page) }).toEqual({
        lesson: lesson.number,
        unnamed: [],
      });
    }
    for (const world of [0, lessons[0]?.number]) {
      await page.goto(`${fixture.url}?free=${world}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect({ free: world, unnamed: await unnamedControls(page) }).toEqual({ free: world, unnamed: [] });
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('has landmarks, one h1, and a live region for the challenge', async () => {
    const lesson = lessons[0];
    if (lesson === undefined) throw new Error('no lessons');
    const { page, errors } = await openPage(fixture.browser.context, `${fixture.url}?lesson=${lesson.number}`);
    await expect(page.getByRole('banner').count()).resolves.toBe(1);
    await expect(page.getByRole('navigation', { name: 'Lessons' }).count()).resolves.toBe(1);
    await expect(page.getByRole('main').count()).resolves.toBe(1);
    await expect(page.getByRole('heading', { level: 1 }).count()).resolves.toBe(1);
    await expect(page.getByRole('region', { name: 'Controls' }).count()).resolves.toBe(1);
    const status = page.locator('.challenge [role="status"]');
    await expect(status.count()).resolves.toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works from the keyboard alone, with a visible focus ring', async () => {
    const lesson = lessons.find((candidate) => candidate.controls.includes('attacks')) ?? lessons[0];
    if (lesson === undefined) throw new Error('no lessons');
    const { page, errors } = await openPage(fixture.browser.context, `${fixture.url}?lesson=${lesson.number}`);
    await page.getByRole('heading', { level: 1 }).waitFor();

    // The first Tab lands on the skip link; following it puts the next Tab inside the lesson.
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('Skip to the lesson');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.querySelector('main')?.contains(document.activeElement))).toBe(true);

    // Tab through the whole page: every stop is visible, outlined and named.
    const stops: string[] = [];
    for (let presses = 0; presses < 250; presses++) {
      const now = await focused(page);
      if (now.tag === 'body' || (stops.length > 0 && now.text === stops[0] && presses > 5)) break;
      expect(now.visible, `${now.tag} "${now.text}" is visible`).toBe(true);
      expect(now.outline, `${now.tag} "${now.text}" shows focus`).toMatch(/^solid [23]px$/);
      expect(now.text, `a ${now.tag} has a name`).not.toBe('');
      stops.push(now.text);
      await page.keyboard.press('Tab');
    }
    for (const expected of ['Pause', 'Start over', 'Copy link to this run', 'Next step →']) {
      expect(
        stops.some((stop) => stop.includes(expected)),
        `Tab reaches "${expected}"`,
      ).toBe(true);
    }

    // Space and Enter operate buttons and switches.
    const play = page.locator('.play-button');
    await play.focus();
    await page.keyboard.press('Space');
    await expect(play.textContent()).resolves.toContain('Play');
    await page.keyboard.press('Enter');
    await expect(play.textContent()).resolves.toContain('Pause');

    // "Next step →" moves to the next step and puts the focus on what to do there: its button.
    const nextStep = page.getByRole('button', { name: 'Next step →' });
    await nextStep.focus();
    await page.keyboard.press('Enter');
    const second = lesson.steps[1];
    await expect(page.locator('#step-heading').textContent()).resolves.toContain(second?.title ?? '');
    const focusedNow = await focused(page);
    expect(focusedNow.text).toBe(second?.action?.label ?? `Step 2 of ${lesson.steps.length} ${second?.title}`);

    if (lesson.controls.includes('attacks')) {
      const eavesdrop = page.getByRole('checkbox', { name: /Eavesdrop/ });
      await eavesdrop.focus();
      await page.keyboard.press('Space');
      // The switch shows the run's state, which takes the action at the next frame.
      await expect.poll(() => eavesdrop.isChecked()).toBe(true);
      await page.getByRole('tab', { name: 'What happened' }).click();
      await page.locator('.action-log li', { hasText: 'Started attack: eavesdrop' }).waitFor();
    }
    await screenshot(page, 'keyboard');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stops the link animation when the learner prefers reduced motion', async () => {
    const lesson = lessons[0];
    if (lesson === undefined) throw new Error('no lessons');
    const page = await fixture.browser.context.newPage();
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto(`${fixture.url}?lesson=${lesson.number}`);
    await page.locator('.link.active .link-line').first().waitFor();
    const animation = await page
      .locator('.link.active .link-line')
      .first()
      .evaluate((line) => getComputedStyle(line).animationName);
    expect(animation).toBe('none');
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await page.reload();
    await page.locator('.link.active .link-line').first().waitFor();
    const moving = await page
      .locator('.link.active .link-line')
      .first()
      .evaluate((line) => getComputedStyle(line).animationName);
    expect(moving).toBe('flow');
    await page.close();
  });
});
