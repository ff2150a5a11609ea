import { anySample, type Scenario } from '../scenario.ts';
import { after } from './node-down.ts';

/**
 * Lesson 1's scale-out, with lesson 2's cluster: add a branch (a new front
 * desk, a new worker, and the home of new accounts) and a shard to every
 * transfer queue, while customers keep handing transfers in. Keys that move
 * to the new shard finish on the old one first, so no account's transfers
 * run out of order.
 */
export const scale: Scenario = {
  name: 'scale',
  title: 'add a branch and a queue shard under load',
  lesson: 'lessons 1 and 4, scalability, and the new links it brings',
  async fault(cluster, pace) {
    const next = `branch-${cluster.branchIds.length + 1}`;
    const serving = cluster.collector.waitFor(
      (round) =>
        (round.samples.get(next) ?? []).some(
          (sample) => sample.name === 'bank_transfers_received_total' && sample.labels.result === 'queued',
        ),
      pace.patience * 2,
    );
    const at = Date.now();
    const added = await cluster.addBranch();
    const addedAt = Date.now();
    const from = cluster.queueShards;
    const resizing = Date.now();
    await cluster.resizeQueues(from + 1);
    const resized = Date.now();
    const working = await cluster.collector.waitFor(
      anySample('bank_jobs_total', { result: 'done' }, () => true),
      pace.patience,
    );
    return {
      at,
      detections: [
        { what: `${added} handing in transfers, in its bank.transfers.received`, after: after(await serving, at) },
      ],
      notes: [
        `started ${added} in ${((addedAt - at) / 1_000).toFixed(1)} s; every client's router took it as an endpoint`,
        `resized ${cluster.branchIds.length} transfer queues from ${from} to ${from + 1} shards in ${((resized - resizing) / 1_000).toFixed(1)} s, under load`,
        ...(working === undefined ? ['no branch ran a transfer job after the resize'] : []),
      ],
    };
  },
};
