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
                {tone !== undefined && <span className="visually-hidden"> (higher is {tone})</span>}
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

/** Tone says whether a rise is good or bad news; zero is neither. */
function isNonZero(counter: Counter): boolean {
  return typeof counter.value === 'number' ? counter.value !== 0 : counter.value !== '';
}

function cellClass(counter: Counter | undefined): string | undefined {
  if (counter?.tone === undefined || !isNonZero(counter)) return undefined;
  return counter.tone === 'good' ? 'tone-good' : 'tone-bad';
}

function flag(counter: Counter) {
  if (counter.tone === undefined || !isNonZero(counter)) return null;
  return (
    <span className={`tag ${counter.tone === 'good' ? 'tag-good' : 'tag-bad'}`}>
      {counter.tone === 'good' ? 'good' : 'bad'}
    </span>
  );
}
