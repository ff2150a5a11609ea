import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.js';

/** A Lua script sent by its SHA, and in full only when the server has not seen it (after a restart, say). */
export class Script {
  readonly #lua: string;
  readonly #sha: string;
  readonly #keys: number;

  constructor(keys: number, lua: string) {
    this.#lua = lua;
    this.#keys = keys;
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (keys.length !== this.#keys) throw new Error(`script takes ${this.#keys} keys, got ${keys.length}`);
    try {
      return await client.evalsha(this.#sha, this.#keys, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.#lua, this.#keys, ...keys, ...args);
    }
  }
}

const NOW_MS = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

/** Takes a lease, or extends one this owner holds. ARGV: owner, ttl. */
export const acquireLease = new Script(
  1,
  `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`,
);

/** Extends a lease only while this owner holds it. ARGV: owner, ttl. */
export const renewLease = new Script(
  1,
  `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`,
);

/** Gives a lease up, only if this owner holds it. ARGV: owner. */
export const releaseLease = new Script(
  1,
  `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`,
);

/** Raises a number to at least ARGV[1]; returns the result. */
export const raiseTo = new Script(
  1,
  `local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if wanted > current then redis.call('SET', KEYS[1], ARGV[1]) return wanted end
return current`,
);

/** Writes the ring if its version is still ARGV[1]. Returns 1 on success. */
export const compareAndSetRing = new Script(
  1,
  `local current = redis.call('GET', KEYS[1])
local version = 0
if current then version = cjson.decode(current).version end
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`,
);

/**
 * A member's heartbeat: expires dead members (and their acks), renews this
 * one, records the epoch it acknowledges, and returns the ring, the live
 * workers and Redis' clock. KEYS: members, workers, acks, ring. ARGV: id,
 * ttl, is worker (1/0), acknowledged epoch.
 */
export const heartbeat = new Script(
  4,
  `${NOW_MS}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, member in ipairs(dead) do redis.call('HDEL', KEYS[3], member) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
return { redis.call('GET', KEYS[4]) or '', redis.call('ZRANGE', KEYS[2], 0, -1), tostring(now) }`,
);

/** A member leaves: KEYS: members, workers, acks. ARGV: id. */
export const leave = new Script(
  3,
  `redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1`,
);

/** The live members that have not acknowledged epoch ARGV[1]. KEYS: members, acks. */
export const laggards = new Script(
  2,
  `${NOW_MS}
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
local behind = {}
for _, member in ipairs(live) do
  local acked = tonumber(redis.call('HGET', KEYS[2], member) or '0')
  if acked < tonumber(ARGV[1]) then table.insert(behind, member) end
end
return behind`,
);

/** Redis' clock, in ms. */
export const redisNow = new Script(
  0,
  `${NOW_MS}
return tostring(now)`,
);

/**
 * The fencing token of a job's start, from its shard's counter, only while
 * the caller still holds the job's lock (-1 otherwise): a worker frozen
 * between taking the job and asking for its token cannot come back with a
 * token newer than the one its successor got. A counter made (or made again,
 * after Redis lost it) starts at Redis' clock in microseconds, above every
 * token handed out before, as long as fewer than one job a microsecond
 * started on average. KEYS: the job's BullMQ lock, the shard's counter.
 * ARGV: the lock token.
 */
export const startFencing = new Script(
  2,
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local time = redis.call('TIME')
  redis.call('SET', KEYS[2], string.format('%.0f', tonumber(time[1]) * 1000000 + tonumber(time[2])))
end
return redis.call('INCR', KEYS[2])`,
);

/** Members of a membership set that have not expired. */
export const countLive = new Script(
  1,
  `${NOW_MS}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`,
);
