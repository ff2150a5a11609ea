import { CancelledError, createDeadline, VirtualClock } from '@palisade/core';
import { CircuitState } from 'cockatiel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Boom } from './breaker.test-util.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitKind } from './circuit-record.js';
import { ConsecutiveFailuresRule } from './consecutive-failures-rule.js';
import { CountWindowRule } from './count-window-rule.js';
import type { BreakerPermit } from './permit.js';
import { TimeWindowRule } from './time-window-rule.js';
import type { TripRule } from './trip-rule.js';

// --- the specification, as plain data -------------------------------------------

/** A threshold as an exact fraction, so the model compares in integers, not floating point. */
type Fraction = readonly [numerator: number, denominator: number];
const fraction = fc
  .integer({ min: 1, max: 10 })
  .chain((denominator) => fc.tuple(fc.integer({ min: 1, max: denominator }), fc.constant(denominator)));

interface SlowSpec {
  readonly duration: number;
  readonly rate: Fraction;
}

type RuleSpec =
  | { readonly kind: 'consecutive'; readonly threshold: number }
  | {
      readonly kind: 'count';
      readonly size: number;
      readonly minimumCalls: number;
      readonly rate: Fraction;
      readonly slow: SlowSpec | null;
    }
  | {
      readonly kind: 'time';
      readonly bucketDuration: number;
      readonly buckets: number;
      readonly minimumCalls: number;
      readonly rate: Fraction;
      readonly slow: SlowSpec | null;
    };

interface BreakerSpec {
  readonly rules: readonly RuleSpec[];
  readonly probes: number;
  readonly successThreshold: Fraction;
  readonly halfOpenAfter: number;
}

const slowSpec = fc.option(fc.record({ duration: fc.integer({ min: 1, max: 60 }), rate: fraction }), { nil: null });

const ruleSpec: fc.Arbitrary<RuleSpec> = fc.oneof(
  fc.record({ kind: fc.constant('consecutive' as const), threshold: fc.integer({ min: 1, max: 5 }) }),
  fc.integer({ min: 1, max: 8 }).chain((size) =>
    fc.record({
      kind: fc.constant('count' as const),
      size: fc.constant(size),
      minimumCalls: fc.integer({ min: 1, max: size }),
      rate: fraction,
      slow: slowSpec,
    }),
  ),
  fc.record({
    kind: fc.constant('time' as const),
    bucketDuration: fc.integer({ min: 1, max: 50 }),
    buckets: fc.integer({ min: 1, max: 6 }),
    minimumCalls: fc.integer({ min: 1, max: 6 }),
    rate: fraction,
    slow: slowSpec,
  }),
);

const breakerSpec: fc.Arbitrary<BreakerSpec> = fc.record({
  rules: fc.array(ruleSpec, { minLength: 1, maxLength: 2 }),
  probes: fc.integer({ min: 1, max: 3 }),
  successThreshold: fraction,
  halfOpenAfter: fc.integer({ min: 0, max: 100 }),
});

function buildRule(spec: RuleSpec, clock: VirtualClock): TripRule {
  const ratio = ([n, d]: Fraction) => n / d;
  const slow = (s: SlowSpec | null) =>
    s === null ? {} : { slowCallDuration: s.duration, slowCallRateThreshold: ratio(s.rate) };
  switch (spec.kind) {
    case 'consecutive':
      return new ConsecutiveFailuresRule({ threshold: spec.threshold });
    case 'count':
      return new CountWindowRule({
        size: spec.size,
        minimumCalls: spec.minimumCalls,
        failureRateThreshold: ratio(spec.rate),
        ...slow(spec.slow),
      });
    case 'time':
      return new TimeWindowRule({
        duration: spec.bucketDuration * spec.buckets,
        buckets: spec.buckets,
        minimumCalls: spec.minimumCalls,
        failureRateThreshold: ratio(spec.rate),
        ...slow(spec.slow),
        clock,
      });
  }
}

function buildBreaker(spec: BreakerSpec, clock: VirtualClock): CircuitBreaker {
  return new CircuitBreaker({
    clock,
    rule: spec.rules.map((rule) => buildRule(rule, clock)),
    halfOpenAfter: spec.halfOpenAfter,
    halfOpen: { probes: spec.probes, successThreshold: spec.successThreshold[0] / spec.successThreshold[1] },
  });
}

// --- the reference model: naive lists and integer arithmetic ------------------------

interface Outcome {
  readonly failed: boolean;
  readonly duration: number;
  readonly at: number;
}

