import { seededRandom, VirtualClock } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HedgeOptions } from './options.js';
import { RetryBudget } from './retry-budget.js';
import { Router } from './router.js';
import { Boom } from './simulation.test-util.js';

/** What one attempt does: settle after `delay` ms, throw at once, hang, or finish late while ignoring its signal. */
type Behaviour =
  | { readonly kind: 'resolve' | 'reject' | 'ignore-signal'; readonly delay: number }
  | { readonly kind: 'throw' | 'hang' | 'return' };

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('resolve' as const, 'reject' as const, 'ignore-signal' as const),
    delay: fc.integer({ min: 0, max: 400 }),
  }),
  fc.record({ kind: fc.constantFrom('throw' as const, 'hang' as const, 'return' as const) }),
);

interface CallSpec {
  readonly startAt: number;
  readonly timeout: number;
  readonly attempts: readonly Behaviour[];
  /** When the caller aborts, if it does. */
  readonly abortAt: number | null;
  readonly hedge: boolean;
}

const callSpec: fc.Arbitrary<CallSpec> = fc.record({
  startAt: fc.integer({ min: 0, max: 300 }),
  timeout: fc.integer({ min: 1, max: 500 }),
  attempts: fc.array(behaviour, { minLength: 1, maxLength: 5 }),
  abortAt: fc.option(fc.integer({ min: 0, max: 600 }), { nil: null }),
  hedge: fc.boolean(),
});

