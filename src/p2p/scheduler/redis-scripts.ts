/**
 * The Lua scripts of the Redis StateStore (redis-store.ts, where the key layout is described):
 * each runs as one atomic step on the Redis server. `keys` is the number of KEYS arguments.
 */

export const REDIS_SCRIPTS = {
  /** KEYS: peer, held, peers. ARGV: prefix, host, ttl, expiry, field, value, ... */
  darnerRegister: {
    keys: 3,
    lua: `
local members = redis.call('SMEMBERS', KEYS[2])
for _, m in ipairs(members) do redis.call('SREM', ARGV[1] .. 'c:' .. m, ARGV[2]) end
redis.call('DEL', KEYS[2], KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
return 1`,
  },
  /** KEYS: peer, peers. ARGV: host, uploads, bytes, seen, ttl, expiry. */
  darnerHeartbeat: {
    keys: 2,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'uploads', ARGV[2], 'bytes', ARGV[3], 'assigned', 0, 'seen', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
return redis.call('HGETALL', KEYS[1])`,
  },
  /**
   * Unregister (ARGV[3] = "always") or sweep (ARGV[3] = "expired": only if the peer hash is gone,
   * and only the caller whose ZREM removed the host reports it).
   * KEYS: peer, held, peers. ARGV: prefix, host, mode.
   */
  darnerDropPeer: {
    keys: 3,
    lua: `
if ARGV[3] == 'expired' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local existed = redis.call('DEL', KEYS[1])
local removed = redis.call('ZREM', KEYS[3], ARGV[2])
local members = redis.call('SMEMBERS', KEYS[2])
for _, m in ipairs(members) do redis.call('SREM', ARGV[1] .. 'c:' .. m, ARGV[2]) end
redis.call('DEL', KEYS[2])
if ARGV[3] == 'expired' then return removed end
return existed`,
  },
  /**
   * KEYS: peer, held. ARGV: prefix, host, epoch, blob, add ("1") or remove ("0"), offsets...
   * Returns 0 if the host is not registered under that epoch.
   */
  darnerHoldings: {
    keys: 2,
    lua: `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[3] then return 0 end
local mine = ARGV[2] .. '|'
for i = 6, #ARGV do
  local m = ARGV[4] .. ':' .. ARGV[i]
  if ARGV[5] == '1' then
    redis.call('SADD', ARGV[1] .. 'c:' .. m, ARGV[2])
    redis.call('SADD', KEYS[2], m)
  else
    redis.call('SREM', ARGV[1] .. 'c:' .. m, ARGV[2])
    redis.call('SREM', KEYS[2], m)
  end
  local lk = ARGV[1] .. 'lease:' .. m
  local v = redis.call('GET', lk)
  if v and string.sub(v, 1, #mine) == mine then redis.call('DEL', lk) end
end
return 1`,
  },
  /**
   * The back-to-source election. ARGV: prefix, blob, host, epoch, ttl, deadline, checkHeld
   * ("1" or "0"), number of ignored hosts N, N ignored hosts, offsets...
   * Returns, per offset, the lease value after the election, or "" when a live peer not ignored
   * holds the chunk (checkHeld only; no lease taken).
   */
  darnerAcquire: {
    keys: 0,
    lua: `
local mine = ARGV[3] .. '|' .. ARGV[4] .. '|'
local checkHeld = ARGV[7] == '1'
local nIgnore = tonumber(ARGV[8])
local ignore = {}
for i = 9, 8 + nIgnore do ignore[ARGV[i]] = true end
local out = {}
for i = 9 + nIgnore, #ARGV do
  local m = ARGV[2] .. ':' .. ARGV[i]
  local lk = ARGV[1] .. 'lease:' .. m
  local v = redis.call('GET', lk)
  local isMine = v and string.sub(v, 1, #mine) == mine
  local keep = false
  if v and not isMine then
    local h, e = string.match(v, '^([^|]+)|([^|]+)|')
    if h and redis.call('HGET', ARGV[1] .. 'peer:' .. h, 'epoch') == e then keep = true end
  end
  local held = false
  if not keep and not isMine and checkHeld then
    for _, h in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'c:' .. m)) do
      if not ignore[h] and redis.call('EXISTS', ARGV[1] .. 'peer:' .. h) == 1 then held = true break end
    end
  end
  if keep then
    out[#out + 1] = v
  elseif held then
    out[#out + 1] = ''
  else
    local nv = mine .. ARGV[6]
    redis.call('SET', lk, nv, 'PX', ARGV[5])
    out[#out + 1] = nv
  end
end
return out`,
  },
  /** KEYS: peer keys. Counts an assignment only against peers that still exist. */
  darnerAssign: {
    keys: -1,
    lua: `
for _, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 then redis.call('HINCRBY', k, 'assigned', 1) end
end
return 1`,
  },
  /** KEYS: the peer key. One assignment less, never below 0, only for a peer that still exists. */
  darnerRelease: {
    keys: 1,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 and (tonumber(redis.call('HGET', KEYS[1], 'assigned') or '0') or 0) > 0 then
  redis.call('HINCRBY', KEYS[1], 'assigned', -1)
end
return 1`,
  },
  /** KEYS: hist. ARGV: success, throughput, reports, badUntil, updatedAt, ttl. badUntil only grows. */
  darnerHistory: {
    keys: 1,
    lua: `
local bad = tonumber(redis.call('HGET', KEYS[1], 'badUntil') or '0') or 0
local newBad = tonumber(ARGV[4]) or 0
if newBad > bad then bad = newBad end
redis.call('HSET', KEYS[1], 'success', ARGV[1], 'throughput', ARGV[2], 'reports', ARGV[3],
  'badUntil', string.format('%.0f', bad), 'updatedAt', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return string.format('%.0f', bad)`,
  },
} as const;

export type ScriptName = keyof typeof REDIS_SCRIPTS;
