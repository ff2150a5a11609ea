import { lessons } from '../../../apps/sandbox/src/lessons/index.ts';
import { tourLesson } from '../../../apps/sandbox/src/tour/tour.ts';
import { median, type Suite, table, targetTable } from '../harness.ts';

const RUNS = 3;
const LIMIT_MS = 2_000;

/**
 * The sandbox's headless lessons: each scripted run, both worlds, in virtual
 * time. Frame time, first load and bundle size are measured in Chromium by
 * the sandbox-browser suite.
 */
const suite: Suite = {
  title: 'apps/sandbox: headless lessons',
  async run() {
    const rows: string[][] = [];
    const targets = [];
    for (const lesson of lessons) {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push((await tourLesson(lesson, 1)).elapsedMs);
      const ms = median(times);
      rows.push([
        `${lesson.number}. ${lesson.title}`,
        `${(lesson.durationMs / 1000).toFixed(0)} s`,
        `${ms.toFixed(0)} ms`,
        times.map((t) => t.toFixed(0)).join(', '),
      ]);
      targets.push({
        label: `lesson ${lesson.number}, scripted run`,
        measured: ms,
        limit: LIMIT_MS,
        kind: 'max' as const,
        format: (v: number) => `${v.toFixed(0)} ms`,
      });
    }
    return [
      `Each lesson's scripted run with and without palisade, as \`npm run tour\` plays it (seed 1); the median of ${RUNS} runs.`,
      '',
      table(['lesson', 'simulated', 'real time (median)', 'runs (ms)'], rows),
      '',
      targetTable(targets),
    ].join('\n');
  },
};

export default suite;
