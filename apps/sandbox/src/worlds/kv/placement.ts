import { hashKey } from '@palisade/queue';
import type { NodeId } from '../../sim/network.ts';

/**
 * Every node in the order a key prefers them: rendezvous (highest random
 * weight) hashing. The first N are the key's replicas; when one is down the
 * next in line stands in, and when a node joins or leaves only the keys
 * that rank it among their first N move.
 */
export function preferenceList(key: string, nodes: readonly NodeId[]): NodeId[] {
  return nodes
    .map((node) => ({ node, score: hashKey(`${node}/${key}`) }))
    .sort((a, b) => b.score - a.score || (a.node < b.node ? -1 : 1))
    .map(({ node }) => node);
}
