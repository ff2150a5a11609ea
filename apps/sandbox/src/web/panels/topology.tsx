import { useRef } from 'react';
import type { LinkView, NodeView, WorldView } from '../../lessons/lesson.ts';
import { formatPercent, formatRate } from '../format.ts';
import { breakerStateLabel, errorRateColour, nodeStateStyle } from '../palette.ts';
import { useSize } from '../use-size.ts';
import { describeTopology } from './topology-description.ts';
import { LINE_HEIGHT, layoutTopology, NODE_RADIUS, type Point } from './topology-layout.ts';

const FALLBACK = { width: 520, height: 320 };
/**
 * Beyond this many links, traffic no longer flows along them (busy links
 * are still drawn thicker): dozens of moving dashes say nothing more, and
 * redrawing them every frame costs a busy machine its frame rate.
 */
const MOVING_LINKS_MAX = 20;

/**
 * The network as a graph: nodes with their state, links with theirs,
 * breakers as Hystrix-style badges. Drawn at the size of its box, one SVG
 * unit to one CSS pixel, so labels are the same size on a phone and on a
 * desktop.
 */
export function Topology({ view }: { readonly view: WorldView }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const { width, height } = useSize(boxRef, FALLBACK);
  const layout = layoutTopology(view.nodes, width, height);
  const maxRate = Math.max(1, ...view.nodes.map((node) => node.breaker?.requestRate ?? 0));
  return (
    <div ref={boxRef} className="topology-box">
      <svg
        className={`topology${view.links.length > MOVING_LINKS_MAX ? ' many-links' : ''}`}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={describeTopology(view)}
      >
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
              <Node key={node.id} node={node} at={at} maxRate={maxRate} lines={layout.lines} narrow={layout.narrow} />
            );
          })}
        </g>
      </svg>
    </div>
  );
}

function linkClass(link: LinkView): string {
  const classes = ['link'];
  if (link.revoked === true) classes.push('revoked');
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
  readonly lines: 2 | 3;
  readonly narrow: boolean;
}) {
  const { node, at, maxRate } = props;
  const style = nodeStateStyle[node.state];
  // On a phone the badge alone shows the breaker (its title says which state); an open one is still written out.
  const breaker =
    node.breaker === undefined || (props.narrow && node.breaker.state === 'closed') ? undefined : node.breaker;
  const state =
    breaker === undefined
      ? style.label
      : `${style.label} · ${props.narrow ? '' : 'breaker '}${breakerStateLabel[breaker.state]}`;
  const lines = [node.id, state];
  if (node.note !== undefined && props.lines === 3) lines.push(node.note);
  const r = NODE_RADIUS;
  return (
    <g className={`node node-${node.kind} state-${node.state}`} transform={`translate(${at.x} ${at.y})`}>
      {node.kind === 'attacker' ? (
        <path className="node-shape" d={`M0 ${-r} L${r} ${r * 0.8} L${-r} ${r * 0.8} Z`} fill={style.fill} />
      ) : node.kind === 'client' ? (
        <rect className="node-shape" x={-r} y={-r * 0.75} width={r * 2} height={r * 1.5} rx="4" fill={style.fill} />
      ) : (
        <circle className="node-shape" r={r} fill={style.fill} />
      )}
      <StateGlyph state={node.state} />
      {node.breaker !== undefined && <BreakerBadge breaker={node.breaker} maxRate={maxRate} />}
      <text className="node-label" y={r + LINE_HEIGHT} textAnchor="middle">
        {lines.map((line, index) => (
          <tspan key={line} x="0" dy={index === 0 ? 0 : LINE_HEIGHT} className={index === 0 ? 'node-id' : undefined}>
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
  const radius = 3 + 7 * Math.sqrt(breaker.requestRate / maxRate);
  const colour = errorRateColour(breaker.errorRate);
  return (
    <g className={`breaker breaker-${breaker.state}`} transform={`translate(${NODE_RADIUS + 8} ${-NODE_RADIUS + 2})`}>
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