/** At least `rate` of `n`, exactly: part / n ≥ numerator / denominator. */
const reaches = (part: number, n: number, [numerator, denominator]: Fraction) => part * denominator >= numerator * n;

function ruleTrips(rule: RuleSpec, outcomes: readonly Outcome[], now: number): boolean {
  if (rule.kind === 'consecutive') {
    let run = 0;
    for (let i = outcomes.length - 1; i >= 0 && outcomes[i]?.failed; i--) run++;
    return run >= rule.threshold;
  }
  const window =
    rule.kind === 'count'
      ? outcomes.slice(-rule.size)
      : outcomes.filter(
          ({ at }) => Math.floor(at / rule.bucketDuration) > Math.floor(now / rule.bucketDuration) - rule.buckets,
        );
  const n = window.length;
  if (n < rule.minimumCalls) return false;
  const failures = window.filter((o) => o.failed).length;
  const slowCalls = rule.slow === null ? 0 : window.filter((o) => o.duration > (rule.slow as SlowSpec).duration).length;
  return reaches(failures, n, rule.rate) || (rule.slow !== null && reaches(slowCalls, n, rule.slow.rate));
}

class Model {
  kind: 'closed' | 'open' | 'half-open' = 'closed';
  until = 0;
  outcomes: Outcome[] = [];
  probeSuccesses = 0;
  probeFailures = 0;
  readonly #slowest: number;
  readonly spec: BreakerSpec;

  constructor(spec: BreakerSpec) {
    this.spec = spec;
    const durations = spec.rules.flatMap((rule) =>
      rule.kind !== 'consecutive' && rule.slow ? [rule.slow.duration] : [],
    );
    this.#slowest = Math.min(Number.POSITIVE_INFINITY, ...durations);
  }

  /** What happens to a call arriving at `now`. */
  admit(now: number): 'closed' | 'probe' | 'rejected' {
    if (this.kind === 'open' && now >= this.until) {
      this.kind = 'half-open';
      this.probeSuccesses = 0;
      this.probeFailures = 0;
    }
    if (this.kind === 'closed') return 'closed';
    return this.kind === 'half-open' ? 'probe' : 'rejected';
  }

  settle(admission: 'closed' | 'probe', failed: boolean, duration: number, now: number): void {
    if (admission === 'closed') {
      this.outcomes.push({ failed, duration, at: now });
      if (this.spec.rules.some((rule) => ruleTrips(rule, this.outcomes, now))) this.#open(now);
      return;
    }
    if (failed || duration > this.#slowest) this.probeFailures++;
    else this.probeSuccesses++;
    const { probes, successThreshold } = this.spec;
    if (reaches(this.probeSuccesses, probes, successThreshold)) {
      this.kind = 'closed';
      this.outcomes = [];
    } else if (!reaches(probes - this.probeFailures, probes, successThreshold)) {
      this.#open(now);
    }
  }

  #open(now: number): void {
    this.kind = 'open';
    this.until = now + this.spec.halfOpenAfter;
    this.outcomes = [];
  }
}

// --- transitions ---------------------------------------------------------------------

const automaticTransitions = new Set(['closed>open', 'open>half-open', 'half-open>closed', 'half-open>open']);

/** Records every transition as `from>to`, reading the state the breaker was in before each announcement. */
function watchTransitions(breaker: CircuitBreaker): string[] {
  const transitions: string[] = [];
  let previous: CircuitKind = breaker.record.kind;
  breaker.onStateChange(() => {
    const next = breaker.record.kind;
    transitions.push(`${previous}>${next}`);
    previous = next;
  });
  return transitions;
}

type Step =
  | { readonly kind: 'call'; readonly failed: boolean; readonly duration: number; readonly via: 'execute' | 'permit' }
  | { readonly kind: 'wait'; readonly ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      failed: fc.boolean(),
      duration: fc.integer({ min: 0, max: 80 }),
      via: fc.constantFrom('execute' as const, 'permit' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 150 }) }) },
);

