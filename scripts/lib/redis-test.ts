import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  REDIS_MISSING_MESSAGE,
  type RedisServer,
  type RedisServerOptions,
  redisServerPath,
  startRedisServer,
} from './redis-server.ts';

export interface RedisFixture {
  /** The server this describe block owns; tests may kill, freeze or restart it (then assign the restarted one back). */
  server: RedisServer;
}

/**
 * A describe block with its own redis-server (see redis-server.ts), started
 * before its tests and stopped after them. Without redis-server it skips,
 * saying how to install it; under CI=true it fails instead.
 */
export function describeWithRedis(
  name: string,
  body: (fixture: RedisFixture) => void,
  options: RedisServerOptions = {},
): void {
  if (redisServerPath() === '') {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs redis-server', () => {
          throw new Error(`CI=true requires the Redis tests. ${REDIS_MISSING_MESSAGE}`);
        });
      });
    } else {
      describe.skip(`${name} (${REDIS_MISSING_MESSAGE})`, () => {
        it('skipped', () => {});
      });
    }
    return;
  }
  describe(name, () => {
    const fixture = {} as RedisFixture;
    beforeAll(async () => {
      fixture.server = await startRedisServer(options);
    });
    afterAll(async () => {
      await fixture.server?.stop();
    });
    body(fixture);
  });
}

/** `it` for tests that start their own servers (kill/restart scenarios): skips or fails like describeWithRedis. */
export const redisAvailable = (): boolean => redisServerPath() !== '';
