import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LaneScheduler } from './lane-scheduler.js';
import { ReferenceLaneScheduler } from './lane-scheduler.test-util.js';

interface Job {
  readonly id: number;
  readonly key: string;
  readonly priority: number;
}

let nextId = 0;
const job = (key: string, priority = 0): Job => ({ id: nextId++, key, priority });

function drainOrder(scheduler: LaneScheduler<Job>): string[] {
  const order: string[] = [];
  for (let next = scheduler.next(); next !== undefined; next = scheduler.next()) {
    order.push(next.key);
    scheduler.done(next);
  }
  return order;
}

describe('LaneScheduler', () => {
  it('serves keys round-robin, each key in FIFO order', () => {
    const scheduler = new LaneScheduler<Job>({ keyConcurrency: 1, orderedKeys: true });
    for (const key of ['a', 'a', 'a', 'b', 'c', 'c']) scheduler.push(job(key));
    expect(drainOrder(scheduler)).toEqual(['a', 'b', 'c', 'a', 'c', 'a']);
  });

  it('starts nothing more of a key than keyConcurrency until one is done', () => {
    const scheduler = new LaneScheduler<Job>({ keyConcurrency: 2, orderedKeys: true });
    const jobs = [job('a'), job('a'), job('a')];
    for (const j of jobs) scheduler.push(j);
    expect(scheduler.next()).toBe(jobs[0]);
    expect(scheduler.next()).toBe(jobs[1]);
    expect(scheduler.next()).toBeUndefined();
    expect(scheduler.hasReady).toBe(false);
    scheduler.done(jobs[1] as Job);
    expect(scheduler.hasReady).toBe(true);
    expect(scheduler.next()).toBe(jobs[2]);
  });

  it('serves the highest priority first; a key keeps its order even when a later job has a higher priority', () => {
    const scheduler = new LaneScheduler<Job>({ keyConcurrency: 1, orderedKeys: true });
    scheduler.push(job('a', 0));
    scheduler.push(job('a', 9));
    scheduler.push(job('b', 5));
    scheduler.push(job('c', 9));
    const order: string[] = [];
    for (let next = scheduler.next(); next !== undefined; next = scheduler.next()) {
      order.push(`${next.key}${next.priority}`);
      scheduler.done(next);
    }
    expect(order).toEqual(['c9', 'b5', 'a0', 'a9']);
  });

  it('with unordered keys, orders the jobs of one key by priority', () => {
    const scheduler = new LaneScheduler<Job>({ keyConcurrency: Number.POSITIVE_INFINITY, orderedKeys: false });
    scheduler.push(job('a', 0));
    scheduler.push(job('a', 9));
    scheduler.push(job('a', 5));
    expect([scheduler.next(), scheduler.next(), scheduler.next()].map((j) => j?.priority)).toEqual([9, 5, 0]);
  });

  it('cancels a waiting job, moving its lane when the new first job has another priority', () => {
    const scheduler = new LaneScheduler<Job>({ keyConcurrency: 1, orderedKeys: true });
    const first = job('a', 0);
    const second = job('a', 7);
    scheduler.push(first);
    scheduler.push(second);
    scheduler.push(job('b', 3));
    expect(scheduler.cancel(first)).toBe(true);
    expect(scheduler.cancel(first)).toBe(false);
    expect(scheduler.size).toBe(2);
    expect(scheduler.next()).toBe(second);
  });

  it('clear() returns every waiting job and keeps counting the running ones', () => {
    const scheduler = new LaneScheduler<Job>({ keyConcurrency: 1, orderedKeys: true });
    const running = job('a');
    scheduler.push(running);
    scheduler.push(job('a'));
    scheduler.push(job('b'));
    expect(scheduler.next()).toBe(running);
    expect(scheduler.clear()).toHaveLength(2);
    expect(scheduler.size).toBe(0);
    scheduler.push(job('a'));
    expect(scheduler.next()).toBeUndefined();
    scheduler.done(running);
    expect(scheduler.next()?.key).toBe('a');
  });

  it('never serves a key twice while another key with work waits its turn', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(1, Number.POSITIVE_INFINITY),
        (pushes, keyConcurrency) => {
          const scheduler = new LaneScheduler<Job>({ keyConcurrency, orderedKeys: true });
          const remaining = new Map<string, number>();
          for (const key of pushes) {
            scheduler.push(job(`k${key}`));
            remaining.set(`k${key}`, (remaining.get(`k${key}`) ?? 0) + 1);
          }
          const served = drainOrder(scheduler);
          const lastServed = new Map<string, number>();
          for (const [index, key] of served.entries()) {
            const previous = lastServed.get(key);
            if (previous !== undefined) {
              // Every key that still had work when `key` was last served must have had a turn since.
              const between = new Set(served.slice(previous + 1, index));
              for (const [other, left] of remaining) if (other !== key && left > 0) expect(between).toContain(other);
            }
            lastServed.set(key, index);
            remaining.set(key, (remaining.get(key) as number) - 1);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('agrees with a simple model under any sequence of push, next, done and cancel', () => {
    type Step =
      | { kind: 'push'; key: number; priority: number }
      | { kind: 'next' }
      | { kind: 'done'; pick: number }
      | { kind: 'cancel'; pick: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        kind: fc.constant('push' as const),
        key: fc.integer({ min: 0, max: 4 }),
        priority: fc.integer({ min: 0, max: 2 }),
      }),
      fc.record({ kind: fc.constant('next' as const) }),
      fc.record({ kind: fc.constant('done' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, Number.POSITIVE_INFINITY),
        fc.array(step, { maxLength: 200 }),
        (keyConcurrency, steps) => {
          const scheduler = new LaneScheduler<Job>({ keyConcurrency, orderedKeys: true });
          const waiting = new Map<string, Job[]>();
          const running: Job[] = [];
          const servedSince = new Map<string, number>();
          for (const s of steps) {
            if (s.kind === 'push') {
              const j = job(`k${s.key}`, s.priority);
              scheduler.push(j);
              waiting.set(j.key, [...(waiting.get(j.key) ?? []), j]);
            } else if (s.kind === 'next') {
              const runningOf = (key: string) => running.filter((r) => r.key === key).length;
              const readyHeads = [...waiting.values()]
                .filter((jobs) => jobs.length > 0 && runningOf((jobs[0] as Job).key) < keyConcurrency)
                .map((jobs) => jobs[0] as Job);
              const next = scheduler.next();
              if (readyHeads.length === 0) {
                expect(next).toBeUndefined();
                continue;
              }
              // The first waiting job of its key, at the highest ready priority.
              expect(next).toBeDefined();
              const taken = next as Job;
              expect(readyHeads).toContain(taken);
              expect(taken.priority).toBe(Math.max(...readyHeads.map((h) => h.priority)));
              waiting.get(taken.key)?.shift();
              running.push(taken);
              // Round-robin: no ready key at this priority waits more than one turn of the others.
              for (const head of readyHeads) {
                if (head.priority !== taken.priority || head.key === taken.key) continue;
                const skipped = (servedSince.get(head.key) ?? 0) + 1;
                servedSince.set(head.key, skipped);
                expect(skipped).toBeLessThanOrEqual(readyHeads.length);
              }
              servedSince.set(taken.key, 0);
            } else if (s.kind === 'done' && running.length > 0) {
              const [finished] = running.splice(s.pick % running.length, 1);
              scheduler.done(finished as Job);
            } else if (s.kind === 'cancel') {
              const all = [...waiting.values()].flat();
              if (all.length === 0) continue;
              const victim = all[s.pick % all.length] as Job;
              expect(scheduler.cancel(victim)).toBe(true);
              const lane = waiting.get(victim.key) as Job[];
              lane.splice(lane.indexOf(victim), 1);
              servedSince.delete(victim.key);
            }
            expect(scheduler.size).toBe([...waiting.values()].reduce((n, jobs) => n + jobs.length, 0));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('makes exactly the decisions of the reference scheduler (arrays, rings dropped when dry) for any operations', () => {
    type Step =
      | { kind: 'push'; key: number; priority: number }
      | { kind: 'next' }
      | { kind: 'done'; pick: number }
      | { kind: 'cancel'; pick: number }
      | { kind: 'clear' };
    const steps = (priority: fc.Arbitrary<number>): fc.Arbitrary<Step[]> =>
      fc.array(
        fc.oneof(
          {
            weight: 6,
            arbitrary: fc.record({ kind: fc.constant('push' as const), key: fc.nat({ max: 6 }), priority }),
          },
          { weight: 5, arbitrary: fc.record({ kind: fc.constant('next' as const) }) },
          { weight: 4, arbitrary: fc.record({ kind: fc.constant('done' as const), pick: fc.nat() }) },
          { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
          { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
        ),
        { maxLength: 400 },
      );
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(1, 2, Number.POSITIVE_INFINITY),
        fc.oneof(
          steps(fc.integer({ min: 0, max: 3 })),
          steps(fc.integer({ min: -300, max: 300 })),
          steps(fc.double({ noNaN: true })),
        ),
        (orderedKeys, keyConcurrency, run) => {
          const scheduler = new LaneScheduler<Job>({ keyConcurrency, orderedKeys });
          const reference = new ReferenceLaneScheduler<Job>({ keyConcurrency, orderedKeys });
          const pushed: Job[] = [];
          const running: Job[] = [];
          for (const s of run) {
            if (s.kind === 'push') {
              const j = job(`k${s.key}`, s.priority);
              pushed.push(j);
              scheduler.push(j);
              reference.push(j);
            } else if (s.kind === 'next') {
              const next = scheduler.next();
              expect(next).toBe(reference.next());
              if (next !== undefined) running.push(next);
            } else if (s.kind === 'done' && running.length > 0) {
              const [finished] = running.splice(s.pick % running.length, 1);
              scheduler.done(finished as Job);
              reference.done(finished as Job);
            } else if (s.kind === 'cancel' && pushed.length > 0) {
              const victim = pushed[s.pick % pushed.length] as Job;
              expect(scheduler.cancel(victim)).toBe(reference.cancel(victim));
            } else if (s.kind === 'clear') {
              expect(scheduler.clear()).toEqual(reference.clear());
            }
            expect(scheduler.size).toBe(reference.size);
            expect(scheduler.hasReady).toBe(reference.hasReady);
          }
          // Drain what is left, finishing each job at once.
          for (let next = scheduler.next(); next !== undefined; next = scheduler.next()) {
            expect(next).toBe(reference.next());
            scheduler.done(next);
            reference.done(next);
          }
          expect(reference.next()).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('agrees with the reference through thousands of distinct priorities, past the idle rings it keeps', () => {
    for (const orderedKeys of [true, false]) {
      const scheduler = new LaneScheduler<Job>({ keyConcurrency: 1, orderedKeys });
      const reference = new ReferenceLaneScheduler<Job>({ keyConcurrency: 1, orderedKeys });
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      for (let i = 0; i < 20_000; i++) {
        const j = job(`k${random(50)}`, random(3000) - 1000);
        scheduler.push(j);
        reference.push(j);
        if (i % 3 !== 0) {
          const next = scheduler.next();
          expect(next).toBe(reference.next());
          if (next !== undefined) {
            scheduler.done(next);
            reference.done(next);
          }
        }
      }
      for (let next = scheduler.next(); next !== undefined; next = scheduler.next()) {
        expect(next).toBe(reference.next());
        scheduler.done(next);
        reference.done(next);
      }
      expect(reference.size).toBe(0);
    }
  });
});
