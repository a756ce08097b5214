/**
 * The Redis StateStore: lets several scheduler replicas share one state, so any replica can answer
 * and one can die. Standalone Redis (or Sentinel); not Redis Cluster (the scripts touch keys they
 * derive from their arguments).
 *
 * Keys (all under `prefix`, default "darner:p2p:"):
 *   peer:<host>         hash: the PeerRecord fields; PEXPIRE peerTtl, refreshed by each heartbeat.
 *                       Its existence is what "registered" means.
 *   peers               zset: host → expiry time; lets a sweep find expired peers to clean up.
 *   held:<host>         set of "<blob>:<offset>": what the host announced (reverse index).
 *   c:<blob>:<offset>   set of hosts holding the chunk.
 *   lease:<blob>:<off>  string "<host>|<epoch>|<deadline>", SET PX leaseTtl: the back-to-source lease.
 *   relay:<blob>:<off>  hash: relay host → "<epoch>|<parent>|<depth>|<root host>|<root epoch>|<deadline>"
 *                       (the cascade, ./cascade.ts); PEXPIREAT the latest deadline written.
 *   hist:<host>         hash: success, throughput, reports, badUntil, updatedAt; PEXPIRE history TTL.
 *   tasks:<host>        list of JSON tasks; published on channel "<prefix>tasks" (message = host).
 *   task:<id>           string: the task's JSON TaskStatus, SET PX task TTL.
 *   taskids             zset: task id → expiry time; lets ListTasks find the live tasks.
 *
 * Holdings carry no TTL: they die with their peer, either when a sweep (any replica) finds the
 * peer's hash gone, or at once on unregister/re-register. Readers never trust a holding alone:
 * they load the holder's peer hash and skip hosts that have none.
 *
 * Atomicity: registration, announce, unregister, sweep and the lease election are Lua scripts, so
 * each runs as one step on the Redis server. The lease election in particular checks and sets
 * every lease of a Resolve in one script: two replicas can never both elect a fetcher for the same
 * chunk. History updates are read-modify-write (concurrent reports on one parent may lose one
 * sample of a moving average), except the bad-data deadline, which only ever grows.
 */
import { Redis } from 'ioredis';
import { StoreUnavailableError } from '../../errors.js';
import { log } from '../../log.js';
import { newestFirst, type Lease, type PeerHistory, type PeerLoad, type PeerRecord, type Relay, type Task, type TaskStatus } from './model.js';
import { decodeHistory, decodeLease, decodePeer, decodeRelay, decodeTask, decodeTaskStatus, encodePeer } from './redis-codec.js';
import { REDIS_SCRIPTS, type ScriptName } from './redis-scripts.js';
import type { Election, StateStore } from './store.js';

export interface RedisStoreOptions {
  /** redis://[:password@]host:port[/db] */
  url: string;
  /** Key prefix; replicas that share state use the same one. Default "darner:p2p:". */
  prefix?: string;
  /** How long one Redis command may take before it fails (default 2000 ms). */
  commandTimeoutMs?: number;
  /** At most this many holders of a chunk are handed to a Resolve, a random sample (0: all). */
  maxHoldersPerChunk?: number;
}

/** Largest number of offsets one script call handles (keeps each script short on the server). */
const SCRIPT_BATCH = 2048;

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

