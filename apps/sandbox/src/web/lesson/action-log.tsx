import { memo } from 'react';
import type { TimedAction } from '../../lessons/lesson.ts';
import { describeAction } from '../control-state.ts';
import { formatClock } from '../format.ts';

/** What has been done to this run so far, and when: exactly what a shared link replays. */
export const ActionLog = memo(function ActionLog({ actions }: { readonly actions: readonly TimedAction[] }) {
  return (
    <section className="action-log" aria-labelledby="action-log-heading">
      <h2 id="action-log-heading">What happened</h2>
      {actions.length === 0 ? (
        <p className="empty">Nothing yet. Your actions, and those of a shared run, are listed here with their time.</p>
      ) : (
        <ol>
          {actions.map((timed, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the list only grows at its end, so an index names one action for good
            <li key={index}>
              <time>{formatClock(timed.at)}</time> {describeAction(timed.action)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
});
