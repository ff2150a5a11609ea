import type { NodeView } from '../../lessons/lesson.ts';

/**
 * The nodes the node and key controls may act on: the lesson's targets that
 * exist right now, then nodes the learner added (the lesson could not name
 * them), in the order they appear. A lesson without targets acts on no
 * node in particular.
 */
export function controlTargets(lessonTargets: readonly string[], nodes: readonly NodeView[]): string[] {
  if (lessonTargets.length === 0) return [];
  const present = nodes.filter((node) => node.kind !== 'attacker' && node.kind !== 'client').map((node) => node.id);
  return [
    ...lessonTargets.filter((id) => present.includes(id)),
    ...present.filter((id) => !lessonTargets.includes(id)),
  ];
}
