import assert from 'node:assert/strict';
import { VirtualClock } from '@palisade/core';
import { ShardedQueue } from '@palisade/queue';

const clock = new VirtualClock();
const queue = new ShardedQueue({ shards: 4, clock });
const order = [];
const runs = ['first', 'second', 'third'].map((label) => queue.add('alice', () => void order.push(label)));
await Promise.all(runs);
assert.deepEqual(order, ['first', 'second', 'third']);
assert.equal(queue.shardFor('alice'), queue.shardFor('alice'));
