import type { LinkView, NodeView, WorldView } from '../../lessons/lesson.ts';
import { formatPercent, formatRate } from '../format.ts';
import { breakerStateLabel, errorRateColour, nodeStateStyle } from '../palette.ts';
import { describeTopology } from './topology-description.ts';
import { layoutTopology, type Point } from './topology-layout.ts';

const NODE_RADIUS = 17;

/** The network as a graph: nodes with their state, links with theirs, breakers as Hystrix-style badges. */
export function Topology({ view }: { readonly view: WorldView }) {
  const layout = layoutTopology(view.nodes);
  const maxRate = Math.max(1, ...view.nodes.map((node) => node.breaker?.requestRate ?? 0));
  return (
    <svg className="topology" viewBox={layout.viewBox} role="img" aria-label={describeTopology(view)}>
      <g className="links">
        {view.links.map((link) => {
          const a = layout.positions.get(link.a);
          const b = layout.positions.get(link.b);
          if (a === undefined || b === undefined) return null;
          return <Link key={`${link.a}|${link.b}`} link={link} a={a} b={b} />;
        })}
      </g>
      <g className="nodes">
        {view.nodes.map((node) => {
          const at = layout.positions.get(node.id);
          return at === undefined ? null : (
            <Node key={node.id} node={node} at={at} maxRate={maxRate} compact={layout.compact} scale={layout.scale} />
          );
        })}
      </g>
    </svg>
  );
}

function linkClass(link: LinkView): string {
  const classes = ['link'];
  if (link.broken) classes.push('broken');
  else {
    classes.push(link.secure ? 'secure' : 'plain');
    if (link.active) classes.push('active');
  }
  if (link.attacked) classes.push('attacked');
  return classes.join(' ');
}

function Link({ link, a, b }: { readonly link: LinkView; readonly a: Point; readonly b: Point }) {
  const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  return (
    <g className={linkClass(link)}>
      <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} className="link-line" />
      {link.attacked && <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} className="link-attack" />}
      <g transform={`translate(${mid.x} ${mid.y})`}>
        {link.broken ? (
          <path className="mark-broken" d="M-5 -5 L5 5 M5 -5 L-5 5" />
        ) : link.secure ? (
          <g className="mark-lock">
            <path d="M-3.5 -2 V-5 a3.5 3.5 0 0 1 7 0 V-2" />
            <rect x="-5.5" y="-2" width="11" height="8" rx="1.5" />
          </g>
        ) : null}
        {link.attacked && (
          <g className="mark-attack" transform="translate(0 13)">
            <circle r="6" />
            <text y="3.5" textAnchor="middle">
              !
            </text>
          </g>
        )}
      </g>
    </g>
  );
}

function Node(props: {
  readonly node: NodeView;
  readonly at: Point;
  readonly maxRate: number;
  readonly compact: boolean;
  readonly scale: number;
}) {
  const { node, at, maxRate } = props;
  const style = nodeStateStyle[node.state];
  const lines = [node.id, style.label];
  if (node.note !== undefined && !props.compact) lines.push(node.note);
  if (node.breaker !== undefined) lines.push(`breaker ${breakerStateLabel[node.breaker.state]}`);
  return (
    <g
      className={`node node-${node.kind} state-${node.state}`}
      transform={`translate(${at.x} ${at.y}) scale(${props.scale})`}
    >
      {node.kind === 'attacker' ? (
        <path
          className="node-shape"
          d={`M0 ${-NODE_RADIUS} L${NODE_RADIUS} ${NODE_RADIUS * 0.8} L${-NODE_RADIUS} ${NODE_RADIUS * 0.8} Z`}
          fill={style.fill}
        />
      ) : node.kind === 'client' ? (
        <rect
          className="node-shape"
          x={-NODE_RADIUS}
          y={-NODE_RADIUS * 0.75}
          width={NODE_RADIUS * 2}
          height={NODE_RADIUS * 1.5}
          rx="4"
          fill={style.fill}
        />
      ) : (
        <circle className="node-shape" r={NODE_RADIUS} fill={style.fill} />
      )}
      <StateGlyph state={node.state} />
      {node.breaker !== undefined && <BreakerBadge breaker={node.breaker} maxRate={maxRate} />}
      <text className="node-label" y={NODE_RADIUS + 13} textAnchor="middle">
        {lines.map((line, index) => (
          <tspan key={line} x="0" dy={index === 0 ? 0 : 12} className={index === 0 ? 'node-id' : undefined}>
            {line}
          </tspan>
        ))}
      </text>
    </g>
  );
}

/** A second cue beside the colour: a cross for down, a clock for slow, and so on. */
function StateGlyph({ state }: { readonly state: NodeView['state'] }) {
  switch (state) {
    case 'down':
      return <path className="glyph" d="M-6 -6 L6 6 M6 -6 L-6 6" />;
    case 'slow':
      return (
        <g className="glyph">
          <circle r="7" fill="none" />
          <path d="M0 -4 V0 H4" fill="none" />
        </g>
      );
    case 'compromised':
      return (
        <text className="glyph-text" y="5" textAnchor="middle">
          !
        </text>
      );
    case 'revoked':
      return <path className="glyph" d="M-6 0 H6" />;
    default:
      return null;
  }
}

function BreakerBadge({
  breaker,
  maxRate,
}: {
  readonly breaker: NonNullable<NodeView['breaker']>;
  readonly maxRate: number;
}) {
  const radius = 4 + 9 * Math.sqrt(breaker.requestRate / maxRate);
  const colour = errorRateColour(breaker.errorRate);
  return (
    <g className={`breaker breaker-${breaker.state}`} transform={`translate(${NODE_RADIUS + 10} ${-NODE_RADIUS})`}>
      <title>
        {`Breaker ${breakerStateLabel[breaker.state]}: ${formatRate(breaker.requestRate)}, ${formatPercent(breaker.errorRate)} errors`}
      </title>
      <circle r={radius} fill={colour} fillOpacity="0.35" stroke={colour} />
      <text className="breaker-text" x={radius + 3} y="4">
        {formatPercent(breaker.errorRate, 0)}
      </text>
    </g>
  );
}
