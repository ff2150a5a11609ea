import type { NodeView } from '../../lessons/lesson.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface TopologyLayout {
  /** The SVG viewBox that holds every node with its labels, and no more. */
  readonly viewBox: string;
  /**
   * Many nodes: labels shrink to a name and a state, so nodes can sit
   * closer, and everything drawn at a node grows by `scale` to stay legible
   * once the wider drawing is fitted into the same panel.
   */
  readonly compact: boolean;
  readonly scale: number;
  readonly positions: ReadonlyMap<string, Point>;
}

/** Room around a node's centre for its shape, breaker badge and the label lines under it. */
const PAD = { left: 60, right: 80, top: 40, bottom: 78 };
/** The drawing width at which labels are drawn at their natural size. */
const BASE_WIDTH = 440;
const COMPACT_FROM = 6;

/**
 * Where requests come from, where they go, and who lurks in between. With
 * clients, they sit on the left and the other nodes fan out on an arc to
 * their right; without, the nodes stand in a circle. The attacker waits
 * below. The order of nodes in the view fixes their places, so a node keeps
 * its spot from frame to frame.
 */
export function layoutTopology(nodes: readonly NodeView[]): TopologyLayout {
  const clients = nodes.filter((node) => node.kind === 'client');
  const attackers = nodes.filter((node) => node.kind === 'attacker');
  const others = nodes.filter((node) => node.kind !== 'client' && node.kind !== 'attacker');
  const positions = new Map<string, Point>();
  const compact = others.length > COMPACT_FROM;
  if (clients.length > 0) fan(clients, others, positions, compact);
  else circle(others, positions);
  const ys = [...positions.values()].map((point) => point.y);
  const xs = [...positions.values()].map((point) => point.x);
  const below = ys.length === 0 ? 0 : Math.max(...ys) + 90;
  const middle = xs.length === 0 ? 0 : (Math.min(...xs) + Math.max(...xs)) / 2;
  attackers.forEach((node, index) => {
    positions.set(node.id, { x: middle + (index - (attackers.length - 1) / 2) * 90, y: below });
  });
  if (positions.size === 0) return { viewBox: '0 0 200 60', positions, compact, scale: 1 };
  const allXs = [...positions.values()].map((point) => point.x);
  const allYs = [...positions.values()].map((point) => point.y);
  const spanX = Math.max(...allXs) - Math.min(...allXs);
  const scale = Math.min(1.8, Math.max(1, (spanX + PAD.left + PAD.right) / BASE_WIDTH));
  const left = Math.min(...allXs) - PAD.left * scale;
  const top = Math.min(...allYs) - PAD.top * scale;
  const boxWidth = Math.max(Math.max(...allXs) + PAD.right * scale - left, 240);
  const boxHeight = Math.max(...allYs) + (compact ? PAD.bottom * 0.6 : PAD.bottom) * scale - top;
  return { viewBox: `${left} ${top} ${boxWidth} ${boxHeight}`, positions, compact, scale };
}

function circle(nodes: readonly NodeView[], positions: Map<string, Point>): void {
  if (nodes.length === 1) positions.set((nodes[0] as NodeView).id, { x: 0, y: 0 });
  // Two nodes side by side; more start at the top and go clockwise, with room for their labels.
  const radius = nodes.length === 2 ? 120 : Math.max(110, nodes.length * 22);
  nodes.forEach((node, index) => {
    if (nodes.length === 1) return;
    const angle = nodes.length === 2 ? Math.PI * (1 - index) : -Math.PI / 2 + (2 * Math.PI * index) / nodes.length;
    positions.set(node.id, { x: radius * Math.cos(angle), y: radius * Math.sin(angle) });
  });
}

function fan(
  clients: readonly NodeView[],
  others: readonly NodeView[],
  positions: Map<string, Point>,
  compact: boolean,
): void {
  // Spaced so that a node's label lines clear its neighbour on the arc.
  const radius = Math.max(220, others.length * (compact ? 30 : 38));
  const spread = others.length <= 1 ? 0 : Math.min(Math.PI * 0.8, (others.length - 1) * 0.55);
  others.forEach((node, index) => {
    const angle = others.length <= 1 ? 0 : -spread / 2 + (spread * index) / (others.length - 1);
    positions.set(node.id, { x: radius * Math.cos(angle), y: radius * Math.sin(angle) });
  });
  clients.forEach((node, index) => {
    positions.set(node.id, { x: 0, y: (index - (clients.length - 1) / 2) * 80 });
  });
}
