import type { Action, Control, Feature, Lesson, WorldView } from '../../lessons/lesson.ts';
import { ATTACKS, type ControlState } from '../control-state.ts';
import { KeyControls } from './key-controls.tsx';
import { LoadControl } from './load-control.tsx';
import { NodeControls } from './node-controls.tsx';
import { TargetSelect } from './target-select.tsx';
import { Toggle } from './toggle.tsx';

const NODE_CONTROLS: readonly Control[] = ['kill', 'restart', 'slow', 'partition', 'add-node', 'remove-node'];
const KEY_CONTROLS: readonly Control[] = ['compromise', 'revoke', 'rotate'];

/** The controls the lesson offers, grouped by what they act on. */
export function Toolbar(props: {
  readonly controls: readonly Control[];
  readonly features: readonly Feature[];
  readonly state: ControlState;
  readonly targets: readonly string[];
  readonly target: string | undefined;
  readonly onTarget: (node: string) => void;
  /** The palisade world as drawn now: its nodes, offered load and live feature states. */
  readonly view: WorldView;
  readonly loadRange: Lesson['load'];
  readonly observedLoad: number;
  readonly onAction: (action: Action) => void;
}) {
  const controls = new Set(props.controls);
  const { state, onAction } = props;
  const nodeControls = NODE_CONTROLS.some((control) => controls.has(control));
  const keyControls = KEY_CONTROLS.some((control) => controls.has(control));
  const targeted = props.controls.some(
    (control) => control !== 'add-node' && (NODE_CONTROLS.includes(control) || KEY_CONTROLS.includes(control)),
  );
  return (
    <>
      {controls.has('load') && (
        <fieldset className="control-group">
          <legend>Load</legend>
          <LoadControl
            offered={props.view.load}
            set={state.load}
            observed={props.observedLoad}
            range={props.loadRange}
            onLoad={(rps) => onAction({ type: 'load', rps })}
          />
        </fieldset>
      )}
      {(nodeControls || keyControls) && (
        <fieldset className="control-group">
          <legend>Nodes</legend>
          {targeted && props.targets.length > 0 && props.target !== undefined && (
            <TargetSelect
              targets={props.targets}
              nodes={props.view.nodes}
              value={props.target}
              onChange={props.onTarget}
            />
          )}
          {nodeControls && (
            <NodeControls
              controls={controls}
              target={props.target}
              nodes={props.view.nodes}
              partitioned={state.partitioned}
              onAction={onAction}
            />
          )}
          {keyControls && (
            <KeyControls controls={controls} target={props.target} nodes={props.view.nodes} onAction={onAction} />
          )}
        </fieldset>
      )}
      {controls.has('attacks') && (
        <fieldset className="control-group toggles">
          <legend>Attacker</legend>
          {ATTACKS.map((attack) => (
            <Toggle
              key={attack.name}
              tone="attack"
              label={attack.label}
              description={attack.description}
              on={props.view.attacks?.[attack.name] ?? state.attacks[attack.name]}
              onChange={(on) => onAction({ type: 'attack', attack: attack.name, on })}
            />
          ))}
        </fieldset>
      )}
      {controls.has('features') && props.features.length > 0 && (
        <fieldset className="control-group toggles">
          <legend>palisade protections (the “with palisade” side only)</legend>
          {props.features.map((feature) => (
            <Toggle
              key={feature.name}
              label={feature.label}
              description={feature.description}
              on={props.view.features?.[feature.name] ?? state.features[feature.name] ?? true}
              onChange={(on) => onAction({ type: 'feature', feature: feature.name, on })}
            />
          ))}
        </fieldset>
      )}
    </>
  );
}
