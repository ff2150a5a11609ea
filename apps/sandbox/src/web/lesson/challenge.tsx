import { memo } from 'react';
import type { ChallengeResult } from '../../lessons/lesson.ts';
import { formatClock } from '../format.ts';

/**
 * The challenge, with the one number it measures for each side. The
 * pass/fail line is the only live region, so a screen reader hears when it
 * flips, not every change of the measurement. Once passed, it stays passed
 * for this run: it says when.
 */
export const Challenge = memo(function Challenge(props: {
  readonly text: string;
  readonly measures: string;
  readonly result: ChallengeResult | undefined;
  readonly baseline: ChallengeResult | undefined;
  readonly passedAt: number | undefined;
  readonly time: number;
  readonly completedBefore: boolean;
}) {
  const { result, passedAt, time } = props;
  const passed = passedAt !== undefined;
  const holding = !passed ? result?.holding : undefined;
  const heldFor = holding === undefined ? 0 : Math.max(0, Math.min(time - holding.since, holding.needMs));
  return (
    <section
      className={`challenge ${passed ? 'passed' : 'pending'}`}
      aria-labelledby="challenge-heading"
      data-challenge={passed ? 'passed' : 'pending'}
    >
      <h2 id="challenge-heading" className="challenge-heading">
        Challenge
      </h2>
      <p className="challenge-text">{props.text}</p>
      <div className="scores">
        <p className="score score-palisade">
          <span className="score-side">
            <span aria-hidden="true">◆ </span>with palisade
          </span>{' '}
          <strong className="score-value" data-side="palisade">
            {result?.value ?? '…'}
          </strong>
        </p>
        <p className="score score-baseline">
          <span className="score-side">
            <span aria-hidden="true">◇ </span>without
          </span>{' '}
          <strong className="score-value" data-side="baseline">
            {props.baseline?.value ?? '…'}
          </strong>
        </p>
        <p className="score-measures">{props.measures}</p>
      </div>
      <p className="challenge-status" role="status">
        <span aria-hidden="true">{passed ? '✓ ' : '○ '}</span>
        {passed ? `Challenge passed at ${formatClock(passedAt)}` : 'Not passed yet'}
      </p>
      {holding !== undefined && (
        <p className="challenge-holding">
          <progress max={holding.needMs} value={heldFor} aria-label="How long the challenge’s condition has held" />{' '}
          holding for {(heldFor / 1000).toFixed(1)} of {(holding.needMs / 1000).toFixed(0)} s
        </p>
      )}
      <p className="challenge-measured">
        <span className="label">Measured now:</span> {result?.measured ?? '…'}
      </p>
      {props.completedBefore && !passed && (
        <p className="hint">You have passed this challenge before; each run is measured afresh.</p>
      )}
    </section>
  );
});
