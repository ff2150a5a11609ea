import type { NodeView } from '../../lessons/lesson.ts';
import { nodeStateStyle } from '../palette.ts';

/** Which node the node and key controls act on. */
export function TargetSelect(props: {
  readonly targets: readonly string[];
  readonly nodes: readonly NodeView[];
  readonly value: string;
  readonly onChange: (node: string) => void;
}) {
  return (
    <label className="inline-field target-select">
      Node{' '}
      <select value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        {props.targets.map((target) => {
          const node = props.nodes.find((candidate) => candidate.id === target);
          return (
            <option key={target} value={target}>
              {target}
              {node === undefined ? ' (gone)' : ` (${nodeStateStyle[node.state].label})`}
            </option>
          );
        })}
      </select>
    </label>
  );
}
