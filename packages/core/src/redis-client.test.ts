import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from './redis-client.js';

// lazyConnect: the clients are real ioredis clients, but none of them dials until a command is sent.
const opened: RedisClient[] = [];
const open = (...args: Parameters<typeof createClient>): RedisClient => {
  const client = createClient(...args);
  opened.push(client);
  return client;
};

afterEach(() => {
  for (const client of opened.splice(0)) client.disconnect();
});

describe('createClient', () => {
  it('opens one server from a redis:// URL, with the overrides on top', () => {
    const client = open('redis://127.0.0.1:6390/3', { connectionName: 'probe', lazyConnect: true });
    expect(client).toBeInstanceOf(Redis);
    expect((client as Redis).options).toMatchObject({ host: '127.0.0.1', port: 6390, db: 3, connectionName: 'probe' });
  });

  it("opens one server from ioredis options, the overrides winning over the caller's", () => {
    const client = open(
      { host: '127.0.0.1', port: 6391, lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: 5 },
      { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
    );
    expect(client).toBeInstanceOf(Redis);
    expect((client as Redis).options).toMatchObject({
      port: 6391,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
  });

  it("opens a cluster from seed nodes: enableOfflineQueue goes to the cluster, the rest to every node's options", () => {
    const client = open(
      {
        cluster: [{ host: '127.0.0.1', port: 7000 }],
        options: { lazyConnect: true, redisOptions: { password: 'secret', connectionName: 'caller' } },
      },
      { enableOfflineQueue: false, connectionName: 'probe' },
    );
    expect(client).toBeInstanceOf(Cluster);
    const { options } = client as Cluster;
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.redisOptions).toEqual({ password: 'secret', connectionName: 'probe' });
  });

  it("leaves a cluster's own enableOfflineQueue alone when the overrides do not set it", () => {
    const client = open({ cluster: [7000], options: { lazyConnect: true, enableOfflineQueue: false } }, {});
    expect((client as Cluster).options.enableOfflineQueue).toBe(false);
  });

  it('listens for errors, so that ioredis does not print each connection error', () => {
    expect(open('redis://127.0.0.1:6392', { lazyConnect: true }).listenerCount('error')).toBe(1);
    expect(open({ cluster: [7000], options: { lazyConnect: true } }, {}).listenerCount('error')).toBe(1);
  });
});
