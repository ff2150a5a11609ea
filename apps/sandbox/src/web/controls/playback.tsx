import { formatClock } from '../format.ts';

export const SPEEDS = [0.25, 0.5, 1, 2, 5, 10] as const;

/** Play, pause, step and speed: always offered, whatever the lesson. */
export function Playback(props: {
  readonly time: number;
  readonly playing: boolean;
  readonly speed: number;
  readonly effectiveSpeed: number;
  readonly seeking: number | undefined;
  readonly onPlay: () => void;
  readonly onPause: () => void;
  readonly onStep: () => void;
  readonly onSpeed: (speed: number) => void;
  readonly onRestart: () => void;
}) {
  return (
    <fieldset className="control-group playback">
      <legend>Time</legend>
      <p className="clock" aria-live="off">
        <span className="visually-hidden">Simulated time </span>
        <time>{formatClock(props.time)}</time>
        <span className="clock-state">
          {props.seeking !== undefined
            ? ` fast-forwarding to ${formatClock(props.seeking)}`
            : props.playing
              ? props.effectiveSpeed < props.speed * 0.85
                ? ` running at ${props.effectiveSpeed.toFixed(1)}×, as fast as this computer can`
                : ' running'
              : ' paused'}
        </span>
      </p>
      <button
        type="button"
        className="primary play-button"
        onClick={props.playing ? props.onPause : props.onPlay}
        aria-keyshortcuts="k"
      >
        <span aria-hidden="true">{props.playing ? '❚❚ ' : '▶ '}</span>
        {props.playing ? 'Pause' : 'Play'}
      </button>
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
