import assert from 'node:assert/strict';
import { accept, connect, createMemoryLink, Identity, KeyDirectory } from '@palisade/messaging';

const a = Identity.generate('a');
const b = Identity.generate('b');
const directory = new KeyDirectory();
directory.register(a.publicIdentity);
directory.register(b.publicIdentity);
const [toB, toA] = createMemoryLink();
const atB = accept(toA, { identity: b, directory });
const atA = connect(toB, { identity: a, directory, peer: 'b' });
const received = new Promise((resolve) => atB.onMessage((data) => resolve(new TextDecoder().decode(data))));
await atA.ready;
atA.send(new TextEncoder().encode('hello b'));
assert.equal(await received, 'hello b');
atA.close();
atB.close();
