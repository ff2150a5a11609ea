import { anySample, type Scenario } from '../scenario.ts';
import { after } from './node-down.ts';

/**
 * Lesson 5's point, that the data outlives a node, for the node everything
 * stands on: `kill -9` Redis under load and start it again from its
 * append-only file (`appendfsync always`). Jobs, leases, fencing counters
 * and balances come back; hand-ins fail while it is down and the clients
 * hand them in again.
 */
export const redisRestart: Scenario = {
  name: 'redis-restart',
  title: 'kill -9 Redis under load, restart it from its AOF',
  lesson: 'lesson 5, a decentralized database',
  async fault(cluster, pace) {
    const down = cluster.collector.waitFor(
      anySample('bank_redis_up', {}, (value) => value === 0),
      pace.patience,
    );
    const pid = cluster.redis.pid;
    const at = Date.now();
    await cluster.restartRedis(Math.min(pace.down, 2_000));
    const restartedAt = Date.now();
    const up = await cluster.collector.waitFor(
      (round) =>
        [...cluster.branches.keys()].every((branch) =>
          (round.samples.get(branch) ?? []).some((sample) => sample.name === 'bank_redis_up' && sample.value === 1),
        ),
      pace.patience,
    );
    return {
      at,
      detections: [{ what: 'a process reported bank.redis.up = 0', after: after(await down, at) }],
      notes: [
        `killed redis-server (pid ${pid}) with SIGKILL; restarted it from its AOF ${((restartedAt - at) / 1_000).toFixed(1)} s later as pid ${cluster.redis.pid}`,
        up === undefined
          ? 'not every branch reached Redis again within the scenario'
          : `every branch reached Redis again ${((up - restartedAt) / 1_000).toFixed(1)} s after the restart`,
      ],
    };
  },
};
