import type { LessonStep, TimedAction } from '../../lessons/lesson.ts';

const key = (action: unknown): string => JSON.stringify(action);

/**
 * When each step's button was done in this run: the time of the last of its
 * actions, or undefined. Each recorded action counts for one step only, so a
 * second "add two nodes" is not done by the first; steps may be done in any
 * order, from their buttons, the toolbar or a replayed link.
 */
export function stepsDoneAt(steps: readonly LessonStep[], actions: readonly TimedAction[]): (number | undefined)[] {
  const pool = actions.map((timed) => ({ key: key(timed.action), at: timed.at, used: false }));
  return steps.map((step) => {
    const wanted = step.action?.actions;
    if (wanted === undefined || wanted.length === 0) return undefined;
    const taken: (typeof pool)[number][] = [];
    for (const action of wanted) {
      const match = pool.find((entry) => !entry.used && !taken.includes(entry) && entry.key === key(action));
      if (match === undefined) return undefined;
      taken.push(match);
    }
    for (const entry of taken) entry.used = true;
    return Math.max(...taken.map((entry) => entry.at));
  });
}

/**
 * The step the run is at: the latest step whose button has been done (its
 * caption says what to watch now), or the first step before any is done.
 */
export function currentStep(done: readonly (number | undefined)[]): number {
  let latest = 0;
  let latestAt = Number.NEGATIVE_INFINITY;
  done.forEach((at, index) => {
    if (at !== undefined && at >= latestAt) {
      latest = index;
      latestAt = at;
    }
  });
  return latest;
}