export class RedisStore implements StateStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly url: string;
  private subscriber: Redis | undefined;
  private subscribed: Promise<void> | undefined;
  private readonly taskListeners = new Set<(hostId: string) => void>();

  private readonly maxHolders: number;

  private constructor(redis: Redis, url: string, prefix: string, maxHolders = 0) {
    this.maxHolders = Math.max(0, Math.floor(maxHolders));
    this.redis = redis;
    this.url = url;
    this.prefix = prefix;
    for (const [name, script] of Object.entries(REDIS_SCRIPTS)) {
      const def = script.keys >= 0 ? { numberOfKeys: script.keys, lua: script.lua } : { lua: script.lua };
      redis.defineCommand(name, def);
    }
  }

  /** Connects (failing with StoreUnavailableError if Redis does not answer) and returns the store. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const redis = newClient(options.url, options.commandTimeoutMs ?? 2000);
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new StoreUnavailableError(`cannot reach Redis at ${redactUrl(options.url)}: ${(err as Error).message}`, { cause: err });
    }
    return new RedisStore(redis, options.url, options.prefix ?? 'darner:p2p:', options.maxHoldersPerChunk);
  }

  async registerPeer(peer: PeerRecord, ttlMs: number): Promise<void> {
    await this.script('darnerRegister',
      this.k('peer', peer.hostId), this.k('held', peer.hostId), this.k('peers'),
      this.prefix, peer.hostId, ttlMs, peer.lastSeen + ttlMs, ...encodePeer(peer));
  }

  async heartbeat(hostId: string, load: PeerLoad, now: number, ttlMs: number): Promise<PeerRecord | undefined> {
    const flat = await this.script('darnerHeartbeat',
      this.k('peer', hostId), this.k('peers'),
      hostId, load.currentUploads, load.uploadBytes, now, ttlMs, now + ttlMs);
    if (!Array.isArray(flat)) return undefined;
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
    return decodePeer(hostId, fields);
  }

  async unregisterPeer(hostId: string): Promise<boolean> {
    const existed = await this.script('darnerDropPeer',
      this.k('peer', hostId), this.k('held', hostId), this.k('peers'), this.prefix, hostId, 'always');
    return Number(existed) === 1;
  }

  async getPeers(hostIds: readonly string[], _now: number): Promise<Map<string, PeerRecord>> {
    const out = new Map<string, PeerRecord>();
    if (hostIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const hostId of hostIds) pipeline.hgetall(this.k('peer', hostId));
    const results = await this.exec(pipeline);
    hostIds.forEach((hostId, i) => {
      const peer = decodePeer(hostId, results[i] as Record<string, string>);
      if (peer !== undefined) out.set(hostId, peer);
    });
    return out;
  }

  async listPeers(now: number): Promise<PeerRecord[]> {
    const hostIds = await this.call(() => this.redis.zrangebyscore(this.k('peers'), `(${now}`, '+inf'));
    const peers = await this.getPeers(hostIds, now);
    return [...peers.values()].sort((a, b) => (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0));
  }

  async expirePeers(now: number): Promise<string[]> {
    const candidates = await this.call(() => this.redis.zrangebyscore(this.k('peers'), '-inf', now, 'LIMIT', 0, 1000));
    const expired: string[] = [];
    for (const hostId of candidates) {
      const removed = await this.script('darnerDropPeer',
        this.k('peer', hostId), this.k('held', hostId), this.k('peers'), this.prefix, hostId, 'expired');
      if (Number(removed) === 1) expired.push(hostId);
    }
    return expired.sort();
  }

  async addHoldings(hostId: string, epoch: string, blobId: string, offsets: readonly number[]): Promise<boolean> {
    return this.holdings(hostId, epoch, blobId, offsets, '1');
  }

  async removeHoldings(hostId: string, epoch: string, blobId: string, offsets: readonly number[]): Promise<boolean> {
    return this.holdings(hostId, epoch, blobId, offsets, '0');
  }

  private async holdings(hostId: string, epoch: string, blobId: string, offsets: readonly number[], add: '1' | '0'): Promise<boolean> {
    const batches = offsets.length === 0 ? [[]] : chunks(offsets, SCRIPT_BATCH);
    for (const batch of batches) {
      const ok = await this.script('darnerHoldings',
        this.k('peer', hostId), this.k('held', hostId), this.prefix, hostId, epoch, blobId, add, ...batch);
      if (Number(ok) !== 1) return false;
    }
    return true;
  }

  async holders(blobId: string, offsets: readonly number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (offsets.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const offset of offsets) {
      const key = this.k('c', `${blobId}:${offset}`);
      if (this.maxHolders > 0) pipeline.srandmember(key, this.maxHolders);
      else pipeline.smembers(key);
    }
    const results = await this.exec(pipeline);
    offsets.forEach((offset, i) => out.set(offset, [...(results[i] as string[])].sort()));
    return out;
  }

  async heldCounts(hostIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (hostIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const hostId of hostIds) pipeline.scard(this.k('held', hostId));
    const results = await this.exec(pipeline);
    hostIds.forEach((hostId, i) => out.set(hostId, Number(results[i])));
    return out;
  }

  async acquireLeases(
    blobId: string,
    offsets: readonly number[],
    holder: { hostId: string; epoch: string },
    ttlMs: number,
    now: number,
    unlessHeld?: { ignore: readonly string[] },
  ): Promise<Election> {
    const leases = new Map<number, Lease>();
    const held: number[] = [];
    const ignore = unlessHeld?.ignore ?? [];
    for (const batch of chunks(offsets, SCRIPT_BATCH)) {
      const values = await this.script('darnerAcquire',
        this.prefix, blobId, holder.hostId, holder.epoch, ttlMs, now + ttlMs,
        unlessHeld !== undefined ? '1' : '0', ignore.length, ...ignore, ...batch);
      if (!Array.isArray(values) || values.length !== batch.length) {
        throw new StoreUnavailableError('Redis lease election returned an unexpected answer');
      }
      batch.forEach((offset, i) => {
        const value = String(values[i]);
        if (value === '') {
          held.push(offset);
          return;
        }
        const lease = decodeLease(value);
        if (lease !== undefined) leases.set(offset, lease);
      });
    }
    return { leases, held: held.sort((a, b) => a - b) };
  }

  async relays(blobId: string, offsets: readonly number[]): Promise<Map<number, Relay[]>> {
    const out = new Map<number, Relay[]>();
    if (offsets.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const offset of offsets) pipeline.hgetall(this.k('relay', `${blobId}:${offset}`));
    const results = await this.exec(pipeline);
    offsets.forEach((offset, i) => {
      const fields = (results[i] as Record<string, string> | null) ?? {};
      out.set(offset, Object.entries(fields).flatMap(([hostId, value]) => decodeRelay(hostId, value) ?? []));
    });
    return out;
  }

  async putRelays(blobId: string, relays: ReadonlyArray<{ offset: number; relay: Relay }>, _now: number): Promise<void> {
    if (relays.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { offset, relay } of relays) {
      const key = this.k('relay', `${blobId}:${offset}`);
      const value = [relay.epoch, relay.parentHostId, relay.depth, relay.rootHostId, relay.rootEpoch, relay.deadline].join('|');
      // A later lease's relays have a later deadline: the key lives as long as its newest record.
      pipeline.hset(key, relay.hostId, value).pexpireat(key, Math.ceil(relay.deadline));
    }
    await this.exec(pipeline);
  }

  async noteAssigned(hostIds: readonly string[]): Promise<void> {
    if (hostIds.length === 0) return;
    await this.script('darnerAssign', hostIds.length, ...hostIds.map((h) => this.k('peer', h)));
  }

  async noteReleased(hostId: string): Promise<void> {
    await this.script('darnerRelease', this.k('peer', hostId));
  }

  async getHistories(hostIds: readonly string[], _now: number): Promise<Map<string, PeerHistory>> {
    const out = new Map<string, PeerHistory>();
    if (hostIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const hostId of hostIds) pipeline.hgetall(this.k('hist', hostId));
    const results = await this.exec(pipeline);
    hostIds.forEach((hostId, i) => {
      const history = decodeHistory(results[i] as Record<string, string>);
      if (history !== undefined) out.set(hostId, history);
    });
    return out;
  }

  async updateHistory(
    hostId: string,
    update: (old: PeerHistory | undefined) => PeerHistory,
    now: number,
    ttlMs: number,
  ): Promise<PeerHistory> {
    const old = (await this.getHistories([hostId], now)).get(hostId);
    const next = update(old);
    const badUntil = await this.script('darnerHistory', this.k('hist', hostId),
      next.success, next.throughput, next.reports, next.badUntil, next.updatedAt, ttlMs);
    return { ...next, badUntil: Number(badUntil) };
  }

  async pushTask(hostId: string, task: Task, ttlMs: number, now: number): Promise<void> {
    const key = this.k('tasks', hostId);
    const entry = JSON.stringify({ ...task, expiresAt: now + ttlMs });
    await this.exec(this.redis.multi().rpush(key, entry).pexpire(key, ttlMs).publish(this.k('tasks'), hostId));
  }

  async takeTasks(hostId: string, now: number): Promise<Task[]> {
    const key = this.k('tasks', hostId);
    const [entries] = await this.exec(this.redis.multi().lrange(key, 0, -1).del(key));
    const out: Task[] = [];
    for (const entry of (entries as string[] | undefined) ?? []) {
      const task = decodeTask(entry);
      if (task !== undefined && task.expiresAt > now) {
        out.push({ taskId: task.taskId, kind: task.kind, imageRef: task.imageRef, createdAt: task.createdAt, ...(task.digest !== undefined ? { digest: task.digest } : {}) });
      }
    }
    return out;
  }

  async onTask(listener: (hostId: string) => void): Promise<() => void> {
    this.taskListeners.add(listener);
    if (this.subscribed === undefined) {
      const sub = newClient(this.url, 0, true);
      this.subscriber = sub;
      const channel = this.k('tasks');
      sub.on('message', (ch: string, hostId: string) => {
        if (ch !== channel) return;
        for (const l of [...this.taskListeners]) l(hostId);
      });
      // ioredis re-subscribes by itself after a reconnect.
      this.subscribed = this.call(() => sub.subscribe(channel)).then(() => undefined);
    }
    await this.subscribed;
    return () => {
      this.taskListeners.delete(listener);
    };
  }

  async putTaskStatus(status: TaskStatus, ttlMs: number, now: number): Promise<void> {
    const index = this.k('taskids');
    await this.exec(this.redis.multi()
      .set(this.k('task', status.taskId), JSON.stringify(status), 'PX', ttlMs)
      .zadd(index, now + ttlMs, status.taskId)
      .zremrangebyscore(index, '-inf', now));
  }

  async getTaskStatus(taskId: string): Promise<TaskStatus | undefined> {
    const raw = await this.call(() => this.redis.get(this.k('task', taskId)));
    return raw === null ? undefined : decodeTaskStatus(raw);
  }

  async listTaskStatuses(now: number, limit: number): Promise<TaskStatus[]> {
    const ids = await this.call(() => this.redis.zrangebyscore(this.k('taskids'), `(${now}`, '+inf'));
    const out: TaskStatus[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const raws = await this.call(() => this.redis.mget(batch.map((id) => this.k('task', id))));
      for (const raw of raws) {
        const status = raw === null ? undefined : decodeTaskStatus(raw);
        if (status !== undefined) out.push(status);
      }
    }
    return out.sort(newestFirst).slice(0, limit);
  }

  async close(): Promise<void> {
    this.taskListeners.clear();
    const clients = [this.redis, this.subscriber].filter((c): c is Redis => c !== undefined);
    await Promise.all(clients.map(async (c) => {
      try {
        await c.quit();
      } catch {
        c.disconnect();
      }
    }));
  }

  private k(kind: string, id?: string): string {
    return id === undefined ? `${this.prefix}${kind}` : `${this.prefix}${kind}:${id}`;
  }

  private async script(name: ScriptName, ...args: (string | number)[]): Promise<unknown> {
    const fn = (this.redis as unknown as Record<ScriptName, ScriptFn>)[name];
    return this.call(() => fn.apply(this.redis, args));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new StoreUnavailableError(`Redis: ${(err as Error).message}`, { cause: err });
    }
  }

  private async exec(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
    const results = await this.call(() => pipeline.exec());
    if (results === null) throw new StoreUnavailableError('Redis transaction was aborted');
    return results.map(([err, value]) => {
      if (err) throw new StoreUnavailableError(`Redis: ${err.message}`, { cause: err });
      return value;
    });
  }
}

function newClient(url: string, commandTimeoutMs: number, subscriber = false): Redis {
  const redis = new Redis(url, {
    lazyConnect: !subscriber,
    // Fail fast while Redis is away: the caller answers UNAVAILABLE and the peer goes to the origin.
    enableOfflineQueue: subscriber,
    maxRetriesPerRequest: subscriber ? null : 1,
    ...(commandTimeoutMs > 0 ? { commandTimeout: commandTimeoutMs } : {}),
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  });
  let lastWarn = 0;
  redis.on('error', (err: Error) => {
    // ioredis repeats the same error on every reconnect attempt; one line per 10 s is enough.
    const now = Date.now();
    if (now - lastWarn > 10_000) {
      lastWarn = now;
      log.warn({ err: err.message, redis: redactUrl(url) }, 'redis connection error');
    }
  });
  return redis;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
