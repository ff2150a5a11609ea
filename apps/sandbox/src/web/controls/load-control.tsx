import { useEffect, useId, useRef, useState } from 'react';

const COMMIT_AFTER_MS = 250;

/**
 * The offered load. Dragging would record an action per pixel, so the value
 * is applied once the slider has been still for a moment.
 */
export function LoadControl(props: {
  /** Requests per second the world offers now, where it says. */
  readonly offered: number | undefined;
  /** The load last set by an action, if any. */
  readonly set: number | undefined;
  /** Requests that started in the last full second: the fallback when the world does not say. */
  readonly observed: number;
  readonly range: { readonly min: number; readonly max: number; readonly step: number } | undefined;
  readonly onLoad: (rps: number) => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState<number | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const known = props.offered ?? props.set;
  // Keep showing the learner's value until the world has taken it, so the thumb does not jump back for a frame.
  useEffect(() => {
    if (draft !== undefined && known === draft) setDraft(undefined);
  }, [draft, known]);
  const step = props.range?.step ?? 10;
  const current = draft ?? known ?? Math.round(props.observed / step) * step;
  const min = props.range?.min ?? 0;
  const max = props.range?.max ?? Math.max(2_000, Math.ceil((current * 2) / 1_000) * 1_000);
  const { onLoad } = props;
  const change = (value: number): void => {
    setDraft(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => onLoad(value), COMMIT_AFTER_MS);
  };
  return (
    <div className="load-control">
      <label htmlFor={id}>
        Load: {known === undefined && draft === undefined ? 'about ' : ''}
        <strong>{current.toLocaleString('en')}</strong> requests per second
      </label>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={Math.min(max, Math.max(min, current))}
        aria-valuetext={`${current} requests per second`}
        onChange={(event) => change(Number(event.currentTarget.value))}
      />
    </div>
  );
}
