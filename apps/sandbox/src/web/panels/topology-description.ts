import type { LinkView, WorldView } from '../../lessons/lesson.ts';
import { formatPercent } from '../format.ts';

/** The topology in words, for screen readers (and for tests to compare with the simulation). */
export function describeTopology(view: WorldView): string {
  const nodes = view.nodes.map((node) => {
    const parts = [`${node.id} (${node.kind}) is ${node.state}`];
    if (node.note !== undefined) parts.push(node.note);
    if (node.breaker !== undefined) {
      parts.push(`breaker ${node.breaker.state}, ${formatPercent(node.breaker.errorRate, 0)} errors`);
    }
    return parts.join(', ');
  });
  const count = (test: (link: LinkView) => boolean): number => view.links.filter(test).length;
  return `Network ${view.label}: ${nodes.join('; ')}. ${view.links.length} links: ${count((l) => l.secure)} secure, ${count((l) => l.attacked)} under attack, ${count((l) => l.broken)} broken.`;
}
