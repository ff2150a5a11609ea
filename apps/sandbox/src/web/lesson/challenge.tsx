import { memo } from 'react';
import type { ChallengeResult } from '../../lessons/lesson.ts';

/**
 * The measured challenge. Only the pass/fail line is a live region, so a
 * screen reader hears when it flips, not every change of the measurement.
 */
export const Challenge = memo(function Challenge(props: {
  readonly text: string;
  readonly result: ChallengeResult | undefined;
  readonly completedBefore: boolean;
}) {
  const passed = props.result?.passed === true;
  return (
    <section
      className={`challenge ${passed ? 'passed' : 'pending'}`}
      aria-labelledby="challenge-heading"
      data-challenge={passed ? 'passed' : 'pending'}
    >
      <h2 id="challenge-heading">Try this</h2>
      <p>{props.text}</p>
      <p className="challenge-status" role="status">
        <span aria-hidden="true">{passed ? '✓ ' : '○ '}</span>
        {passed ? 'Challenge passed' : 'Not passed yet'}
      </p>
      <p className="challenge-measured">
        <span className="label">Measured now:</span> {props.result?.measured ?? '…'}
      </p>
      {props.completedBefore && !passed && (
        <p className="hint">You have passed this challenge before; it is checked live, so it can change.</p>
      )}
    </section>
  );
});
