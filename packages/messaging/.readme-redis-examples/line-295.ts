import { accept, connect, Identity, KeyDirectory } from '@palisade/messaging';
import { dialRedis, RedisInbox } from '@palisade/messaging/redis';
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const hq = Identity.generate('hq');
const branch = Identity.generate('branch-7');
const directory = new KeyDirectory();
directory.register(hq.publicIdentity);
directory.register(branch.publicIdentity);

// At HQ: accept every link dialled to HQ's inbox.
const atHq = new Redis(url);
const inbox = new RedisInbox({ redis: atHq, node: 'hq' });
const report = new Promise<string>((resolve) =>
  inbox.onLink(({ transport }) => {
    const channel = accept(transport, { identity: hq, directory });
    channel.onMessage((data) => resolve(new TextDecoder().decode(data)));
  }),
);
await inbox.ready;

// At the branch, in another process: dial HQ, then run the handshake over the link.
const atBranch = new Redis(url);
const link = await dialRedis({ redis: atBranch, from: 'branch-7', to: 'hq' });
const channel = connect(link, { identity: branch, directory, peer: 'hq', mode: 'stream' });
await channel.ready;
channel.send(new TextEncoder().encode('end-of-day total: 1204'));
console.log(await report); // → end-of-day total: 1204
channel.end();
channel.close();
await Promise.all([link.close(), inbox.close()]);
atHq.disconnect();
atBranch.disconnect();
