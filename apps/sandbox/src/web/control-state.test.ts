import { describe, expect, it } from 'vitest';
import { controlState, describeAction, sameAction } from './control-state.ts';

describe('control state', () => {
  const features = [{ name: 'encryption', label: 'Encryption', description: '' }];

  it('starts with attacks off and the lesson’s protections on', () => {
    const state = controlState(features, []);
    expect(Object.values(state.attacks).some(Boolean)).toBe(false);
    expect(state.features).toEqual({ encryption: true });
    expect(state.load).toBeUndefined();
    expect(state.partitioned).toBe(false);
  });

  it('follows the actions in order, whoever took them', () => {
    const state = controlState(features, [
      { at: 1, action: { type: 'attack', attack: 'tamper', on: true } },
      { at: 2, action: { type: 'feature', feature: 'encryption', on: false } },
      { at: 3, action: { type: 'load', rps: 500 } },
      { at: 4, action: { type: 'partition', groups: [['a'], ['b']] } },
      { at: 5, action: { type: 'attack', attack: 'tamper', on: false } },
      { at: 6, action: { type: 'attack', attack: 'replay', on: true } },
    ]);
    expect(state.attacks).toMatchObject({ tamper: false, replay: true });
    expect(state.features).toEqual({ encryption: false });
    expect(state.load).toBe(500);
    expect(state.partitioned).toBe(true);
    expect(controlState(features, [{ at: 1, action: { type: 'heal' } }]).partitioned).toBe(false);
  });

  it('recognises a step’s action among those taken, and says it in words', () => {
    expect(sameAction({ type: 'kill', node: 'a' }, { type: 'kill', node: 'a' })).toBe(true);
    expect(sameAction({ type: 'kill', node: 'a' }, { type: 'kill', node: 'b' })).toBe(false);
    expect(describeAction({ type: 'revoke', node: 'branch-a' })).toBe('Revoked branch-a’s key');
    expect(describeAction({ type: 'load', rps: 1200 })).toBe('Load set to 1,200 requests/s');
  });
});
