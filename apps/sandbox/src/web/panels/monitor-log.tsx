import { memo } from 'react';
import type { MonitorEntry, MonitorKind } from '../../sim/monitor.ts';
import { formatClock } from '../format.ts';
import { MONITOR_LINES_SHOWN, monitorLines } from './monitor-groups.ts';

const tone: Partial<Record<MonitorKind, 'bad' | 'good' | 'info'>> = {
  'breaker opened': 'bad',
  'endpoint ejected': 'bad',
  'node down': 'bad',
  alert: 'bad',
  'breaker closed': 'good',
  'node up': 'good',
  'key rotated': 'good',
  'message rejected': 'info',
  'token refused': 'info',
  'handshake refused': 'info',
  'key revoked': 'info',
};

/** Alarms first, then newest first, repeats folded into one line: what an operator would be paged about. */
export const MonitorLog = memo(function MonitorLog({
  entries,
  palisade,
}: {
  readonly entries: readonly MonitorEntry[];
  readonly palisade: boolean;
  /** The world appends to `entries` in place; a new last entry is what tells memo to redraw. */
  readonly last: MonitorEntry | undefined;
}) {
  if (entries.length === 0) {
    return (
      <p className="empty">
        {palisade
          ? 'Nothing to report yet. Breaker trips, refused messages and key changes will appear here.'
          : 'Nothing reported. Without palisade, much of what goes wrong is never noticed.'}
      </p>
    );
  }
  const groups = monitorLines(entries, MONITOR_LINES_SHOWN);
  return (
    <ol className="monitor-log" aria-label={`${entries.length} monitoring entries, newest first, repeats folded`}>
      {groups.map((group) => (
        <li key={`${group.kind}-${group.text}`} className={`entry tone-${tone[group.kind] ?? 'info'}`}>
          <span className="entry-time">{formatClock(group.last)}</span>
          <span className="entry-kind">
            {group.kind}
            {group.count > 1 && <span className="entry-count"> ×{group.count}</span>}
          </span>
          <span className="entry-text">
            {group.text}
            {group.count > 1 && <span className="entry-since"> (since {formatClock(group.first)})</span>}
          </span>
        </li>
      ))}
    </ol>
  );
});
