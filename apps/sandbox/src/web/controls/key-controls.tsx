import type { Action, Control, NodeView } from '../../lessons/lesson.ts';

/**
 * The attacker steals a node's keys; the operator revokes them or issues new
 * ones. A button that would change nothing (revoking a key already revoked)
 * is disabled, so it cannot clutter the run.
 */
export function KeyControls(props: {
  readonly controls: ReadonlySet<Control>;
  readonly target: string | undefined;
  readonly nodes: readonly NodeView[];
  readonly onAction: (action: Action) => void;
}) {
  const { controls, target, onAction } = props;
  if (target === undefined) return null;
  const state = props.nodes.find((node) => node.id === target)?.state;
  return (
    <div className="button-row">
      {controls.has('compromise') && (
        <button
          type="button"
          className="danger"
          disabled={state === 'compromised'}
          onClick={() => onAction({ type: 'compromise', node: target })}
        >
          Compromise {target}
        </button>
      )}
      {controls.has('revoke') && (
        <button type="button" disabled={state === 'revoked'} onClick={() => onAction({ type: 'revoke', node: target })}>
          Revoke {target}’s key
        </button>
      )}
      {controls.has('rotate') && (
        <button type="button" onClick={() => onAction({ type: 'rotate', node: target })}>
          Give {target} a new key
        </button>
      )}
    </div>
  );
}
