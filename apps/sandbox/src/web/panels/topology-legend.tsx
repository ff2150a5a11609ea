import { nodeStateStyle } from '../palette.ts';

/** What the shapes, lines and colours of the topology mean, in words. */
export function TopologyLegend() {
  return (
    <div className="legend topology-legend">
      <ul aria-label="Node states">
        {Object.entries(nodeStateStyle).map(([state, style]) => (
          <li key={state}>
            <svg viewBox="-8 -8 16 16" width="14" height="14" aria-hidden="true">
              <circle r="7" fill={style.fill} />
            </svg>
            {style.label}
          </li>
        ))}
      </ul>
      <ul aria-label="Links">
        <li>
          <LinkSample className="secure active" /> encrypted (padlock)
        </li>
        <li>
          <LinkSample className="plain active" /> plain text
        </li>
        <li>
          <LinkSample className="attacked" /> under attack (dashed red)
        </li>
        <li>
          <LinkSample className="broken" /> cut (dotted, ✕)
        </li>
        <li>faint: no traffic in the last second</li>
      </ul>
      <p>
        Breaker badge (beside a node): bigger circle, more requests; green, yellow, orange, red as errors rise; the
        percentage is the error rate.
      </p>
    </div>
  );
}

function LinkSample({ className }: { readonly className: string }) {
  return (
    <svg viewBox="0 0 28 10" width="28" height="10" aria-hidden="true" className={`link ${className}`}>
      <line x1="1" y1="5" x2="27" y2="5" className={className.includes('attacked') ? 'link-attack' : 'link-line'} />
    </svg>
  );
}
