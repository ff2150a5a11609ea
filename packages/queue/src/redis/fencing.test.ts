import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';
import {
  FAST,
  type FencedWriteRecord,
  readStarts,
  spawnWorker,
  stepProducer,
  stopWorkers,
  testKeys,
  type WorkerProcess,
  waitUntil,
} from './harness.test-util.js';

describeWithRedis('fencing', (fixture) => {
  it('a worker frozen past its lock (SIGSTOP) comes back to find its write refused by the fencing token', async () => {
    const name = 'fencing';
    const url = fixture.server.url;
    const redis = new Redis(url);
    const keys = testKeys(name);
    const workers: WorkerProcess[] = [];
    const producer = stepProducer(url, name, 1);
    try {
      for (let i = 0; i < 2; i++) workers.push(spawnWorker({ connection: url, name, shards: 1, engine: FAST }));
      await Promise.all(workers.map((worker) => worker.ready));
      const id = await producer.add('step', { label: 'transfer', ms: 2000, fenced: true }, { key: 'account-7' });
      await waitUntil(async () => (await redis.llen(keys.starts)) === 1, 10_000, 'the job to start');
      const [first] = await readStarts(redis, name);
      const frozen = workers.find((worker) => worker.pid === first?.pid) as WorkerProcess;
      frozen.kill('SIGSTOP');

      // The other worker takes the shard over, finds the job stalled, runs it again and writes.
      const writes = async (): Promise<FencedWriteRecord[]> =>
        (await redis.lrange(keys.writes, 0, -1)).map((line) => JSON.parse(line) as FencedWriteRecord);
      await waitUntil(async () => (await writes()).length === 1, 20_000, 'the redelivered job to write');
      frozen.kill('SIGCONT');
      await waitUntil(async () => (await writes()).length === 2, 20_000, 'the stale worker to try its write');

      const [fresh, stale] = await writes();
      expect(fresh?.pid).not.toBe(frozen.pid);
      expect(fresh?.accepted).toBe(true);
      expect(stale?.pid).toBe(frozen.pid);
      expect(stale?.accepted).toBe(false);
      expect(stale?.token).toBeLessThan(fresh?.token as number);
      expect(await redis.hget(keys.store, 'account-7:token')).toBe(String(fresh?.token));
      // The job completed once, by the worker that held the lock.
      expect((await producer.result(id, { timeout: 10_000 })) as unknown).toEqual({
        label: 'transfer',
        pid: fresh?.pid,
      });
      const starts = await readStarts(redis, name);
      expect(starts.map((start) => start.pid)).toEqual([frozen.pid, fresh?.pid]);
    } finally {
      await stopWorkers(workers);
      await producer.close();
      redis.disconnect();
    }
  });
});
