import { InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import { type CircuitRecord, isCircuitRecord } from './circuit-record.js';
import type { TripRule } from './trip-rule.js';

/**
 * What `toJSON()` returns and `initialState` takes: the circuit's record and
 * each rule's window, all plain JSON. A half-open circuit is saved as open
 * and ready to probe, as cockatiel does: the probes in flight do not survive
 * a restart.
 */
export interface BreakerSnapshot {
  readonly circuit: CircuitRecord;
  /** Each rule's `state`, in the order of the `rule` option. */
  readonly rules: readonly unknown[];
}

export interface ReadSnapshot {
  readonly circuit: CircuitRecord;
  /** Applies the rules' saved windows; runs only once every option is valid. */
  restoreRules(): void;
}

/** Validates `initialState` against the rules it will restore, without touching them yet. */
export function readSnapshot(value: unknown, rules: readonly TripRule[]): ReadSnapshot {
  const snapshot = value as Partial<BreakerSnapshot> | null;
  if (typeof snapshot !== 'object' || snapshot === null || !isCircuitRecord(snapshot.circuit)) {
    throw new InvalidOptionError('initialState', 'a snapshot from breaker.toJSON() ({ circuit, rules })', value);
  }
  const saved = snapshot.rules;
  if (!Array.isArray(saved) || saved.length !== rules.length) {
    throw new InvalidOptionError(
      'initialState.rules',
      `the states of ${rules.length} rule(s), one per rule, in the order of the rule option`,
      saved,
    );
  }
  // Rules validate their own state in the setter. Trying it now makes a bad
  // snapshot fail before the breaker exists; the fresh windows go back until
  // every other option has passed too.
  const previous = rules.map((rule) => rule.state);
  try {
    rules.forEach((rule, index) => {
      try {
        rule.state = saved[index];
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw error;
        throw new InvalidOptionError(`initialState.rules[${index}]`, error.expected, saved[index]);
      }
    });
  } finally {
    rules.forEach((rule, index) => {
      rule.state = previous[index];
    });
  }
  const circuit = snapshot.circuit;
  return {
    circuit:
      circuit.kind === 'half-open'
        ? { kind: 'open', epoch: circuit.epoch, since: circuit.since, until: circuit.since, attempt: circuit.attempt }
        : circuit,
    restoreRules: () =>
      rules.forEach((rule, index) => {
        rule.state = saved[index];
      }),
  };
}

/** The snapshot of a circuit: half-open is saved as open and ready to probe. */
export function snapshotOf(record: CircuitRecord, rules: readonly TripRule[]): BreakerSnapshot {
  const circuit: CircuitRecord =
    record.kind === 'half-open'
      ? { kind: 'open', epoch: record.epoch, since: record.since, until: record.since, attempt: record.attempt }
      : record;
  return { circuit, rules: rules.map((rule) => rule.state) };
}
