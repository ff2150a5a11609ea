import type { Action, Control } from '../../lessons/lesson.ts';

/** The attacker steals a node's keys; the operator revokes them or issues new ones. */
export function KeyControls(props: {
  readonly controls: ReadonlySet<Control>;
  readonly target: string | undefined;
  readonly onAction: (action: Action) => void;
}) {
  const { controls, target, onAction } = props;
  if (target === undefined) return null;
  return (
    <div className="button-row">
      {controls.has('compromise') && (
        <button type="button" className="danger" onClick={() => onAction({ type: 'compromise', node: target })}>
          Compromise {target}
        </button>
      )}
      {controls.has('revoke') && (
        <button type="button" onClick={() => onAction({ type: 'revoke', node: target })}>
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
