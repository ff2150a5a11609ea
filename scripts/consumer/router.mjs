import assert from 'node:assert/strict';
import { seededRandom, VirtualClock } from '@palisade/core';
import { Router } from '@palisade/router';

const clock = new VirtualClock();
const router = new Router({ clock, random: seededRandom(1), endpoints: [{ id: 'a' }, { id: 'b' }] });
const call = router.execute((endpoint) => (endpoint.id === 'a' ? Promise.reject(new Error('a is down')) : 'from b'));
await clock.runAll();
assert.equal(await call, 'from b');
