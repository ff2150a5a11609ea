import type { NodeView } from '../../lessons/lesson.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface TopologyLayout {
  readonly positions: ReadonlyMap<string, Point>;
  /** Label lines under each node: 3 (name, state, note) when there is room, else 2. */
  readonly lines: 2 | 3;
  /** A narrow drawing (a phone): labels leave out what the breaker badge already shows. */
  readonly narrow: boolean;
}

export const NODE_RADIUS = 15;
/** Label line height, in CSS px: labels are drawn at their real size, never scaled. */
export const LINE_HEIGHT = 14;
/** Room a label needs across ("node-10", "compromised · breaker open"), and on a narrow drawing. */
const WIDE_LABEL = 128;
const NARROW_LABEL = 84;
/** Below this width the drawing is narrow. */
const NARROW_BELOW = 520;
/** Room above a node for its breaker badge. */
const TOP = NODE_RADIUS + 16;
/** Beyond this many, nodes go in a grid rather than on an arc. */
const ARC_MAX = 5;

const slot = (lines: number): number => 2 * NODE_RADIUS + 8 + lines * LINE_HEIGHT;

/**
 * Where each node goes in a drawing of `width` × `height` CSS pixels. The
 * drawing is never scaled: shapes and labels keep their size (the labels
 * stay readable on a phone), and the layout spreads nodes over the room
 * there is. Clients stand on the left and the nodes they call fan out to
 * their right, on an arc or, when there are many, in a grid; without
 * clients (the bank), nodes stand on an ellipse. The attacker waits below.
 * The order of nodes in the view fixes their places, so a node keeps its
 * spot from frame to frame.
 */
export function layoutTopology(nodes: readonly NodeView[], width: number, height: number): TopologyLayout {
  const narrow = width < NARROW_BELOW;
  const labelWidth = narrow ? NARROW_LABEL : WIDE_LABEL;
  const clients = nodes.filter((node) => node.kind === 'client');
  const attackers = nodes.filter((node) => node.kind === 'attacker');
  const others = nodes.filter((node) => node.kind !== 'client' && node.kind !== 'attacker');
  const positions = new Map<string, Point>();
  const attackerRow = attackers.length > 0 ? slot(3) : 0;
  const labelRoom = (lines: number) => lines * LINE_HEIGHT + 10;
  const left = labelWidth / 2 + 2;
  const right = width - labelWidth / 2 - 2;
  // The lowest a node's centre may sit so that its label (3 lines at most) stays inside.
  const floor = (lines: number) => height - attackerRow - NODE_RADIUS - labelRoom(lines);
  let lines: 2 | 3 = 3;
  const room = { left, right, top: TOP, floor, labelWidth };
  if (clients.length > 0) lines = fan(clients, others, positions, room);
  else lines = ellipse(others, positions, room);
  attackers.forEach((node, index) => {
    const x = width / 2 + (index - (attackers.length - 1) / 2) * labelWidth;
    positions.set(node.id, { x, y: height - NODE_RADIUS - labelRoom(3) + 4 });
  });
  return { positions, lines, narrow };
}

interface Room {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly floor: (lines: number) => number;
  readonly labelWidth: number;
}

function fan(
  clients: readonly NodeView[],
  others: readonly NodeView[],
  positions: Map<string, Point>,
  room: Room,
): 2 | 3 {
  const clientX = room.left;
  const start = Math.min(room.right, clientX + room.labelWidth * 0.9);
  let lines: 2 | 3 = 3;
  if (others.length <= ARC_MAX) {
    // A half ellipse opening to the right of the clients.
    lines = pickLines((l) => arcGap(others.length, (room.floor(l) - room.top) / 2) >= slot(l));
    const bottom = room.floor(lines);
    const cy = (room.top + bottom) / 2;
    const ry = (bottom - room.top) / 2;
    const rx = Math.max(0, room.right - start);
    const spread = arcSpread(others.length);
    others.forEach((node, index) => {
      const angle = others.length === 1 ? 0 : -spread + (2 * spread * index) / (others.length - 1);
      positions.set(node.id, { x: start + rx * Math.cos(angle) * 0.9 + rx * 0.1, y: cy + ry * Math.sin(angle) });
    });
    spreadColumn(clients, clientX, room.top, bottom, positions);
    return lines;
  }
  lines = 2;
  const bottom = room.floor(lines);
  const rows = Math.max(1, Math.floor((bottom - room.top) / slot(lines)) + 1);
  const columns = Math.ceil(others.length / rows);
  const perColumn = Math.ceil(others.length / columns);
  const columnGap = columns <= 1 ? 0 : (room.right - start) / (columns - 1);
  for (let column = 0; column < columns; column++) {
    const members = others.slice(column * perColumn, (column + 1) * perColumn);
    const x = columns <= 1 ? (start + room.right) / 2 : start + column * columnGap;
    spreadColumn(members, x, room.top, bottom, positions);
  }
  spreadColumn(clients, clientX, room.top, bottom, positions);
  return lines;
}

function ellipse(nodes: readonly NodeView[], positions: Map<string, Point>, room: Room): 2 | 3 {
  const lines = 3;
  const bottom = room.floor(lines);
  const cx = (room.left + room.right) / 2;
  const cy = (room.top + bottom) / 2;
  const rx = Math.max(0, (room.right - room.left) / 2);
  const ry = Math.max(0, (bottom - room.top) / 2);
  nodes.forEach((node, index) => {
    // Two side by side; more from the top, clockwise.
    const angle =
      nodes.length === 1
        ? Math.PI / 2
        : nodes.length === 2
          ? Math.PI * (1 - index)
          : -Math.PI / 2 + (2 * Math.PI * index) / nodes.length;
    positions.set(node.id, {
      x: cx + rx * Math.cos(angle),
      y: nodes.length === 1 ? cy : cy + ry * Math.sin(angle),
    });
  });
  return lines;
}

/** Nodes evenly down a column, centred on the room. */
function spreadColumn(
  nodes: readonly NodeView[],
  x: number,
  top: number,
  bottom: number,
  positions: Map<string, Point>,
): void {
  const gap = nodes.length <= 1 ? 0 : Math.min(slot(3) * 1.2, (bottom - top) / (nodes.length - 1));
  const first = (top + bottom) / 2 - (gap * (nodes.length - 1)) / 2;
  nodes.forEach((node, index) => {
    positions.set(node.id, { x, y: first + index * gap });
  });
}

/** Half the arc's angle: wide enough to separate the nodes, never past the vertical. */
function arcSpread(count: number): number {
  return Math.min((80 * Math.PI) / 180, (count - 1) * ((25 * Math.PI) / 180));
}

/** The smallest vertical gap between neighbours on the arc, for a given vertical radius. */
function arcGap(count: number, ry: number): number {
  if (count <= 1) return Number.POSITIVE_INFINITY;
  const spread = arcSpread(count);
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < count; i++) {
    const a = -spread + (2 * spread * (i - 1)) / (count - 1);
    const b = -spread + (2 * spread * i) / (count - 1);
    gap = Math.min(gap, ry * (Math.sin(b) - Math.sin(a)));
  }
  return gap;
}

function pickLines(fits: (lines: 2 | 3) => boolean): 2 | 3 {
  return fits(3) ? 3 : 2;
}
