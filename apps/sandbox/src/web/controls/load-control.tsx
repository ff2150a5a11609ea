import { useEffect, useId, useRef, useState } from 'react';

const COMMIT_AFTER_MS = 250;

/**
 * The offered load. Dragging would record an action per pixel, so the value
 * is applied once the slider has been still for a moment.
 */
export function LoadControl(props: {
  /** The load last set, if any. */
  readonly set: number | undefined;
  /** Requests that started in the last full second, to show before anything was set. */
  readonly observed: number;
  readonly onLoad: (rps: number) => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState<number | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const current = draft ?? props.set ?? Math.round(props.observed / 10) * 10;
  const max = Math.max(2_000, Math.ceil((current * 2) / 1_000) * 1_000);
  const { onLoad } = props;
  const change = (value: number): void => {
    setDraft(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      onLoad(value);
      setDraft(undefined);
    }, COMMIT_AFTER_MS);
  };
  return (
    <div className="load-control">
      <label htmlFor={id}>
        Load: {props.set === undefined && draft === undefined ? 'about ' : ''}
        <strong>{current.toLocaleString('en')}</strong> requests per second
      </label>
      <input
        id={id}
        type="range"
        min={0}
        max={max}
        step={10}
        value={current}
        aria-valuetext={`${current} requests per second`}
        onChange={(event) => change(Number(event.currentTarget.value))}
      />
    </div>
  );
}
