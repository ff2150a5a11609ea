import { memo } from 'react';
import type { RingView } from '../../lessons/lesson.ts';
import { formatPercent } from '../format.ts';
import { shardColours } from '../palette.ts';
import { uniqueKeys } from '../unique-keys.ts';

const R = 100;

function polar(position: number, radius: number): { x: number; y: number } {
  const angle = position * 2 * Math.PI - Math.PI / 2;
  return { x: radius * Math.cos(angle), y: radius * Math.sin(angle) };
}

/** Consistent hashing as a circle: each key belongs to the next shard clockwise. */
export const HashRing = memo(function HashRing({ ring }: { readonly ring: RingView | undefined }) {
  if (ring === undefined)
    return <p className="empty">This world does not spread keys over shards, so it has no ring.</p>;
  const colourOf = new Map(ring.shards.map((shard, index) => [shard.id, shardColours[index % shardColours.length]]));
  const moved = ring.keys.filter((key) => key.moved).length;
  const keyIds = uniqueKeys(ring.keys, (key) => `${key.position}`);
  return (
    <figure className="hash-ring">
      <svg
        viewBox="-170 -135 340 270"
        role="img"
        aria-label={`Hash ring with ${ring.shards.length} shards. The last resize moved ${formatPercent(ring.movedShare)} of keys.`}
      >
        <circle r={R} className="ring-line" />
        {ring.keys.map((key, index) => {
          const at = polar(key.position, key.moved ? R - 14 : R - 8);
          const colour = colourOf.get(key.shard) ?? '#718096';
          return key.moved ? (
            <circle key={keyIds[index]} cx={at.x} cy={at.y} r="4" fill={colour} stroke="#1a202c" strokeWidth="1.5" />
          ) : (
            <circle key={keyIds[index]} cx={at.x} cy={at.y} r="2.2" fill={colour} />
          );
        })}
        {ring.shards.map((shard) => {
          const tick = polar(shard.position, R + 6);
          const label = polar(shard.position, R + 20);
          return (
            <g key={shard.id}>
              <circle cx={tick.x} cy={tick.y} r="5" fill={colourOf.get(shard.id)} stroke="#fff" />
              <text x={label.x} y={label.y + 4} textAnchor="middle" className="ring-label">
                {shard.id}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <p>
          Last resize moved <strong>{formatPercent(ring.movedShare)}</strong> of the keys.
          {moved > 0 && ` The ${moved} outlined dots are sample keys that moved.`}
        </p>
        <p className="hint">
          Big dots on the outside are shards; small dots are keys, coloured by the shard that owns them.
        </p>
      </figcaption>
    </figure>
  );
});
