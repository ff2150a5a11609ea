import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis } from '../../../scripts/lib/redis-test.ts';
import { type FleetWorker, percentile, spawnWorker, stopWorkers } from './redis-breaker-fleet.test-util.js';

/**
 * Four processes share one breaker through Redis (each a child process with
 * its own client and backend). Times are the processes' Date.now(), on one
 * machine. Bounds are generous: the bench measures the figures.
 */
const STALENESS = 1_000;

interface State {
  readonly record: { readonly kind: string; readonly epoch: number };
  readonly connected: boolean;
  readonly reconciles: number;
  readonly breakAt: number | undefined;
  readonly circuit: { readonly source: string; readonly remoteEpoch: number | undefined };
  readonly ok?: boolean;
}

async function setupAll(workers: readonly FleetWorker[], url: string, options: Record<string, unknown>): Promise<void> {
  await Promise.all(workers.map((worker) => worker.request('setup', { url, ...options })));
}

function untilState(worker: FleetWorker, kind: string, extra: Record<string, unknown> = {}): Promise<State> {
  return worker.request<State>('until-state', { kind, timeout: 10_000, ...extra }, 15_000);
}

describeWithRedis('4 processes share one breaker', (redis) => {
  const workers: FleetWorker[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) workers.push(spawnWorker());
  });
  afterAll(async () => {
    await stopWorkers(workers);
  });

  it('one process trips it, and every other rejects within the staleness bound', async () => {
    await setupAll(workers, redis.server.url, {
      circuit: 'propagation',
      threshold: 3,
      halfOpenAfter: 600_000,
      staleness: STALENESS,
    });
    const [tripper, ...others] = workers as [FleetWorker, ...FleetWorker[]];
    const delays: number[] = [];
    for (let round = 0; round < 10; round++) {
      const rejections = others.map((worker) => worker.request<{ at?: number }>('until-rejected', { timeout: 5_000 }));
      const tripped = await tripper.request<State>('fail', { count: 3 });
      expect(tripped.record.kind).toBe('open');
      for (const { at } of await Promise.all(rejections)) {
        expect(at, 'a process never saw the circuit open').toBeDefined();
        delays.push(Math.max(0, (at as number) - (tripped.breakAt as number)));
      }
      await tripper.request('reset');
      await Promise.all(workers.map((worker) => untilState(worker, 'closed')));
    }
    const p50 = percentile(delays, 50);
    const p99 = percentile(delays, 99);
    console.log(`open propagation over ${delays.length} samples: p50 ${p50} ms, p99 ${p99} ms`);
    expect(Math.max(...delays)).toBeLessThanOrEqual(STALENESS);
  });

  it('in half-open, exactly one probe at a time crosses all four processes, over 100 runs', async () => {
    await setupAll(workers, redis.server.url, {
      circuit: 'one-prober',
      threshold: 1,
      halfOpenAfter: 10,
      leaseDuration: 2_000,
    });
    const observer = new Redis(redis.server.url);
    try {
      await (workers[0] as FleetWorker).request('fail', { count: 1 });
      const results = await Promise.all(
        workers.map((worker) =>
          worker.request<{ probes: number; done: boolean }>(
            'probe-loop',
            { key: 'one-prober', total: 100, timeout: 60_000 },
            70_000,
          ),
        ),
      );
      const total = Number(await observer.get('one-prober:total'));
      const overlaps = Number(await observer.get('one-prober:overlaps'));
      expect(results.every((result) => result.done)).toBe(true);
      expect(total).toBe(100);
      expect(results.reduce((sum, result) => sum + result.probes, 0)).toBe(100);
      expect(overlaps, 'two probes ran at once').toBe(0);
      // Not one process taking every probe: the slot goes to whoever claims it.
      expect(results.filter((result) => result.probes > 0).length).toBeGreaterThan(1);
    } finally {
      observer.disconnect();
    }
  });

  it('with a quorum of 3, one process that sees failures opens only its own circuit; three open the shared one', async () => {
    await setupAll(workers, redis.server.url, {
      circuit: 'quorum',
      threshold: 2,
      halfOpenAfter: 600_000,
      quorum: 3,
    });
    const [first, second, third, bystander] = workers as [FleetWorker, FleetWorker, FleetWorker, FleetWorker];
    await first.request('fail', { count: 2 });
    // Redis answers that one trip is short of the quorum: this process stays open on its own.
    expect((await untilState(first, 'open', { source: 'own' })).ok).toBe(true);
    // Longer than propagation takes: nobody else follows a single process.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const worker of [second, third, bystander]) {
      expect((await worker.request<State>('calls', { count: 3 })).record.kind).toBe('closed');
    }
    await second.request('fail', { count: 2 });
    expect((await untilState(second, 'open', { source: 'own' })).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await bystander.request<State>('calls', { count: 3 })).record.kind).toBe('closed');
    await third.request('fail', { count: 2 });
    const shared = await untilState(bystander, 'open');
    expect(shared.ok).toBe(true);
    expect(shared.circuit.source).toBe('shared');
  });

  it('a prober killed with kill -9 while it holds the slot: another process probes once its lease expires', async () => {
    const lease = 1_000;
    await setupAll(workers, redis.server.url, {
      circuit: 'killed-prober',
      threshold: 1,
      halfOpenAfter: 20,
      leaseDuration: lease,
    });
    const [prober, ...others] = workers as [FleetWorker, ...FleetWorker[]];
    await prober.request('fail', { count: 1 });
    const probing = await prober.request<{ at?: number }>('hang-probe', { timeout: 5_000 });
    expect(probing.at).toBeDefined();
    const next = others.map((worker) =>
      worker.request<{ at?: number; closed?: boolean }>('first-probe', { timeout: 10_000 }, 15_000),
    );
    // Long enough for the others to have tried and been turned away.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const killedAt = Date.now();
    prober.child.kill('SIGKILL');
    const probes = (await Promise.all(next)).filter((result) => result.at !== undefined);
    expect(probes).toHaveLength(1);
    const waited = (probes[0]?.at as number) - killedAt;
    console.log(`after kill -9 of the prober, the next probe came ${waited} ms later (lease ${lease} ms)`);
    // The lease was renewed at most a third of a lease before the kill.
    expect(waited).toBeGreaterThanOrEqual(lease / 2);
    expect(waited).toBeLessThanOrEqual(lease + 3_000);
    workers[0] = spawnWorker();
  });
});

