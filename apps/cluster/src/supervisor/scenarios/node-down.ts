import { delay } from '@palisade/core';
import type { ScrapeRound } from '../collector.ts';
import { type Detection, roundSum, type Scenario } from '../scenario.ts';

/**
 * Lesson 2 for real: `kill -9` a branch while customers hand in transfers,
 * then start it again. The routers stop sending to it (and, with shared
 * breakers, every client stops at once), the jobs it was running are
 * redelivered to other branches, and transfers out of its accounts wait in
 * its queue until it is back to write them.
 */
export const nodeDown: Scenario = {
  name: 'node-down',
  title: 'kill -9 a branch under load, then restart it',
  lesson: 'lesson 2, fault tolerance',
  async fault(cluster, pace) {
    const victim = cluster.branchIds[1] as string;
    const child = cluster.branches.get(victim);
    const pid = child?.pid;
    // @palisade/router/otel counts each router's ejections of each endpoint.
    const ejections = (round: ScrapeRound | undefined) =>
      roundSum(round, 'palisade_router_ejections_total', { palisade_router_endpoint: victim });
    const ejectedBefore = ejections(cluster.collector.latest);
    const ejected = cluster.collector.waitFor((round) => ejections(round) > ejectedBefore, pace.patience);
    // An ejection takes consecutive failures, and a router whose attempts fail on a node soon sends it
    // nothing: over a short outage it may go around the node without ever ejecting it. A failed attempt shows first.
    const failures = (round: ScrapeRound | undefined) =>
      roundSum(round, 'palisade_router_attempts_total', {
        palisade_router_endpoint: victim,
        palisade_router_outcome: 'failure',
      });
    const failedBefore = failures(cluster.collector.latest);
    const failed = cluster.collector.waitFor((round) => failures(round) > failedBefore, pace.patience);
    const gone = cluster.collector.waitFor((round) => round.samples.get(victim) === undefined, pace.patience);
    const at = Date.now();
    await cluster.killBranch(victim);
    await delay(pace.down);
    await cluster.restartBranch(victim);
    const restartedAt = Date.now();
    const back = await cluster.collector.waitFor(
      (round) =>
        [...cluster.clients.keys()].every((client) =>
          (round.samples.get(client) ?? []).some(
            (sample) =>
              sample.name === 'bank_client_endpoint_healthy' && sample.labels.endpoint === victim && sample.value === 1,
          ),
        ),
      pace.patience,
    );
    const detections: Detection[] = [
      { what: `${victim}'s metrics endpoint stopped answering`, after: after(await gone, at) },
      {
        what: `a client's router saw attempts fail on ${victim} (palisade.router.attempts)`,
        after: after(await failed, at),
      },
      {
        what: `a client's router ejected ${victim} (palisade.router.ejections)`,
        after: after(await ejected, at),
        optional: true,
      },
    ];
    return {
      at,
      detections,
      notes: [
        `killed ${victim} (pid ${pid}) with SIGKILL; restarted it ${((restartedAt - at) / 1_000).toFixed(1)} s later as pid ${cluster.branches.get(victim)?.pid}`,
        back === undefined
          ? `the routers had not all taken ${victim} back ${pace.patience / 1_000} s after its restart`
          : `every router sent ${victim} traffic again ${((back - restartedAt) / 1_000).toFixed(1)} s after its restart`,
      ],
    };
  },
};

export const after = (seen: number | undefined, at: number): number | undefined =>
  seen === undefined ? undefined : Math.max(0, seen - at);
