import { memo, useEffect, useRef } from 'react';
import type { Action, LessonStep } from '../../lessons/lesson.ts';
import { formatClock } from '../format.ts';

/**
 * One step at a time, its caption tied to the picture beside it: what to
 * do, the button that does it, what to watch. The numbered pills reach any
 * step, earlier or later; moving to a step puts the focus on its button.
 */
export const Steps = memo(function Steps(props: {
  readonly steps: readonly LessonStep[];
  readonly current: number;
  /** When each step's button was done, if it was. */
  readonly doneAt: readonly (number | undefined)[];
  /** The step that starts the challenge's window, and how long it is. */
  readonly opensWindow: { readonly step: number; readonly ms: number } | undefined;
  readonly onSelect: (index: number) => void;
  readonly onDo: (actions: readonly Action[]) => void;
}) {
  const { steps, current, doneAt, onSelect, onDo } = props;
  const actionRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the step changes, to follow the learner there
  useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    (actionRef.current ?? headingRef.current)?.focus();
  }, [current]);
  if (steps.length === 0) return null;
  const go = (index: number): void => {
    if (index === current || index < 0 || index >= steps.length) return;
    moved.current = true;
    onSelect(index);
  };
  const step = steps[current] as LessonStep;
  const at = doneAt[current];
  const allDone = doneAt.every((done, index) => done !== undefined || steps[index]?.action === undefined);
  return (
    <section className="steps" aria-labelledby="step-heading">
      <ol className="step-pills" aria-label="Steps">
        {steps.map((candidate, index) => {
          const done = doneAt[index] !== undefined;
          return (
            <li key={candidate.title}>
              <button
                type="button"
                className={`step-pill${index === current ? ' current' : ''}${done ? ' done' : ''}`}
                aria-current={index === current ? 'step' : undefined}
                aria-label={`Step ${index + 1}: ${candidate.title}${done ? ' (done)' : ''}`}
                onClick={() => go(index)}
              >
                {done ? '✓' : index + 1}
              </button>
            </li>
          );
        })}
      </ol>
      <h2 id="step-heading" className="step-heading" tabIndex={-1} ref={headingRef}>
        <span className="step-count">
          Step {current + 1} of {steps.length}
        </span>{' '}
        {step.title}
      </h2>
      <p className="step-caption">{step.text}</p>
      {step.action !== undefined && (
        <p className="step-action">
          <button
            ref={actionRef}
            type="button"
            className={at === undefined ? 'primary' : undefined}
            onClick={() => onDo(step.action?.actions ?? [])}
          >
            {step.action.label}
          </button>
          {at !== undefined && <span className="done-note">Done at {formatClock(at)}.</span>}
          {props.opensWindow?.step === current && at === undefined && (
            <span className="window-note">The challenge measures the {props.opensWindow.ms / 1000} s after this.</span>
          )}
        </p>
      )}
      <div className="step-nav">
        <button type="button" onClick={() => go(current - 1)} disabled={current === 0}>
          ←<span className="wide-only"> Previous step</span>
        </button>
        <button
          type="button"
          className={at !== undefined && !allDone ? 'primary' : undefined}
          onClick={() => go(current + 1)}
          disabled={current === steps.length - 1}
        >
          Next<span className="wide-only"> step</span> →
        </button>
      </div>
    </section>
  );
});