describeWithRedis(
  'Redis stops and restarts under 4 processes',
  (redis) => {
    const workers: FleetWorker[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 4; i++) workers.push(spawnWorker());
      await setupAll(workers, redis.server.url, {
        circuit: 'outage',
        threshold: 3,
        halfOpenAfter: 600_000,
        staleness: 500,
      });
    });
    afterAll(async () => {
      await stopWorkers(workers);
    });

    it('with Redis down each breaker still opens on its own failures, and no call fails because of Redis; after a restart the states reconcile', async () => {
      await redis.server.kill();
      const down = await Promise.all(workers.map((worker) => untilState(worker, 'closed', { connected: false })));
      expect(down.every((state) => state.ok)).toBe(true);

      const [healthy, ...failing] = workers as [FleetWorker, ...FleetWorker[]];
      for (const worker of workers) {
        const calls = await worker.request<{ outcomes: Record<string, number>; slowest: number }>('calls', {
          count: 20,
        });
        expect(calls.outcomes, 'calls that succeed must never fail because Redis is down').toEqual({ ok: 20 });
        expect(calls.slowest).toBeLessThan(1_000);
      }
      for (const worker of failing) {
        const calls = await worker.request<State & { outcomes: Record<string, number> }>('calls', {
          count: 5,
          fail: true,
        });
        // Three failures open it on its own; the two calls after are turned away by this process's breaker.
        expect(calls.outcomes).toEqual({ dependency: 3, BreakerOpenError: 2 });
        expect(calls.record.kind).toBe('open');
      }
      expect((await healthy.request<State>('state')).record.kind).toBe('closed');

      redis.server = await redis.server.restart();
      const after = await Promise.all(workers.map((worker) => untilState(worker, 'open', { connected: true })));
      expect(after.every((state) => state.ok)).toBe(true);
      // Open wins; every process now mirrors the same record in Redis.
      const epochs = new Set(
        (await Promise.all(workers.map((worker) => worker.request<State>('state')))).map((state) => {
          expect(state.circuit.source).toBe('shared');
          return state.circuit.remoteEpoch;
        }),
      );
      expect(epochs.size).toBe(1);
      for (const worker of failing) expect((await worker.request<State>('state')).reconciles).toBeGreaterThanOrEqual(1);
    });
  },
  { appendOnly: true },
);
