/**
 * Scheduler capacity: Resolve calls per second per core of the real SchedulerService, with the
 * memory store and with Redis (redis-server on loopback, as the tests start it), in the state of
 * a 1000-node cold wave halfway through: 1000 peers registered, a 1 GiB blob of 1 MiB chunks,
 * each chunk held by `holders` peers. Each Resolve asks for the 4 chunks of one 4 MiB read-ahead
 * range, from a random requester (seeded). Per core: calls over the scheduler process's CPU
 * seconds (user + system), so a loaded machine lowers the rate less than the wall clock would;
 * Redis's own CPU seconds are reported beside it.
 *
 * Used by bench/p2p-sim.ts (its 1000-node rows give the demand); `npm run bench:scheduler`
 * (bench/scheduler.ts) runs it alone. Root is not needed.
 */
import { readFile } from 'node:fs/promises';
import { SchedulerService } from '../src/p2p/scheduler/service.js';
import { MemoryStore } from '../src/p2p/scheduler/memory-store.js';
import { RedisStore } from '../src/p2p/scheduler/redis-store.js';
import type { StateStore } from '../src/p2p/scheduler/store.js';
import { startRedis } from '../test/harness/redis.js';
import { seededRandom } from './p2p-sim/events.js';

const MiB = 1 << 20;
const BLOB = 'c'.repeat(64);
const CHUNKS = 1024;

export interface CapacityResult {
  store: string;
  maxHoldersPerChunk: number;
  holders: number;
  resolves: number;
  cpuSeconds: number;
  resolvesPerCoreSecond: number;
  /** Redis server CPU seconds per resolve × 1e6 (µs), when the store is Redis. */
  redisCpuMicrosPerResolve?: number;
}

async function fill(store: StateStore, peers: number, holders: number, random: () => number): Promise<SchedulerService> {
  let ids = 0;
  // A fixed clock and a long peer TTL (Redis expires keys on its own clock): filling a large
  // state must not let peers expire on a loaded machine.
  const service = new SchedulerService({ store, config: { peerTtlMs: 3_600_000 }, clock: () => 1_800_000_000_000, newId: () => `epoch-${ids++}`, schedulerId: 'capacity' });
  for (let i = 0; i < peers; i++) {
    await service.register({ hostId: host(i), peerUrl: `http://${host(i)}.bench:8010`, labels: {}, uploadCapacity: 16, isSeed: false });
  }
  // Every chunk held by `holders` peers: the first `holders` of a seeded shuffle per 16 chunks.
  for (let c = 0; c < CHUNKS; c += 16) {
    const order = Array.from({ length: peers }, (_, i) => i);
    for (let i = peers - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const offsets = Array.from({ length: 16 }, (_, k) => (c + k) * MiB);
    for (const h of order.slice(0, holders)) await service.announce(host(h), [{ blobId: BLOB, offsets }], []);
  }
  return service;
}

function host(i: number): string {
  return `node-${String(i).padStart(4, '0')}`;
}

/** CPU seconds a process has used (user + system), from /proc. */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `calls` Resolves, `concurrency` at a time. */
async function measure(service: SchedulerService, peers: number, calls: number, concurrency: number, random: () => number): Promise<{ resolves: number; cpuSeconds: number }> {
  const before = process.cpuUsage();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      next += 1;
      const requester = host(Math.floor(random() * peers));
      const first = Math.floor(random() * (CHUNKS / 4)) * 4;
      await service.resolve({ hostId: requester, blobId: BLOB, offsets: [0, 1, 2, 3].map((k) => (first + k) * MiB) });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(before);
  return { resolves: calls, cpuSeconds: (used.user + used.system) / 1e6 };
}

export async function measureCapacity(options: { peers?: number; holders?: number[]; calls?: number; redis?: boolean; seed?: number } = {}): Promise<CapacityResult[]> {
  const peers = options.peers ?? 1000;
  const calls = options.calls ?? 2000;
  const seed = options.seed ?? 7;
  const out: CapacityResult[] = [];
  for (const holders of options.holders ?? [16, 500]) {
    for (const maxHoldersPerChunk of [0, 64]) {
      const random = seededRandom(seed);
      const service = await fill(new MemoryStore({ maxHoldersPerChunk }), peers, holders, random);
      const m = await measure(service, peers, calls, 1, random);
      out.push({ store: 'memory', maxHoldersPerChunk, holders, ...m, resolvesPerCoreSecond: m.resolves / m.cpuSeconds });
    }
  }
  if (options.redis !== false) {
    const redis = await startRedis();
    try {
      for (const holders of options.holders ?? [16, 500]) {
        for (const maxHoldersPerChunk of [0, 64]) {
          // A generous command timeout: the machine may be loaded, and the rate is counted in CPU time.
          const store = await RedisStore.connect({ url: redis.url, prefix: `cap-${holders}-${maxHoldersPerChunk}:`, maxHoldersPerChunk, commandTimeoutMs: 60_000 });
          try {
            const random = seededRandom(seed);
            const service = await fill(store, peers, holders, random);
            const redisBefore = await processCpuSeconds(redis.pid);
            const m = await measure(service, peers, calls, 4, random);
            const redisCpu = (await processCpuSeconds(redis.pid)) - redisBefore;
            out.push({
              store: 'redis', maxHoldersPerChunk, holders, ...m,
              resolvesPerCoreSecond: m.resolves / m.cpuSeconds,
              redisCpuMicrosPerResolve: (redisCpu / m.resolves) * 1e6,
            });
          } finally {
            await store.close();
          }
        }
      }
    } finally {
      await redis.stop();
    }
  }
  return out;
}
