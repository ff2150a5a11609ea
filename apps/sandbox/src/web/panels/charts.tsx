import { memo, useMemo, useRef } from 'react';
import type { WorldView } from '../../lessons/lesson.ts';
import type { FaultPeriod, WindowStats } from '../../sim/metrics.ts';
import { formatClock } from '../format.ts';
import { chartColours } from '../palette.ts';
import { type ChartData, type ChartLine, SeriesChart } from './series-chart.tsx';

const throughputLines: readonly ChartLine[] = [{ label: 'successful requests/s', colour: chartColours.throughput }];
const successLines: readonly ChartLine[] = [{ label: 'success rate', colour: chartColours.success }];
const latencyLines: readonly ChartLine[] = [
  { label: 'p50 (half were faster)', colour: chartColours.p50 },
  { label: 'p99 (99 in 100 were faster)', colour: chartColours.p99, dash: [6, 4] },
];
const formatCount = (value: number): string => Math.round(value).toLocaleString('en');
const formatShare = (value: number): string => `${Math.round(value)}%`;
const formatLatency = (value: number): string =>
  value >= 1000 ? `${Number((value / 1000).toFixed(2))} s` : `${Math.round(value)} ms`;

/** The seconds that are over (the world's series holds only those; this guards a view read mid-second). */
export function completeSeconds(view: WorldView): readonly WindowStats[] {
  return view.series.filter((second) => second.to <= view.time);
}

/**
 * The complete seconds, as the same array until another second completes:
 * the charts then redraw once per simulated second, not once per frame.
 */
export function useCompleteSeconds(view: WorldView): readonly WindowStats[] {
  const cache = useRef<{ count: number; seconds: readonly WindowStats[] }>({ count: -1, seconds: [] });
  const count = Math.floor(view.time / 1000);
  if (cache.current.count !== count) cache.current = { count, seconds: completeSeconds(view) };
  return cache.current.seconds;
}

/** Both worlds' axes use the same ranges, so the two sides can be compared at a glance. */
export interface SharedRanges {
  readonly throughput: number;
  readonly latency: number;
}

export function sharedRanges(seconds: readonly (readonly WindowStats[])[]): SharedRanges {
  let throughput = 1;
  let latency = 10;
  for (const list of seconds) {
    for (const second of list) {
      throughput = Math.max(throughput, second.throughput);
      latency = Math.max(latency, second.p99);
    }
  }
  return { throughput: niceCeiling(throughput * 1.1), latency: niceCeiling(latency * 1.1) };
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** Throughput, success rate and latency for one world, a point per simulated second. */
export const Charts = memo(function Charts({
  seconds,
  faults,
  throughputMax,
  latencyMax,
}: {
  readonly seconds: readonly WindowStats[];
  readonly faults: readonly FaultPeriod[];
  readonly throughputMax: number;
  readonly latencyMax: number;
}) {
  const data = useMemo(() => {
    const x = seconds.map((second) => second.to / 1000);
    return {
      throughput: { x, ys: [seconds.map((second) => second.throughput)] } satisfies ChartData,
      success: { x, ys: [seconds.map((second) => second.successRate * 100)] } satisfies ChartData,
      latency: {
        x,
        ys: [seconds.map((second) => second.p50), seconds.map((second) => second.p99)],
      } satisfies ChartData,
    };
  }, [seconds]);
  return (
    <div className="charts">
      <SeriesChart
        title="Throughput"
        lines={throughputLines}
        data={data.throughput}
        max={throughputMax}
        faults={faults}
        format={formatCount}
      />
      <SeriesChart
        title="Success rate"
        lines={successLines}
        data={data.success}
        max={100}
        faults={faults}
        format={formatShare}
      />
      <SeriesChart
        title="Latency of successful requests"
        lines={latencyLines}
        data={data.latency}
        max={latencyMax}
        faults={faults}
        format={formatLatency}
      />
      {faults.length > 0 && (
        <p className="chart-note">
          Shaded while a fault lasted:{' '}
          {faults
            .map(
              (fault) =>
                `${fault.label} ${formatClock(fault.from)}–${fault.to === undefined ? '' : formatClock(fault.to)}`,
            )
            .join('; ')}
          .
        </p>
      )}
    </div>
  );
});
