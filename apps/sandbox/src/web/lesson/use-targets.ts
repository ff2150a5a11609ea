import { useState } from 'react';
import type { NodeView } from '../../lessons/lesson.ts';
import { controlTargets } from './control-targets.ts';

/** The nodes the controls may act on now (see `controlTargets`), and the one chosen. */
export function useTargets(
  lessonTargets: readonly string[],
  nodes: readonly NodeView[],
): { targets: readonly string[]; target: string | undefined; setTarget: (node: string) => void } {
  const targets = controlTargets(lessonTargets, nodes);
  const [chosen, setTarget] = useState<string | undefined>(undefined);
  const target = chosen !== undefined && targets.includes(chosen) ? chosen : targets[0];
  return { targets, target, setTarget };
}
