import type { TourRow } from '../lessons/lesson.ts';
import type { TourResult } from './tour.ts';

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const count = (value: number | undefined) => (value === undefined ? '–' : String(value));

const rows: ReadonlyArray<readonly [string, (row: TourRow) => string]> = [
  ['success rate', (row) => percent(row.successRate)],
  ['p99 latency', (row) => ms(row.p99)],
  ['attacks rejected', (row) => count(row.attacksRejected)],
  ['attacks that got through', (row) => count(row.attacksSucceeded)],
  ['keys moved', (row) => (row.keysMoved === undefined ? '–' : percent(row.keysMoved))],
];

/** One lesson's table, as plain text for a terminal. */
export function formatTourResult(result: TourResult): string {
  const header = ['', 'with palisade', 'without palisade'];
  const body = rows.map(([label, show]) => [label, show(result.palisade), show(result.baseline)]);
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('   ')}`;
  const { lesson, challenge, elapsedMs } = result;
  return [
    `${lesson.number}. ${lesson.title}`,
    `  ${lesson.summary}`,
    '',
    line(header),
    ...body.map(line),
    '',
    `  try this: ${lesson.challenge.text}`,
    `  in the scripted run: ${challenge.passed ? 'met' : 'not met'} (${challenge.measured})`,
    `  ran ${(lesson.durationMs / 1000).toFixed(0)} s of simulated time in ${(elapsedMs / 1000).toFixed(2)} s`,
  ].join('\n');
}
