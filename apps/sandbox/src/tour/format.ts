import type { TourRow } from '../lessons/lesson.ts';
import { formatClock } from '../web/format.ts';
import type { TourResult } from './tour.ts';

const percent = (value: number) => `${(Math.floor(value * 1000 + 1e-9) / 10).toFixed(1)}%`;

interface Row {
  readonly key: keyof TourRow;
  readonly label: string;
  readonly show: (value: number) => string;
  /** Which way is better for the user. */
  readonly better: 'higher' | 'lower';
}

export const TOUR_ROWS: readonly Row[] = [
  { key: 'successRate', label: 'success rate', show: percent, better: 'higher' },
  { key: 'p99', label: 'p99 latency', show: (value) => `${value.toFixed(0)} ms`, better: 'lower' },
  { key: 'attacksRejected', label: 'attacks refused', show: String, better: 'higher' },
  { key: 'attacksSucceeded', label: 'attacks that got through', show: String, better: 'lower' },
  { key: 'keysMoved', label: 'keys moved by the last resize', show: percent, better: 'lower' },
];

/**
 * The rows of a lesson's table where palisade's figure looks worse than the
 * baseline's. A latency within 10% (or 5 ms) counts as the same.
 */
export function worseRows(palisade: TourRow, baseline: TourRow): (keyof TourRow)[] {
  return TOUR_ROWS.filter(({ key, better }) => {
    const a = palisade[key];
    const b = baseline[key];
    if (a === undefined || b === undefined) return false;
    if (key === 'p99') return a > b * 1.1 && a - b > 5;
    return better === 'higher' ? a < b : a > b;
  }).map((row) => row.key);
}

/** One lesson's table, as plain text for a terminal: the challenge first, then the figures, then why some look worse. */
export function formatTourResult(result: TourResult): string {
  const { lesson, passed, baselinePassed, elapsedMs } = result;
  const met = (pass: TourResult['passed']) => (pass === undefined ? 'not met' : `met at ${formatClock(pass.at)}`);
  const header = ['', 'with palisade', 'without palisade'];
  const body = [
    ['challenge', met(passed), met(baselinePassed)],
    [
      `  ${lesson.challenge.measures}`,
      (passed?.result ?? result.challenge).value,
      (baselinePassed?.result ?? result.baselineChallenge).value,
    ],
    ...TOUR_ROWS.filter(({ key }) => result.palisade[key] !== undefined || result.baseline[key] !== undefined).map(
      ({ key, label, show }) => [label, ...[result.palisade, result.baseline].map((row) => showValue(row[key], show))],
    ),
  ];
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('   ')}`;
  const worse = worseRows(result.palisade, result.baseline);
  const whys = worse.map((key) => {
    const label = TOUR_ROWS.find((row) => row.key === key)?.label ?? key;
    return `  trade-off, ${label}: ${lesson.tradeOffs[key] ?? '(not explained yet)'}`;
  });
  return [
    `${lesson.number}. ${lesson.title}`,
    `  ${lesson.summary}`,
    `  try this: ${lesson.challenge.text}`,
    passed === undefined
      ? `  the scripted run did not meet it: ${result.challenge.measured}`
      : `  the scripted run met it at ${formatClock(passed.at)}: ${passed.result.measured}`,
    '',
    line(header),
    ...body.map(line),
    ...(whys.length === 0 ? [] : ['', ...whys]),
    '',
    `  ran ${(lesson.durationMs / 1000).toFixed(0)} s of simulated time in ${(elapsedMs / 1000).toFixed(2)} s`,
  ].join('\n');
}

function showValue(value: number | undefined, show: (value: number) => string): string {
  return value === undefined ? '–' : show(value);
}
