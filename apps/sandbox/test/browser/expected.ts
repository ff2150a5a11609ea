import type { Lesson, TimedAction, WorldView } from '../../src/lessons/lesson.ts';
import { LessonRun } from '../../src/lessons/run.ts';
import { formatClock, formatValue } from '../../src/web/format.ts';
import { MONITOR_LINES_SHOWN, monitorLines } from '../../src/web/panels/monitor-groups.ts';
import { describeTopology } from '../../src/web/panels/topology-description.ts';

/** What the page should show for one run at one moment, computed by the simulation itself in Node. */
export interface Expected {
  /** Counter label → [with palisade, without], as the page formats them. */
  readonly counters: Record<string, string[]>;
  readonly topology: string[];
  /** The first line of each world's monitoring log, as the log shows it. */
  readonly monitor: string[];
  readonly challenge: { readonly status: string; readonly measured: string };
}

export async function simulate(
  lesson: Lesson,
  seed: number,
  actions: readonly TimedAction[],
  at: number,
  options: { readonly challenge?: boolean } = {},
): Promise<Expected> {
  const run = new LessonRun(lesson, seed, actions, options);
  await run.advance(at);
  const views = run.worlds.map((world) => world.view());
  const result = lesson.challenge.check(run.palisade);
  const passedAt = run.passed?.at;
  return {
    counters: counters(views),
    topology: views.map(describeTopology),
    monitor: views.map((view) => {
      const line = monitorLines(view.monitor, MONITOR_LINES_SHOWN)[0];
      if (line === undefined) return '';
      const repeats = line.count > 1;
      return `${formatClock(line.last)} ${line.kind}${repeats ? ` ×${line.count}` : ''} ${line.text}${repeats ? ` (since ${formatClock(line.first)})` : ''}`;
    }),
    challenge: {
      status: passedAt === undefined ? 'Not passed yet' : `Challenge passed at ${formatClock(passedAt)}`,
      measured: result.measured,
    },
  };
}

function counters(views: readonly WorldView[]): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  for (const view of views) for (const counter of view.counters) table[counter.label] ??= [];
  for (const label of Object.keys(table)) {
    table[label] = views.map((view) => {
      const counter = view.counters.find((candidate) => candidate.label === label);
      return counter === undefined ? '—' : formatValue(counter.value);
    });
  }
  return table;
}

/** The parts of `expected` that the lesson's panels put on the page. */
export function visible(expected: Expected, panels: readonly string[]): Partial<Expected> {
  return {
    counters: panels.includes('counters') ? expected.counters : undefined,
    topology: expected.topology,
    monitor: panels.includes('monitor') ? expected.monitor : undefined,
  };
}
