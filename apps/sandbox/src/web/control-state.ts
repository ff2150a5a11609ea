import type { Action, AttackName, Feature, TimedAction } from '../lessons/lesson.ts';

export const ATTACKS: readonly { readonly name: AttackName; readonly label: string; readonly description: string }[] = [
  { name: 'eavesdrop', label: 'Eavesdrop', description: 'Copy and read every message on the wire.' },
  { name: 'tamper', label: 'Tamper', description: 'Change some messages on the way.' },
  { name: 'replay', label: 'Replay', description: 'Send old messages again.' },
  { name: 'drop', label: 'Drop', description: 'Throw some messages away.' },
  { name: 'impersonate', label: 'Impersonate', description: 'Make up messages in someone else’s name.' },
];

/** The state of the toggles, read back from the actions taken so far. */
export interface ControlState {
  readonly attacks: Readonly<Record<AttackName, boolean>>;
  readonly features: Readonly<Record<string, boolean>>;
  /** The last load the learner set, if any. */
  readonly load: number | undefined;
  readonly partitioned: boolean;
}

/**
 * Toggles are derived from the run's actions rather than kept beside them,
 * so a replayed link, a step's button and the toolbar always agree. Attacks
 * start off; the features a lesson offers start on (they are the palisade
 * protections the learner may switch off).
 */
export function controlState(features: readonly Feature[], actions: readonly TimedAction[]): ControlState {
  const attacks: Record<AttackName, boolean> = {
    eavesdrop: false,
    tamper: false,
    replay: false,
    drop: false,
    impersonate: false,
  };
  const on: Record<string, boolean> = {};
  for (const feature of features) on[feature.name] = true;
  let load: number | undefined;
  let partitioned = false;
  for (const { action } of actions) {
    if (action.type === 'attack') attacks[action.attack] = action.on;
    else if (action.type === 'feature') on[action.feature] = action.on;
    else if (action.type === 'load') load = action.rps;
    else if (action.type === 'partition') partitioned = true;
    else if (action.type === 'heal') partitioned = false;
  }
  return { attacks, features: on, load, partitioned };
}

export function sameAction(a: Action, b: Action): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** "Kill branch-a", for the list of what the learner did. */
export function describeAction(action: Action): string {
  switch (action.type) {
    case 'kill':
      return `Killed ${action.node}`;
    case 'restart':
      return `Restarted ${action.node}`;
    case 'slow':
      return `Slowed ${action.node} down`;
    case 'recover':
      return `${action.node} back to full speed`;
    case 'remove-node':
      return `Removed ${action.node}`;
    case 'compromise':
      return `Attacker compromised ${action.node}`;
    case 'revoke':
      return `Revoked ${action.node}’s key`;
    case 'rotate':
      return `Gave ${action.node} a new key`;
    case 'add-node':
      return 'Added a node';
    case 'partition':
      return `Split the network: ${action.groups.map((group) => group.join(', ')).join(' | ')}`;
    case 'heal':
      return 'Healed the network';
    case 'load':
      return `Load set to ${action.rps.toLocaleString('en')} requests/s`;
    case 'attack':
      return `${action.on ? 'Started' : 'Stopped'} attack: ${action.attack}`;
    case 'feature':
      return `${action.on ? 'Switched on' : 'Switched off'} ${action.feature}`;
  }
}
