import assert from 'node:assert/strict';
import { createDeadline, DeadlineExceededError, PalisadeError, seededRandom, VirtualClock } from '@palisade/core';

const clock = new VirtualClock();
const deadline = createDeadline(100, { clock });
await clock.advance(100);
assert.ok(deadline.signal.reason instanceof DeadlineExceededError);
assert.ok(deadline.signal.reason instanceof PalisadeError);
assert.equal(seededRandom(3)(), seededRandom(3)());
