import { memo } from 'react';
import type { Action, LessonStep, TimedAction } from '../../lessons/lesson.ts';
import { sameAction } from '../control-state.ts';
import { formatClock } from '../format.ts';

/**
 * The guided steps. Every step stays reachable: the learner can go back to
 * re-read one, or do its action again, at any time.
 */
export const Steps = memo(function Steps(props: {
  readonly steps: readonly LessonStep[];
  readonly current: number;
  readonly actions: readonly TimedAction[];
  readonly onSelect: (index: number) => void;
  readonly onDo: (action: Action) => void;
}) {
  const { steps, current, actions, onSelect, onDo } = props;
  if (steps.length === 0) return null;
  const doneAt = (step: LessonStep): number | undefined => {
    const { action } = step;
    return action === undefined
      ? undefined
      : actions.find((timed) => sameAction(timed.action, action.actions[0] as Action))?.at;
  };
  return (
    <section className="steps" aria-labelledby="steps-heading">
      <h2 id="steps-heading">
        Steps{' '}
        <span className="step-count">
          (step {current + 1} of {steps.length})
        </span>
      </h2>
      <ol>
        {steps.map((step, index) => {
          const at = doneAt(step);
          const open = index === current;
          return (
            <li
              key={step.title}
              className={`step${open ? ' current' : ''}${at !== undefined ? ' done' : ''}`}
              aria-current={open ? 'step' : undefined}
            >
              <button
                type="button"
                className="step-title"
                aria-expanded={open}
                aria-controls={`step-${index}`}
                onClick={() => onSelect(index)}
              >
                <span className="step-marker" aria-hidden="true">
                  {at !== undefined ? '✓' : index + 1}
                </span>
                {step.title}
                {at !== undefined && <span className="visually-hidden"> (done)</span>}
              </button>
              {open && (
                <div id={`step-${index}`} className="step-body">
                  <p>{step.text}</p>
                  {step.action !== undefined && (
                    <p className="step-action">
                      <button
                        type="button"
                        className="primary"
                        onClick={() => {
                          for (const a of step.action!.actions) onDo(a);
                        }}
                      >
                        {step.action.label}
                      </button>
                      {at !== undefined && <span className="done-note"> Done at {formatClock(at)}.</span>}
                    </p>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ol>
      <div className="step-nav">
        <button type="button" onClick={() => onSelect(current - 1)} disabled={current === 0}>
          ← Previous step
        </button>
        <button type="button" onClick={() => onSelect(current + 1)} disabled={current === steps.length - 1}>
          Next step →
        </button>
      </div>
    </section>
  );
});
