import { useState } from 'react';
import type { WorldView } from '../../lessons/lesson.ts';
import { Topology } from '../panels/topology.tsx';
import { TopologyLegend } from '../panels/topology-legend.tsx';

type Side = 'palisade' | 'baseline';

/**
 * Both networks, side by side. On a narrow screen one shows at a time and
 * a switch picks which; the challenge's numbers above keep both sides in
 * view.
 */
export function Networks({ views }: { readonly views: readonly WorldView[] }) {
  const [shown, setShown] = useState<Side>('palisade');
  return (
    <section className="networks" aria-labelledby="networks-heading" data-show={shown}>
      <h2 id="networks-heading" className="visually-hidden">
        The network, with and without palisade
      </h2>
      <fieldset className="side-switch">
        <legend className="visually-hidden">Which network to show</legend>
        {views.map((view) => {
          const side: Side = view.palisade ? 'palisade' : 'baseline';
          return (
            <button
              key={view.label}
              type="button"
              className={`side-switch-${side}`}
              aria-pressed={shown === side}
              onClick={() => setShown(side)}
            >
              <span aria-hidden="true">{view.palisade ? '◆ ' : '◇ '}</span>
              {view.label}
            </button>
          );
        })}
      </fieldset>
      <div className="network-pair">
        {views.map((view) => (
          <div
            key={view.label}
            className={`network side ${view.palisade ? 'side-palisade' : 'side-baseline'}`}
            data-side={view.palisade ? 'palisade' : 'baseline'}
          >
            <h3 className="side-label">
              <span className="side-mark" aria-hidden="true">
                {view.palisade ? '◆' : '◇'}
              </span>{' '}
              {view.label}
            </h3>
            <Topology view={view} />
          </div>
        ))}
      </div>
      <details className="legend-details">
        <summary>What the drawing means</summary>
        <TopologyLegend />
      </details>
    </section>
  );
}