const routerSpec = fc.record({
  endpoints: fc.integer({ min: 0, max: 4 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  backoff: fc.integer({ min: 0, max: 100 }),
  attemptTimeout: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
  removeAt: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
  seed: fc.integer(),
});

function attemptFunction(clock: VirtualClock, spec: CallSpec) {
  return (_endpoint: unknown, signal: AbortSignal, attempt: number): unknown => {
    const step = spec.attempts[(attempt - 1) % spec.attempts.length] as Behaviour;
    switch (step.kind) {
      case 'throw':
        throw new Boom('sync');
      case 'return':
        return 'sync value';
      case 'hang':
        return new Promise(() => {});
      default:
        return new Promise((resolve, reject) => {
          const timer = clock.setTimeout(
            () => (step.kind === 'reject' ? reject(new Boom('late')) : resolve(attempt)),
            step.delay,
          );
          if (step.kind !== 'ignore-signal') {
            signal.addEventListener('abort', () => {
              clock.clearTimeout(timer);
              reject(signal.reason);
            });
          }
        });
    }
  };
}

function answerIn(clock: VirtualClock, ms: number, value: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve(value), ms);
    signal.addEventListener('abort', () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

describe('properties', () => {
  it('every call settles by its deadline, whatever the function does, and leaves nothing in flight', async () => {
    await fc.assert(
      fc.asyncProperty(routerSpec, fc.array(callSpec, { minLength: 1, maxLength: 8 }), async (spec, calls) => {
        const clock = new VirtualClock();
        const router = new Router({
          clock,
          random: seededRandom(spec.seed),
          endpoints: Array.from({ length: spec.endpoints }, (_, i) => ({ id: `e${i}` })),
          retry: { maxAttempts: spec.maxAttempts, backoff: spec.backoff },
          ...(spec.attemptTimeout === undefined ? {} : { attemptTimeout: spec.attemptTimeout }),
        });
        const settledAt: (number | undefined)[] = calls.map(() => undefined);
        for (const [index, call] of calls.entries()) {
          const controller = new AbortController();
          if (call.abortAt !== null) clock.setTimeout(() => controller.abort(), call.abortAt);
          clock.setTimeout(() => {
            const hedge: HedgeOptions | false = call.hedge ? { delay: 20 } : false;
            router
              .execute(attemptFunction(clock, call), { timeout: call.timeout, signal: controller.signal, hedge })
              .then(
                () => {},
                () => {},
              )
              .finally(() => {
                settledAt[index] = clock.now();
              });
          }, call.startAt);
        }
        if (spec.removeAt !== null) {
          clock.setTimeout(
            () => router.remove('e0', { abortInFlight: spec.removeAt !== null && spec.removeAt % 2 === 0 }),
            spec.removeAt,
          );
        }
        await clock.advance(1_000);
        for (const [index, call] of calls.entries()) {
          const at = settledAt[index];
          if (at === undefined) return false;
          const latest =
            call.abortAt !== null && call.abortAt >= call.startAt
              ? Math.min(call.abortAt, call.startAt + call.timeout)
              : call.startAt + call.timeout;
          if (at > latest) return false;
        }
        const stats = router.stats();
        return (
          stats.inFlight === 0 &&
          stats.endpoints.every((endpoint) => endpoint.outstanding === 0) &&
          stats.calls === calls.length
        );
      }),
      { numRuns: 150 },
    );
  });

  it('an endpoint that answers again always returns: no probe, cancelled, hedged or cut off, leaves it out', async () => {
    await fc.assert(
      fc.asyncProperty(routerSpec, fc.array(callSpec, { minLength: 1, maxLength: 12 }), async (spec, calls) => {
        const clock = new VirtualClock();
        const ids = ['a', 'b', 'c'];
        const router = new Router({
          clock,
          random: seededRandom(spec.seed),
          endpoints: ids.map((id) => ({ id })),
          retry: { maxAttempts: spec.maxAttempts, backoff: spec.backoff },
          outlierDetection: { consecutiveFailures: 1, baseEjectionTime: 1_000, maxEjectionTime: 2_000 },
          ewmaDecay: 1_000,
          ...(spec.attemptTimeout === undefined ? {} : { attemptTimeout: spec.attemptTimeout }),
        });
        // Calls that fail, hang, get cancelled or hedged, one after another so probes meet all of it.
        for (const [index, call] of calls.entries()) {
          const controller = new AbortController();
          const at = index * 1_100 + call.startAt;
          if (call.abortAt !== null) clock.setTimeout(() => controller.abort(), at + call.abortAt);
          clock.setTimeout(() => {
            const hedge: HedgeOptions | false = call.hedge ? { delay: 20 } : false;
            router
              .execute(attemptFunction(clock, call), { timeout: call.timeout, signal: controller.signal, hedge })
              .catch(() => {});
          }, at);
        }
        await clock.advance(calls.length * 1_100 + 1_000);
        // Then every endpoint answers, in 5 ms: a call every 20 ms for a minute.
        for (let i = 0; i < 3_000; i++) {
          void router
            .execute((endpoint, signal) => answerIn(clock, 5, endpoint.id, signal), {
              hedge: false,
              attemptTimeout: Number.POSITIVE_INFINITY,
            })
            .catch(() => {});
          await clock.advance(20);
        }
        return ids.every((id) => router.endpointStats(id)?.status === 'healthy');
      }),
      { numRuns: 60 },
    );
  });

  it('the router never lets more retries and hedges through than its budget allows', async () => {
    const ttl = 1_000;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          percentCanRetry: fc.constantFrom(0.1, 0.2, 0.5),
          minRetriesPerSecond: fc.integer({ min: 0, max: 5 }),
          failureShare: fc.double({ min: 0, max: 1, noNaN: true }),
          gaps: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 20, maxLength: 120 }),
          hedge: fc.boolean(),
        }),
        async ({ seed, percentCanRetry, minRetriesPerSecond, failureShare, gaps, hedge }) => {
          const clock = new VirtualClock();
          const random = seededRandom(seed);
          const router = new Router({
            clock,
            random: seededRandom(seed + 1),
            endpoints: ['a', 'b', 'c'].map((id) => ({ id })),
            retry: { maxAttempts: 4, backoff: 5 },
            budget: new RetryBudget({ percentCanRetry, minRetriesPerSecond, ttl }),
            outlierDetection: false,
            ...(hedge ? { hedge: { delay: 15 } } : {}),
          });
          const callsAt: number[] = [];
          const extraAt: number[] = [];
          // The budget is asked when a retry is decided, which is a backoff before its attempt
          // starts: a retry is timed by onRetry, a hedge (asked as it starts) by its attempt.
          router.onAttempt(({ kind }) => {
            if (kind === 'first') callsAt.push(clock.now());
            else if (kind === 'hedge') extraAt.push(clock.now());
          });
          router.onRetry(() => extraAt.push(clock.now()));
          const pending: Promise<unknown>[] = [];
          for (const gap of gaps) {
            pending.push(
              router
                .execute(
                  () =>
                    new Promise((resolve, reject) =>
                      clock.setTimeout(() => (random() < failureShare ? reject(new Boom('x')) : resolve(1)), 20),
                    ),
                )
                .catch(() => {}),
            );
            await clock.advance(gap);
          }
          await clock.advance(60_000);
          await Promise.all(pending);
          for (const [index, at] of extraAt.entries()) {
            const granted = extraAt.slice(0, index + 1).filter((t) => t > at - 0.9 * ttl).length;
            const calls = callsAt.filter((t) => t > at - ttl && t <= at).length;
            if (granted > Math.max((minRetriesPerSecond * ttl) / 1_000, percentCanRetry * calls) + 1e-9) return false;
          }
          return true;
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('property tests can fail', () => {
  it('a router without a deadline does not settle a hanging call (so the deadline property is not vacuous)', async () => {
    const clock = new VirtualClock();
    const router = new Router({ clock, endpoints: [{ id: 'a' }], timeout: Number.POSITIVE_INFINITY });
    let settled = false;
    router
      .execute(() => new Promise(() => {}))
      .finally(() => {
        settled = true;
      });
    await clock.advance(100_000);
    expect(settled).toBe(false);
  });
});
