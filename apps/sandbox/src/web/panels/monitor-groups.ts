import type { MonitorEntry } from '../../sim/monitor.ts';

/** Lines the monitoring log shows. */
export const MONITOR_LINES_SHOWN = 40;

/** One line of the log: an entry, or the same entry repeated. */
export interface MonitorGroup {
  readonly kind: MonitorEntry['kind'];
  readonly text: string;
  /** The newest and the oldest time it was logged, among the entries looked at. */
  readonly last: number;
  readonly first: number;
  readonly count: number;
}

/**
 * Newest first, with repeats folded into one line: a handshake refused
 * every second must not push an alarm out of sight. A line sits where its
 * newest repeat is.
 */
export function groupMonitorEntries(entries: readonly MonitorEntry[], shown: number): MonitorGroup[] {
  const groups = new Map<
    string,
    { kind: MonitorEntry['kind']; text: string; last: number; first: number; count: number }
  >();
  for (let i = entries.length - 1; i >= 0 && groups.size <= shown; i--) {
    const entry = entries[i] as MonitorEntry;
    const id = `${entry.kind}\u0000${entry.text}`;
    const group = groups.get(id);
    if (group === undefined)
      groups.set(id, { kind: entry.kind, text: entry.text, last: entry.at, first: entry.at, count: 1 });
    else {
      group.first = entry.at;
      group.count++;
    }
  }
  return [...groups.values()].slice(0, shown);
}

/** What the log shows: alarms first (an operator must not miss them), then the rest, newest first. */
export function monitorLines(entries: readonly MonitorEntry[], shown: number): MonitorGroup[] {
  return groupMonitorEntries(entries, shown).sort((a, b) => Number(b.kind === 'alert') - Number(a.kind === 'alert'));
}
