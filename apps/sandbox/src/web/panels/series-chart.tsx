import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { FaultPeriod } from '../../sim/metrics.ts';
import { chartColours } from '../palette.ts';
import { useWidth } from '../use-width.ts';
import { labelLanes } from './label-lanes.ts';

export interface ChartLine {
  readonly label: string;
  readonly colour: string;
  readonly dash?: readonly number[];
}

export interface ChartData {
  /** Seconds. */
  readonly x: readonly number[];
  readonly ys: readonly (readonly number[])[];
}

const HEIGHT = 130;
const WINDOW_S = 60;

/**
 * One uPlot time series. uPlot draws on a canvas and owns its DOM, so React
 * only creates it, resizes it and hands it new data.
 */
export function SeriesChart(props: {
  readonly title: string;
  readonly lines: readonly ChartLine[];
  readonly data: ChartData;
  /** The top of the y axis; the bottom is 0. */
  readonly max: number;
  readonly faults: readonly FaultPeriod[];
  readonly format: (value: number) => string;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const faultsRef = useRef(props.faults);
  const maxRef = useRef(props.max);
  faultsRef.current = props.faults;
  maxRef.current = props.max;
  const width = useWidth(boxRef, 300);
  const { lines, format } = props;

  useEffect(() => {
    const box = boxRef.current;
    if (box === null) return;
    const options: uPlot.Options = {
      width: box.clientWidth || 300,
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: {
          time: false,
          // The last minute, from 0 while the run is younger than that.
          range: (_plot, _min, max) => [Math.max(0, (max ?? 0) - WINDOW_S), Math.max(max ?? 0, 5)],
        },
        y: { range: () => [0, maxRef.current] },
      },
      axes: [
        {
          stroke: '#4a5568',
          grid: { stroke: '#e2e8f0' },
          ticks: { show: false },
          incrs: [1, 2, 5, 10, 15, 30, 60],
          values: (_, ticks) => ticks.map((t) => `${t}s`),
        },
        {
          stroke: '#4a5568',
          grid: { stroke: '#e2e8f0' },
          ticks: { show: false },
          size: 54,
          values: (_, ticks) => ticks.map(format),
        },
      ],
      series: [
        {},
        ...lines.map((line) => ({
          stroke: line.colour,
          width: 2,
          dash: line.dash ? [...line.dash] : undefined,
          points: { show: false },
        })),
      ],
      hooks: { drawClear: [(plot: uPlot) => shadeFaults(plot, faultsRef.current)] },
    };
    const plot = new uPlot(options, [[], ...lines.map(() => [])], box);
    plotRef.current = plot;
    return () => {
      plot.destroy();
      plotRef.current = null;
    };
  }, [lines, format]);

  useEffect(() => {
    plotRef.current?.setSize({ width, height: HEIGHT });
  }, [width]);

  const { data } = props;
  useEffect(() => {
    plotRef.current?.setData([[...data.x], ...data.ys.map((y) => [...y])]);
  }, [data]);

  const latest = data.ys.map((y) => y.at(-1));
  const summary = props.lines
    .map(
      (line, index) => `${line.label} ${latest[index] === undefined ? 'no data yet' : format(latest[index] as number)}`,
    )
    .join(', ');
  return (
    <figure className="chart">
      <figcaption>
        <span className="chart-title">{props.title}</span>
        <span className="chart-latest">
          {data.x.length === 0 ? 'waiting for the first second' : `last second: ${summary}`}
        </span>
      </figcaption>
      <div ref={boxRef} className="chart-canvas" role="img" aria-label={`${props.title}, ${summary}`} />
      {props.lines.length > 1 && (
        <ul className="legend chart-legend">
          {props.lines.map((line) => (
            <li key={line.label}>
              <svg viewBox="0 0 24 6" width="24" height="6" aria-hidden="true">
                <line
                  x1="0"
                  y1="3"
                  x2="24"
                  y2="3"
                  stroke={line.colour}
                  strokeWidth="2"
                  strokeDasharray={line.dash?.join(' ')}
                />
              </svg>
              {line.label}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** Rows of fault names at the top of a chart; a name with no room in any row is left out (the list below has it). */
const LABEL_LANES = 3;

/**
 * Shades each fault period behind the lines, with its name at the top.
 * Names never overlap: each goes in the first row where it fits.
 */
function shadeFaults(plot: uPlot, faults: readonly FaultPeriod[]): void {
  const { ctx, bbox } = plot;
  const xs = plot.data[0];
  const last = xs.at(-1);
  if (last === undefined) return;
  const ratio = devicePixelRatio;
  ctx.save();
  ctx.font = `${11 * ratio}px system-ui, sans-serif`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  const shaded: { label: string; left: number }[] = [];
  for (const fault of [...faults].sort((a, b) => a.from - b.from)) {
    const from = plot.valToPos(fault.from / 1000, 'x', true);
    const to = plot.valToPos(Math.min((fault.to ?? Number.POSITIVE_INFINITY) / 1000, last), 'x', true);
    const left = Math.max(bbox.left, from);
    const right = Math.min(bbox.left + bbox.width, to);
    if (right <= left) continue;
    ctx.fillStyle = chartColours.fault;
    ctx.fillRect(left, bbox.top, right - left, bbox.height);
    shaded.push({ label: fault.label, left: left + 3 * ratio });
  }
  // Names after all the shading, so no period paints over another's name.
  const spans = shaded.map((fault) => ({ left: fault.left, width: ctx.measureText(fault.label).width }));
  const lanes = labelLanes(spans, LABEL_LANES, 6 * ratio);
  ctx.fillStyle = chartColours.faultText;
  shaded.forEach((fault, index) => {
    const lane = lanes[index];
    const span = spans[index] as { left: number; width: number };
    if (lane === undefined || span.left + span.width > bbox.left + bbox.width) return;
    ctx.fillText(fault.label, fault.left, bbox.top + (2 + lane * 13) * ratio);
  });
  ctx.restore();
}
