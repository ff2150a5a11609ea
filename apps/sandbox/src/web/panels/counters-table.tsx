import type { Counter, WorldView } from '../../lessons/lesson.ts';
import { formatValue } from '../format.ts';

/**
 * Counters from both worlds in one table: each row is one question ("how
 * many messages could the attacker read?") answered with and without palisade.
 */
export function CountersTable({ views }: { readonly views: readonly WorldView[] }) {
  const labels: string[] = [];
  const tones = new Map<string, Counter['tone']>();
  for (const view of views) {
    for (const counter of view.counters) {
      if (!tones.has(counter.label)) {
        labels.push(counter.label);
        tones.set(counter.label, counter.tone);
      }
    }
  }
  if (labels.length === 0) return <p className="empty">This world keeps no counters.</p>;
  return (
    <table className="counters">
      <thead>
        <tr>
          <th scope="col">What</th>
          {views.map((view) => (
            <th scope="col" key={view.label} className={view.palisade ? 'col-palisade' : 'col-baseline'}>
              {view.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {labels.map((label) => {
          const tone = tones.get(label);
          return (
            <tr key={label} data-counter={label}>
              <th scope="row">
                {label}
                {tone !== undefined && (
                  <span className="counter-direction">
                    {tone === 'good' ? ' ↑ higher is better' : ' ↓ lower is better'}
                  </span>
                )}
              </th>
              {views.map((view) => {
                const counter = view.counters.find((candidate) => candidate.label === label);
                return (
                  <td key={view.label} className={cellClass(counter)}>
                    <span className="counter-value">{counter === undefined ? '—' : formatValue(counter.value)}</span>
                    {counter !== undefined && flag(counter)}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * Tone says whether a rise is good or bad news. Only bad news is flagged on
 * the value itself: any count of, say, forged transfers is a problem, while
 * a "good" count can still be poor (80% success is no success story).
 */
function isBadNews(counter: Counter | undefined): boolean {
  if (counter?.tone !== 'bad') return false;
  if (typeof counter.value === 'number') return counter.value !== 0;
  // "0 of 200", "0.0%", "–": the number that leads is what counts.
  const leading = /^[^\d]*(\d[\d,.]*)/.exec(counter.value)?.[1];
  return leading !== undefined && Number(leading.replaceAll(',', '')) !== 0;
}

function cellClass(counter: Counter | undefined): string | undefined {
  return isBadNews(counter) ? 'tone-bad' : undefined;
}

function flag(counter: Counter) {
  return isBadNews(counter) ? <span className="tag tag-bad">bad</span> : null;
}
