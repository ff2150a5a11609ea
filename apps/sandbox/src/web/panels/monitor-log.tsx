import { memo } from 'react';
import type { MonitorEntry, MonitorKind } from '../../sim/monitor.ts';
import { formatClock } from '../format.ts';
import { uniqueKeys } from '../unique-keys.ts';

const SHOWN = 40;

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

/** Newest first: what an operator would be paged about. */
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
  const latest = entries.slice(-SHOWN).reverse();
  const keys = uniqueKeys(latest, (entry) => `${entry.at}-${entry.kind}-${entry.text}`);
  return (
    <ol className="monitor-log" aria-label={`${entries.length} monitoring entries, newest first`}>
      {latest.map((entry, index) => (
        <li key={keys[index]} className={`entry tone-${tone[entry.kind] ?? 'info'}`}>
          <span className="entry-time">{formatClock(entry.at)}</span>
          <span className="entry-kind">{entry.kind}</span>
          <span className="entry-text">{entry.text}</span>
        </li>
      ))}
    </ol>
  );
});
