import { type Attributes, type BatchObservableResult, type Meter, type Observable, trace } from '@opentelemetry/api';
import type { Event, IDisposable } from '@palisade/core';
import type { CircuitState } from 'cockatiel';
import type { BreakerRejectEvent } from './breaker-events.js';
import type { CircuitKind } from './circuit-record.js';
import {
  ATTR_NAME,
  ATTR_OUTCOME,
  ATTR_STATE,
  attributeSets,
  EVENT_REJECT,
  EVENT_STATE_CHANGE,
  OUTCOMES,
  type Outcome,
  rejectEventAttributes,
  STATES,
  stateName,
} from './otel-attributes.js';

/** The attribute sets of a breaker's or a registry's series, made once. */
export interface BreakerAttributeSets {
  readonly own: Attributes;
  readonly byOutcome: Readonly<Record<Outcome, Attributes>>;
  readonly byState: Readonly<Record<CircuitKind, Attributes>>;
}

export function breakerAttributeSets(name: string): BreakerAttributeSets {
  return {
    own: Object.freeze({ [ATTR_NAME]: name }),
    byOutcome: attributeSets(name, ATTR_OUTCOME, OUTCOMES),
    byState: attributeSets(name, ATTR_STATE, STATES),
  };
}

/** What `palisade.breaker.calls`, `slow_calls` and `in_flight` are read from: a breaker's or a registry's `stats()`. */
export interface CallCounts {
  readonly successes: number;
  readonly failures: number;
  readonly rejections: number;
  readonly slowCalls: number;
  readonly inFlight: number;
}

/** The call series a breaker and a registry both report, for their batch callback to observe. */
export function callInstruments(meter: Meter): {
  readonly observables: Observable[];
  observe(result: BatchObservableResult, counts: CallCounts, sets: BreakerAttributeSets): void;
} {
  const calls = meter.createObservableCounter('palisade.breaker.calls', {
    unit: '{call}',
    description: 'Calls through the breaker, by outcome: success, failure (counted by the trip rules), rejected.',
  });
  const slowCalls = meter.createObservableCounter('palisade.breaker.slow_calls', {
    unit: '{call}',
    description: 'Calls slower than the smallest slowCallDuration of the rules.',
  });
  const inFlight = meter.createObservableUpDownCounter('palisade.breaker.in_flight', {
    unit: '{call}',
    description: 'Calls admitted and not settled.',
  });
  return {
    observables: [calls, slowCalls, inFlight],
    observe(result, counts, { own, byOutcome }) {
      result.observe(calls, counts.successes, byOutcome.success);
      result.observe(calls, counts.failures, byOutcome.failure);
      result.observe(calls, counts.rejections, byOutcome.rejected);
      result.observe(slowCalls, counts.slowCalls, own);
      result.observe(inFlight, counts.inFlight, own);
    },
  };
}

/** What a breaker and a registry both tell: state changes, and rejections. */
interface BreakerEventSource {
  readonly onStateChange: Event<CircuitState>;
  readonly onReject: Event<BreakerRejectEvent>;
}

/**
 * Counts transitions by the state entered, and, with `traceEvents`, adds a
 * span event for each state change and rejection. Without `traceEvents`
 * nothing listens to rejections, so a rejected call pays nothing.
 */
export function reportTransitions(
  source: BreakerEventSource,
  meter: Meter,
  name: string,
  byState: BreakerAttributeSets['byState'],
  traceEvents: boolean,
): IDisposable[] {
  const transitions = meter.createCounter('palisade.breaker.transitions', {
    unit: '{transition}',
    description: 'State changes, by the state entered.',
  });
  const handles = [
    source.onStateChange((next) => {
      const kind = stateName(next);
      transitions.add(1, byState[kind]);
      if (traceEvents) trace.getActiveSpan()?.addEvent(EVENT_STATE_CHANGE, byState[kind]);
    }),
  ];
  if (traceEvents) {
    handles.push(
      source.onReject(({ reason, retryAfter }) => {
        const span = trace.getActiveSpan();
        if (span?.isRecording()) span.addEvent(EVENT_REJECT, rejectEventAttributes(name, reason, retryAfter));
      }),
    );
  }
  return handles;
}
