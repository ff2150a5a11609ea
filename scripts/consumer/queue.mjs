import assert from 'node:assert/strict';
import { VirtualClock } from '@palisade/core';
import { JobQueue, ShardedQueue } from '@palisade/queue';

const clock = new VirtualClock();
const queue = new ShardedQueue({ shards: 4, clock });
const order = [];
const runs = ['first', 'second', 'third'].map((label) => queue.add('alice', () => void order.push(label)));
await Promise.all(runs);
assert.deepEqual(order, ['first', 'second', 'third']);
assert.equal(queue.shardFor('alice'), queue.shardFor('alice'));

// The data-job API runs in process without bullmq or ioredis installed.
const jobs = new JobQueue({ handlers: { double: (n) => n * 2 } });
const id = await jobs.add('double', 21, { key: 'k' });
assert.equal(await jobs.result(id), 42);
await jobs.close();
