import { useRef, useState } from 'react';
import type { NodeView } from '../../lessons/lesson.ts';

/**
 * The nodes the controls may act on: the lesson's targets, plus nodes the
 * learner added during the run (they did not exist when the lesson was
 * written). A lesson without targets acts on no node in particular.
 */
export function useTargets(
  lessonTargets: readonly string[],
  nodes: readonly NodeView[],
): { targets: readonly string[]; target: string | undefined; setTarget: (node: string) => void } {
  const initial = useRef<ReadonlySet<string> | undefined>(undefined);
  initial.current ??= new Set(nodes.map((node) => node.id));
  const known = initial.current;
  const added = nodes
    .filter((node) => !known.has(node.id) && node.kind !== 'attacker' && node.kind !== 'client')
    .map((node) => node.id);
  const targets =
    added.length === 0 || lessonTargets.length === 0
      ? lessonTargets
      : [...lessonTargets, ...added.filter((id) => !lessonTargets.includes(id))];
  const [chosen, setTarget] = useState<string | undefined>(undefined);
  const target = chosen !== undefined && targets.includes(chosen) ? chosen : targets[0];
  return { targets, target, setTarget };
}
