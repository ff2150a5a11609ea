import { useEffect, useRef, useState } from 'react';
import type { TimedAction } from '../../lessons/lesson.ts';
import { describeAction } from '../control-state.ts';
import { formatClock } from '../format.ts';

export const SPEEDS = [0.25, 0.5, 1, 2, 5, 10] as const;
/** Dragging would replay on every pixel; the moment is taken once the thumb rests this long. */
const SETTLE_MS = 150;

/**
 * Play, pause, speed, and the run's timeline: a slider over everything the
 * run has reached (and, after a rewind, everything recorded), with a mark
 * at each action. Dragging it replays the run to that moment.
 */
export function Timeline(props: {
  readonly time: number;
  readonly end: number;
  readonly actions: readonly TimedAction[];
  readonly scheduled: readonly TimedAction[];
  readonly playing: boolean;
  readonly speed: number;
  readonly effectiveSpeed: number;
  readonly seeking: number | undefined;
  readonly onPlay: () => void;
  readonly onPause: () => void;
  readonly onStep: () => void;
  readonly onSpeed: (speed: number) => void;
  readonly onScrub: (ms: number) => void;
  readonly onRestart: () => void;
}) {
  const [draft, setDraft] = useState<number | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const { onScrub } = props;
  const commit = (value: number): void => {
    clearTimeout(timer.current);
    onScrub(value);
    setDraft(undefined);
  };
  const change = (value: number): void => {
    setDraft(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => commit(value), SETTLE_MS);
  };
  const end = Math.max(props.end, props.time, 1_000);
  const shown = draft ?? props.seeking ?? props.time;
  const state =
    props.seeking !== undefined
      ? `replaying to ${formatClock(props.seeking)}`
      : props.playing
        ? props.effectiveSpeed < props.speed * 0.85
          ? `running at ${props.effectiveSpeed.toFixed(1)}×, as fast as this computer can`
          : 'running'
        : 'paused';
  return (
    <fieldset className="control-group timeline">
      <legend>Time</legend>
      <button
        type="button"
        className="primary play-button"
        onClick={props.playing ? props.onPause : props.onPlay}
        aria-keyshortcuts="k"
      >
        <span aria-hidden="true">{props.playing ? '❚❚ ' : '▶ '}</span>
        {props.playing ? 'Pause' : 'Play'}
      </button>
      <p className="clock" aria-live="off">
        <span className="visually-hidden">Simulated time </span>
        <time>{formatClock(props.time)}</time>
        <span className="clock-state"> {state}</span>
      </p>
      <div className="scrubber">
        <input
          type="range"
          min={0}
          max={end}
          step={100}
          value={Math.min(end, shown)}
          aria-label="Timeline: move to a moment of the run"
          aria-valuetext={formatClock(shown)}
          onChange={(event) => change(Number(event.currentTarget.value))}
          onPointerUp={(event) => commit(Number(event.currentTarget.value))}
          onKeyUp={(event) => commit(Number(event.currentTarget.value))}
        />
        <ol className="scrubber-marks" aria-hidden="true">
          {[...props.actions, ...props.scheduled].map((timed, index) => (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: two actions can share a moment; the list is redrawn whole
              key={index}
              className={index < props.actions.length ? 'mark done' : 'mark ahead'}
              style={{ left: `${(100 * timed.at) / end}%` }}
              title={`${formatClock(timed.at)} ${describeAction(timed.action)}`}
            />
          ))}
        </ol>
        <span className="scrubber-end" aria-hidden="true">
          {formatClock(end)}
        </span>
      </div>
      <button type="button" onClick={props.onStep} disabled={props.playing}>
        Step 1 s
      </button>
      <label className="inline-field">
        Speed{' '}
        <select value={props.speed} onChange={(event) => props.onSpeed(Number(event.currentTarget.value))}>
          {SPEEDS.map((speed) => (
            <option key={speed} value={speed}>
              {speed}×
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={props.onRestart}>
        Start over
      </button>
    </fieldset>
  );
}