describe('properties on random outcome sequences and time steps', () => {
  it('the breaker is where the model says after every call: it opens exactly when its rule says, and every transition is legal', async () => {
    await fc.assert(
      fc.asyncProperty(breakerSpec, fc.array(step, { minLength: 20, maxLength: 80 }), async (spec, steps) => {
        const clock = new VirtualClock();
        const breaker = buildBreaker(spec, clock);
        const model = new Model(spec);
        const transitions = watchTransitions(breaker);
        for (const s of steps) {
          if (s.kind === 'wait') {
            await clock.advance(s.ms);
            continue;
          }
          const expected = model.admit(clock.now());
          let admitted: 'closed' | 'probe' | 'rejected';
          if (s.via === 'permit') {
            const permit = breaker.tryAcquire();
            admitted = !permit.admitted ? 'rejected' : permit.probe ? 'probe' : 'closed';
            if (permit.admitted) {
              await clock.advance(s.duration);
              if (s.failed) permit.failure(new Boom('x'), s.duration);
              else permit.success(s.duration);
            }
          } else {
            const before = breaker.record.kind;
            const rejectionsBefore = breaker.stats().rejections;
            const call = breaker
              .execute(() => {
                const done = new Promise<void>((resolve) => clock.setTimeout(resolve, s.duration));
                return s.failed ? done.then(() => Promise.reject(new Boom('x'))) : done;
              })
              .then(
                () => 'ok',
                (error: unknown) => error,
              );
            const rejected = breaker.stats().rejections > rejectionsBefore;
            admitted = rejected ? 'rejected' : before === 'closed' ? 'closed' : 'probe';
            if (!rejected) await clock.advance(s.duration);
            await call;
          }
          expect(admitted).toBe(expected);
          if (expected !== 'rejected') model.settle(expected, s.failed, s.duration, clock.now());
          expect(breaker.record.kind).toBe(model.kind);
          expect(breaker.stats().inFlight).toBe(0);
        }
        for (const transition of transitions) expect(automaticTransitions).toContain(transition);
      }),
      { numRuns: 300 },
    );
  });

  type Op =
    | { readonly kind: 'acquire' }
    | { readonly kind: 'settle'; readonly pick: number; readonly how: 'success' | 'failure' | 'release' }
    | { readonly kind: 'wait'; readonly ms: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'acquire' as const }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('settle' as const),
        pick: fc.nat(),
        how: fc.constantFrom('success' as const, 'failure' as const, 'release' as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 120 }) }) },
  );

  it('with concurrent calls, the half-open probe count is never exceeded and every transition is legal', async () => {
    await fc.assert(
      fc.asyncProperty(breakerSpec, fc.array(op, { minLength: 20, maxLength: 100 }), async (spec, ops) => {
        const clock = new VirtualClock();
        const breaker = buildBreaker(spec, clock);
        const transitions = watchTransitions(breaker);
        const outstanding: BreakerPermit[] = [];
        /** Probe slots taken in the current half-open epoch: admitted, minus released. */
        const slotsTaken = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'wait') {
            await clock.advance(o.ms);
          } else if (o.kind === 'acquire') {
            const admission = breaker.tryAcquire();
            if (admission.admitted) {
              outstanding.push(admission);
              if (admission.probe) {
                const epoch = breaker.record.epoch;
                expect(breaker.record.kind).toBe('half-open');
                slotsTaken.set(epoch, (slotsTaken.get(epoch) ?? 0) + 1);
              }
            }
          } else if (outstanding.length > 0) {
            const [permit] = outstanding.splice(o.pick % outstanding.length, 1) as [BreakerPermit];
            const epoch = breaker.record.epoch;
            if (o.how === 'release') {
              if (permit.probe && breaker.record.kind === 'half-open' && slotsTaken.has(epoch)) {
                slotsTaken.set(epoch, (slotsTaken.get(epoch) ?? 1) - 1);
              }
              permit.release();
            } else if (o.how === 'success') permit.success(7);
            else permit.failure(new Boom('x'), 7);
          }
          for (const taken of slotsTaken.values()) expect(taken).toBeLessThanOrEqual(spec.probes);
          expect(breaker.stats().inFlight).toBe(outstanding.length);
        }
        for (const transition of transitions) expect(automaticTransitions).toContain(transition);
      }),
      { numRuns: 300 },
    );
  });

  type Call = {
    readonly fn: 'resolve' | 'reject' | 'throw' | 'value' | 'never';
    readonly after: number;
    /** When the caller's signal aborts, if it has one; a deadline aborts with DeadlineExceededError. */
    readonly abort: { readonly at: number; readonly deadline: boolean } | null;
    readonly startAt: number;
  };
  type Manual = { readonly manual: 'isolate' | 'release' | 'reset' | 'disable' | 'normal'; readonly startAt: number };

  const call: fc.Arbitrary<Call> = fc
    .record({
      fn: fc.constantFrom('resolve' as const, 'reject' as const, 'throw' as const, 'value' as const, 'never' as const),
      after: fc.integer({ min: 0, max: 100 }),
      abort: fc.option(fc.record({ at: fc.integer({ min: 0, max: 150 }), deadline: fc.boolean() }), { nil: null }),
      startAt: fc.integer({ min: 0, max: 300 }),
    })
    // A call that never settles and has no signal cannot settle: it is the one thing the breaker cannot fix.
    .filter((c) => c.fn !== 'never' || c.abort !== null);
  const manual: fc.Arbitrary<Manual> = fc.record({
    manual: fc.constantFrom(
      'isolate' as const,
      'release' as const,
      'reset' as const,
      'disable' as const,
      'normal' as const,
    ),
    startAt: fc.integer({ min: 0, max: 300 }),
  });

  it('every call settles, in every state, including when its signal aborts and when fn throws synchronously', async () => {
    await fc.assert(
      fc.asyncProperty(
        breakerSpec,
        fc.array(fc.oneof({ weight: 5, arbitrary: call }, { weight: 1, arbitrary: manual }), {
          minLength: 5,
          maxLength: 40,
        }),
        async (spec, events) => {
          const clock = new VirtualClock();
          const breaker = buildBreaker(spec, clock);
          const transitions = watchTransitions(breaker);
          const handles: { dispose(): void }[] = [];
          const settled: boolean[] = [];
          const calls: Promise<unknown>[] = [];
          for (const event of events) {
            clock.setTimeout(() => {
              if ('manual' in event) {
                if (event.manual === 'isolate') handles.push(breaker.isolate());
                else if (event.manual === 'release') handles.shift()?.dispose();
                else if (event.manual === 'reset') breaker.reset();
                else breaker.setMode(event.manual === 'disable' ? 'disabled' : 'normal');
                return;
              }
              const index = settled.push(false) - 1;
              let signal: AbortSignal | undefined;
              if (event.abort !== null) {
                if (event.abort.deadline) signal = createDeadline(event.abort.at, { clock }).signal;
                else {
                  const controller = new AbortController();
                  clock.setTimeout(() => controller.abort(new Error('caller gave up')), event.abort.at);
                  signal = controller.signal;
                }
              }
              const fn = () => {
                switch (event.fn) {
                  case 'value':
                    return 'sync';
                  case 'throw':
                    throw new Boom('sync');
                  case 'never':
                    return new Promise<never>(() => {});
                  default:
                    return new Promise((resolve, reject) =>
                      clock.setTimeout(
                        () => (event.fn === 'resolve' ? resolve('async') : reject(new Boom('async'))),
                        event.after,
                      ),
                    );
                }
              };
              const result = breaker.execute(fn, signal);
              expect(result).toBeInstanceOf(Promise);
              calls.push(
                result.then(
                  () => {
                    settled[index] = true;
                  },
                  (error: unknown) => {
                    expect(error).toBeInstanceOf(Error);
                    if (error instanceof CancelledError) expect(signal?.aborted).toBe(true);
                    settled[index] = true;
                  },
                ),
              );
            }, event.startAt);
          }
          await clock.advance(300 + 150 + 100);
          expect(settled.every(Boolean)).toBe(true);
          await Promise.all(calls);
          expect(breaker.stats().inFlight).toBe(0);
          const allowed = new Set([...automaticTransitions, 'closed>isolated', 'open>isolated', 'half-open>isolated']);
          for (const from of ['open', 'half-open', 'isolated']) allowed.add(`${from}>closed`);
          for (const transition of transitions) expect(allowed).toContain(transition);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('in metrics-only mode nothing is ever rejected, and trips are counted exactly as the model opens', async () => {
    await fc.assert(
      fc.asyncProperty(breakerSpec, fc.array(step, { minLength: 20, maxLength: 60 }), async (spec, steps) => {
        const clock = new VirtualClock();
        const breaker = new CircuitBreaker({
          clock,
          rule: spec.rules.map((rule) => buildRule(rule, clock)),
          mode: 'metrics-only',
        });
        const model = new Model({ ...spec, halfOpenAfter: 0 });
        let trips = 0;
        for (const s of steps) {
          if (s.kind === 'wait') {
            await clock.advance(s.ms);
            continue;
          }
          const permit = breaker.tryAcquire();
          expect(permit.admitted).toBe(true);
          if (!permit.admitted) return;
          await clock.advance(s.duration);
          if (s.failed) permit.failure('x', s.duration);
          else permit.success(s.duration);
          model.settle('closed', s.failed, s.duration, clock.now());
          // In metrics-only mode a trip empties the windows and the circuit stays closed.
          if (model.kind === 'open') {
            trips++;
            model.kind = 'closed';
          }
          expect(breaker.stats().trips).toBe(trips);
          expect(breaker.state).toBe(CircuitState.Closed);
        }
      }),
      { numRuns: 100 },
    );
  });
});
