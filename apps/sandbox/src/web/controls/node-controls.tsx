import type { Action, Control, NodeView } from '../../lessons/lesson.ts';

/**
 * Break and mend nodes: kill, restart, slow down, cut off, add, remove. A
 * button that would change nothing (killing a node that is down) is
 * disabled: a no-op must not clutter the run or its link.
 */
export function NodeControls(props: {
  readonly controls: ReadonlySet<Control>;
  readonly target: string | undefined;
  readonly nodes: readonly NodeView[];
  readonly partitioned: boolean;
  readonly onAction: (action: Action) => void;
}) {
  const { controls, target, onAction } = props;
  const has = (control: Control): boolean => controls.has(control);
  const node = target === undefined ? undefined : props.nodes.find((candidate) => candidate.id === target);
  const named = target ?? 'the node';
  // Without a chosen node, "remove" takes the newest one, as scaling in usually does.
  const lastWorker = props.nodes.findLast((other) => other.kind !== 'attacker' && other.kind !== 'client')?.id;
  const rest = props.nodes.filter((other) => other.id !== target && other.kind !== 'attacker').map((other) => other.id);
  return (
    <div className="button-row">
      {has('kill') && target !== undefined && (
        <button
          type="button"
          className="danger"
          disabled={node?.state === 'down'}
          onClick={() => onAction({ type: 'kill', node: target })}
        >
          Kill {named}
        </button>
      )}
      {has('restart') && target !== undefined && (
        <button
          type="button"
          disabled={node?.state !== 'down'}
          onClick={() => onAction({ type: 'restart', node: target })}
        >
          Restart {named}
        </button>
      )}
      {has('slow') && target !== undefined && (
        <>
          <button
            type="button"
            disabled={node?.state !== 'up'}
            onClick={() => onAction({ type: 'slow', node: target })}
          >
            Slow {named} down
          </button>
          <button
            type="button"
            disabled={node?.state !== 'slow'}
            onClick={() => onAction({ type: 'recover', node: target })}
          >
            {named} back to full speed
          </button>
        </>
      )}
      {has('partition') && target !== undefined && (
        <button
          type="button"
          onClick={() => onAction({ type: 'partition', groups: [[target], rest] })}
          disabled={node === undefined}
        >
          Cut {named} off from the rest
        </button>
      )}
      {has('partition') && (
        <button type="button" onClick={() => onAction({ type: 'heal' })} disabled={!props.partitioned}>
          Heal the network
        </button>
      )}
      {has('add-node') && (
        <button type="button" onClick={() => onAction({ type: 'add-node' })}>
          Add a node
        </button>
      )}
      {has('remove-node') && target !== undefined && (
        <button
          type="button"
          onClick={() => onAction({ type: 'remove-node', node: target })}
          disabled={node === undefined}
        >
          Remove {named}
        </button>
      )}
      {has('remove-node') && target === undefined && lastWorker !== undefined && (
        <button type="button" onClick={() => onAction({ type: 'remove-node', node: lastWorker })}>
          Remove a node
        </button>
      )}
    </div>
  );
}
