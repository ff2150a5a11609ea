import { createHash } from 'node:crypto';

/**
 * The one Lua script behind every change to a shared circuit. Running it is
 * atomic, so each operation is a compare-and-set: it reads the record, checks
 * the epoch (and, for a probe, its lease), and writes the next record with
 * `epoch + 1`. Time is Redis's own (`TIME`), so a process whose clock is
 * ahead can neither end an open period early nor make a lease look expired.
 *
 * KEYS: the circuit's state hash, its probe-lease sorted set and its trip
 * sorted set, all under one hash tag (one slot on a Redis Cluster).
 * ARGV: op, channel, name, ttl, then the op's own arguments (from ARGV[5]).
 *
 * Hash fields: k kind (c closed, o open, h half-open, i isolated), e epoch,
 * s since, u until, a attempt, d the last open period's length, ps and pf the
 * half-open epoch's probe successes and failures.
 *
 * Replies `{ now, absent, k, e, s, u, a, ps, pf, inFlight, grant, applied }`,
 * and publishes `k e s u a ps pf now\nname` on the channel after any change.
 */
export const CIRCUIT_SCRIPT = `
local state, probes, trips = KEYS[1], KEYS[2], KEYS[3]
local op, channel, name, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local f = redis.call('HMGET', state, 'k', 'e', 's', 'u', 'a', 'd', 'ps', 'pf')
local absent = not f[1]
local r = { k = f[1] or 'c', e = tonumber(f[2]) or 0, s = tonumber(f[3]) or 0, u = tonumber(f[4]) or 0,
  a = tonumber(f[5]) or 0, d = tonumber(f[6]) or 0, ps = tonumber(f[7]) or 0, pf = tonumber(f[8]) or 0 }
local applied, grant, changed = 0, '', false

local function move(kind, duration, attempt)
  r.e = r.e + 1
  r.k = kind
  r.s = now
  r.ps, r.pf = 0, 0
  r.u = 0
  if kind == 'o' then
    r.u = now + duration
    r.d = duration
    r.a = attempt
  elseif kind ~= 'h' then
    r.a = 0
  end
  redis.call('DEL', probes)
  changed = true
end

local function inFlight()
  if r.k ~= 'h' then return 0 end
  redis.call('ZREMRANGEBYSCORE', probes, '-inf', now)
  return redis.call('ZCARD', probes)
end

if op == 'trip' then
  -- ARGV: duration, quorum, window, owner. Opens a closed circuit, whatever its epoch: an open wins.
  local quorum = tonumber(ARGV[6])
  if r.k == 'c' then
    local count = 1
    if quorum > 1 then
      local window = tonumber(ARGV[7])
      redis.call('ZADD', trips, now, ARGV[8])
      redis.call('ZREMRANGEBYSCORE', trips, '-inf', now - window)
      redis.call('PEXPIRE', trips, window)
      count = redis.call('ZCARD', trips)
    end
    if count >= quorum then
      redis.call('DEL', trips)
      move('o', tonumber(ARGV[5]), 1)
      applied = 1
    end
  end
elseif op == 'claim' then
  -- ARGV: expected epoch, token, lease, limit. Moves a due open circuit to half-open, then leases a probe slot.
  local expected = tonumber(ARGV[5])
  if r.k == 'o' and r.e == expected and now >= r.u then
    move('h', 0, r.a)
    applied = 1
  end
  if r.k == 'h' and (r.e == expected or applied == 1) and inFlight() + r.ps + r.pf < tonumber(ARGV[8]) then
    redis.call('ZADD', probes, now + tonumber(ARGV[7]), ARGV[6])
    redis.call('PEXPIRE', probes, ttl)
    grant = ARGV[6]
  end
elseif op == 'renew' then
  -- ARGV: epoch, token, lease.
  if r.k == 'h' and r.e == tonumber(ARGV[5]) and redis.call('ZSCORE', probes, ARGV[6]) then
    redis.call('ZADD', probes, 'XX', now + tonumber(ARGV[7]), ARGV[6])
    applied = 1
  end
elseif op == 'release' then
  -- ARGV: epoch, token.
  if r.k == 'h' and r.e == tonumber(ARGV[5]) then applied = redis.call('ZREM', probes, ARGV[6]) end
elseif op == 'settle' then
  -- ARGV: epoch, token, succeeded (1/0), probes, success threshold, open duration ('' = the last one).
  -- Only a lease still held counts, so the outcomes of an epoch never outnumber its slots.
  if r.k == 'h' and r.e == tonumber(ARGV[5]) and redis.call('ZREM', probes, ARGV[6]) == 1 then
    applied = 1
    if ARGV[7] == '1' then r.ps = r.ps + 1 else r.pf = r.pf + 1 end
    local limit, threshold = tonumber(ARGV[8]), tonumber(ARGV[9])
    if r.ps / limit >= threshold then
      move('c', 0, 0)
    elseif (limit - r.pf) / limit < threshold then
      move('o', tonumber(ARGV[10]) or r.d, r.a + 1)
    else
      changed = true
    end
  end
elseif op == 'set' then
  -- ARGV: expected epoch ('' = unconditional), kind, duration, attempt.
  if ARGV[5] == '' or r.e == tonumber(ARGV[5]) then
    move(ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]))
    applied = 1
  end
end

if changed then
  redis.call('HSET', state, 'k', r.k, 'e', r.e, 's', r.s, 'u', r.u, 'a', r.a, 'd', r.d, 'ps', r.ps, 'pf', r.pf)
  local keep = ttl
  if r.k == 'o' and r.u > now then keep = keep + (r.u - now) end
  redis.call('PEXPIRE', state, keep)
  redis.call('PUBLISH', channel, table.concat({ r.k, r.e, r.s, r.u, r.a, r.ps, r.pf, now }, ' ') .. '\\n' .. name)
  absent = false
end
return { now, absent and 1 or 0, r.k, r.e, r.s, r.u, r.a, r.ps, r.pf, inFlight(), grant, applied }
`;

export const CIRCUIT_SCRIPT_SHA = createHash('sha1').update(CIRCUIT_SCRIPT).digest('hex');

export type CircuitOp = 'read' | 'trip' | 'claim' | 'renew' | 'release' | 'settle' | 'set';
