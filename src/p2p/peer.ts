/**
 * DEV DOCS — the P2P peer inside `darner daemon`.
 *
 * Objects (one each per daemon):
 * - SchedulerClient (scheduler-client.ts): registration, heartbeats with this node's upload load,
 *   resolve, announce/withdraw, reports, preheat tasks. Never a single point of failure: while
 *   the scheduler is away `resolve` says "no P2P" and every read goes to the origin.
 * - PeerServer (peer-server.ts): serves stored byte ranges of cached blobs to other peers,
 *   registry-shaped; token, upload cap, upload rate limit, holds requests for chunks this node
 *   is fetching from the origin or from a parent (InboundFetches).
 * - P2PPeerSource (peer-source.ts): the fetch path's PeerSource. Resolve → a parent's bytes, or
 *   a decline (back to source / origin); reports; excludes parents that served bad data; waits
 *   (bounded) for parents that answered busy instead of going to the origin (busy-retry.ts).
 * - Announcer (announcer.ts): cache events → announce / withdraw.
 * - Preheat (seeds): tasks from the scheduler → fetch every chunk of an image through the same
 *   fetch path (verified, cached, announced).
 *
 * A read's chunks on node B, when node A has them:
 *   FUSE read → ImageReader → FetchEngine job (a range of chunks) → P2PPeerSource.readRange →
 *   scheduler.resolve → PARENTS [A] → PeerClient GET A/v2/darner/blobs/sha256:… Range → A's
 *   PeerServer → A's cache.readStoredRange → bytes → B's engine verifies every chunk → B's
 *   cache commits them → `ready` event → Announcer → scheduler.announce: B is a holder too.
 * When nobody has them: the first resolver gets BACK_TO_SOURCE (a lease) and declines; its
 * engine fetches from the origin; others resolving meanwhile get PARENTS [in_progress]: the
 * fetcher, or a peer that waits on it (the scheduler's cascade), and their requests wait in that
 * server until it has the chunks — verified bytes wait in PendingChunks for their disk sync and
 * are served from there, so a node passes on what it received at once.
 */
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { PieceListAnswer } from './peer-protocol.js';
import type { BlobCache } from '../cache/types.js';
import type { ChunkFetcher, PrefetchSummary } from '../fetch/types.js';
import { NotDarnerImageError, UnsupportedError } from '../errors.js';
import { loadImageBootstrap } from '../image/bootstrap-layer.js';
import { log } from '../log.js';
import { Announcer } from './announcer.js';
import type { BusyRetrySettings } from './busy-retry.js';
import { formatHostPort } from './address.js';
import { ChunkOrigins } from './chunk-origins.js';
import { InboundFetches } from './inbound-fetches.js';
import { PeerClient } from './peer-client.js';
import { peerMetrics, type PeerMetrics } from './peer-metrics.js';
import { PeerServer, type PeerTlsFiles } from './peer-server.js';
import { P2PPeerSource } from './peer-source.js';
import { PendingChunks } from './pending-chunks.js';
import { RateLimiter } from './rate-limit.js';
import { bulkReadStart } from './read-order.js';
import { SchedulerClient, type SchedulerTask, type SchedulerTls, type TaskOutcome } from './scheduler-client.js';

export interface PeerNodeOptions {
  cache: BlobCache;
  /** The daemon's fetch engine (preheat tasks fetch through it). */
  fetcher: ChunkFetcher;
  metrics?: Registry;
  /** This node's stable identity in the cluster. */
  hostId: string;
  /** Scheduler addresses host:port, failover order. */
  schedulers: string[];
  /** Where the peer server listens. */
  listen: { host: string; port: number };
  /** The URL other peers use to reach this one (default: from the listen address, or the host name). */
  advertise?: string;
  /** Receive preheat tasks. */
  seed?: boolean;
  /** The cluster's shared token (peers and scheduler). */
  token?: string;
  /** Serve other peers without a token or mTLS (refused otherwise). */
  insecure?: boolean;
  /** TLS of the data plane (server certificate, client certificate, CA); optional. */
  tls?: PeerTlsFiles;
  /** TLS towards the scheduler. */
  schedulerTls?: SchedulerTls;
  labels?: Record<string, string>;
  /** Concurrent uploads (default 16); 0 never serves. */
  maxUploads?: number;
  /** Bytes/s, 0 = unlimited. */
  uploadBytesPerSecond?: number;
  /** The pace a requester must keep or lose its upload (peer-server.ts; defaults 65 536 B/s over 10 000 ms). */
  minUploadBytesPerSecond?: number;
  uploadRateWindowMs?: number;
  downloadBytesPerSecond?: number;
  /** A parent's body slower than this (bytes/s) is abandoned (default 1 MB/s). */
  minBytesPerSecond?: number;
  /** Time until a parent's answer starts (default 2000 ms) on top of any in-progress wait. */
  firstByteTimeoutMs?: number;
  /** Deadline of a resolve (default 500 ms): past it the range goes to the origin. */
  resolveTimeoutMs?: number;
  /** How long a range waits for busy parents before the origin, and the backoff (busy-retry.ts). */
  busyRetry?: Partial<BusyRetrySettings>;
  /** Piece lists of plain blobs this node holds entirely (the registry mirror's), served to peers. */
  pieceList?: (blobId: string) => Promise<PieceListAnswer>;
  /** Scheduler client tuning (tests). */
  retryMaxMs?: number;
  announceDelayMs?: number;
}

export class PeerNode {
  readonly scheduler: SchedulerClient;
  readonly server: PeerServer;
  readonly source: P2PPeerSource;
  readonly metrics: PeerMetrics;
  readonly peerUrl: string;
  readonly #announcer: Announcer;
  readonly #client: PeerClient;
  readonly #fetcher: ChunkFetcher;
  readonly #preheats = new Map<string, Promise<PrefetchSummary>>();
  readonly #detachPending: () => void;
  #stopWatching: (() => void) | undefined;
  /**
   * Preheats a plain (not darner) image: set by the daemon when it runs a registry mirror, which
   * pulls the image through itself so that its layers are cached in pieces and announced.
   */
  plainImagePreheat: ((ref: string) => Promise<{ blobs: number; bytes: number }>) | undefined;
  /** Preheats a file (URL of known digest) through the daemon's registry mirror; set with it. */
  filePreheat: ((url: string, digest: string) => Promise<{ bytes: number }>) | undefined;

  private constructor(parts: {
    scheduler: SchedulerClient;
    server: PeerServer;
    source: P2PPeerSource;
    metrics: PeerMetrics;
    peerUrl: string;
    announcer: Announcer;
    client: PeerClient;
    fetcher: ChunkFetcher;
    detachPending: () => void;
  }) {
    this.scheduler = parts.scheduler;
    this.server = parts.server;
    this.source = parts.source;
    this.metrics = parts.metrics;
    this.peerUrl = parts.peerUrl;
    this.#announcer = parts.announcer;
    this.#client = parts.client;
    this.#fetcher = parts.fetcher;
    this.#detachPending = parts.detachPending;
  }

  /** Starts the server, then registers in the background (never waits for the scheduler). */
  static async start(o: PeerNodeOptions): Promise<PeerNode> {
    const inboundFetches = new InboundFetches();
    const pending = new PendingChunks();
    const chunkOrigins = new ChunkOrigins();
    const detachers = [pending.attach(o.cache), chunkOrigins.attach(o.cache)];
    const detachPending = (): void => {
      for (const detach of detachers) detach();
    };
    const server = await PeerServer.start({
      cache: o.cache,
      host: o.listen.host,
      port: o.listen.port,
      hostId: o.hostId,
      ...(o.token !== undefined ? { token: o.token } : {}),
      ...(o.tls !== undefined ? { tls: o.tls } : {}),
      ...(o.insecure === true ? { insecure: true } : {}),
      maxUploads: o.maxUploads ?? 16,
      uploadBytesPerSecond: o.uploadBytesPerSecond ?? 0,
      ...(o.minUploadBytesPerSecond !== undefined ? { minUploadBytesPerSecond: o.minUploadBytesPerSecond } : {}),
      ...(o.uploadRateWindowMs !== undefined ? { uploadRateWindowMs: o.uploadRateWindowMs } : {}),
      inboundFetches,
      chunkOrigins,
      pending,
      ...(o.pieceList !== undefined ? { pieceList: o.pieceList } : {}),
      ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
    }).catch((err: unknown) => {
      detachPending();
      throw err;
    });
    let announcer: Announcer | undefined;
    let scheduler: SchedulerClient | undefined;
    try {
      const metrics = peerMetrics(o.metrics);
      const peerUrl = o.advertise ?? defaultAdvertise(o.listen.host, server.port, o.tls !== undefined);
      scheduler = new SchedulerClient({
        addresses: o.schedulers,
        hostId: o.hostId,
        peerUrl,
        labels: o.labels ?? {},
        uploadCapacity: o.maxUploads ?? 16,
        isSeed: o.seed ?? false,
        ...(o.token !== undefined ? { token: o.token } : {}),
        ...(o.schedulerTls !== undefined ? { tls: o.schedulerTls } : {}),
        listHoldings: () => o.cache.heldChunks(),
        load: () => server.load(),
        ...(o.resolveTimeoutMs !== undefined ? { resolveTimeoutMs: o.resolveTimeoutMs } : {}),
        ...(o.retryMaxMs !== undefined ? { retryMaxMs: o.retryMaxMs } : {}),
        ...(o.announceDelayMs !== undefined ? { announceDelayMs: o.announceDelayMs } : {}),
      });
      const client = new PeerClient({
        ...(o.token !== undefined ? { token: o.token } : {}),
        ...(o.tls !== undefined ? { tls: o.tls } : {}),
        ...(o.firstByteTimeoutMs !== undefined ? { firstByteTimeoutMs: o.firstByteTimeoutMs } : {}),
        ...(o.minBytesPerSecond !== undefined ? { minBytesPerSecond: o.minBytesPerSecond } : {}),
        limiter: new RateLimiter(o.downloadBytesPerSecond ?? 0),
      });
      const source = new P2PPeerSource({ scheduler, client, metrics, inboundFetches, chunkOrigins, pending, ...(o.busyRetry !== undefined ? { busyRetry: o.busyRetry } : {}) });
      announcer = await Announcer.start(o.cache, scheduler);
      const node = new PeerNode({ scheduler, server, source, metrics, peerUrl, announcer, client, fetcher: o.fetcher, detachPending });
      scheduler.on('state', (state, address) => log.info({ state, address }, 'p2p: scheduler connection'));
      scheduler.on('excluded', (until) => log.error({ until: new Date(until).toISOString() }, 'p2p: the scheduler excludes this node as a parent (it served chunks that failed verification); check the cache'));
      if (o.seed) node.#stopWatching = scheduler.watchTasks((task) => node.#onTask(task));
      scheduler.start();
      log.info({ hostId: o.hostId, peerUrl, schedulers: o.schedulers, seed: o.seed ?? false }, 'p2p peer started');
      return node;
    } catch (err) {
      detachPending();
      announcer?.close();
      await scheduler?.close().catch(() => undefined);
      await server.close();
      throw err;
    }
  }

  async #onTask(task: SchedulerTask): Promise<TaskOutcome> {
    log.info({ taskId: task.taskId, image: task.imageRef }, 'p2p: preheat task received');
    try {
      const summary = task.digest !== undefined ? await this.#preheatFile(task.imageRef, task.digest) : await this.preheat(task.imageRef);
      const outcome = preheatOutcome(summary);
      if (outcome.ok) log.info({ taskId: task.taskId, image: task.imageRef, ...summary }, 'p2p: preheat done');
      else log.error({ taskId: task.taskId, image: task.imageRef, ...summary }, `p2p: preheat failed: ${outcome.reason}`);
      return outcome;
    } catch (err) {
      log.error({ taskId: task.taskId, image: task.imageRef, err: (err as Error).message }, 'p2p: preheat failed');
      return { ok: false, reason: (err as Error).message };
    }
  }

  /**
   * Fetches every chunk of image `ref` into the cache through the fetch path (peers first, then
   * the origin; verified; announced by the cache's events). Concurrent calls for one reference
   * share one run.
   */
  preheat(ref: string): Promise<PrefetchSummary> {
    let running = this.#preheats.get(ref);
    if (running === undefined) {
      running = this.#runPreheat(ref).finally(() => this.#preheats.delete(ref));
      this.#preheats.set(ref, running);
    }
    return running;
  }

  async #preheatFile(url: string, digest: string): Promise<PrefetchSummary> {
    let outcome: 'ok' | 'failed' = 'failed';
    try {
      if (this.filePreheat === undefined) throw new UnsupportedError(`${url}: this seed runs no registry mirror ([mirror] listen) to preheat files`);
      const { bytes } = await this.filePreheat(url, digest);
      outcome = 'ok';
      return { chunks: 0, cached: 0, fetched: 0, failed: 0, bytes, cancelled: false };
    } finally {
      this.metrics.preheats.inc({ outcome });
    }
  }

  async #runPreheat(ref: string): Promise<PrefetchSummary> {
    let outcome: 'ok' | 'failed' = 'failed';
    try {
      let loaded;
      try {
        loaded = await loadImageBootstrap(ref, {});
      } catch (err) {
        if (!(err instanceof NotDarnerImageError)) throw err;
        if (this.plainImagePreheat === undefined) {
          throw new NotDarnerImageError(`${err.message}; this seed runs no registry mirror ([mirror] listen) to preheat plain images`);
        }
        const plain = await this.plainImagePreheat(ref);
        outcome = 'ok';
        return { chunks: 0, cached: 0, fetched: 0, failed: 0, bytes: plain.bytes, cancelled: false };
      }
      try {
        const reader = await this.#fetcher.openImage({ bootstrap: loaded.bootstrap, origin: loaded.source.blobReader(), peer: this.source, name: `preheat ${ref}` });
        try {
          const summary = await reader.prefetchAll({ startAt: (ranges) => bulkReadStart(this.scheduler.hostId, ranges) });
          if (summary.failed === 0 && !summary.cancelled) outcome = 'ok';
          return summary;
        } finally {
          await reader.close();
        }
      } finally {
        await loaded.source.close();
      }
    } finally {
      this.metrics.preheats.inc({ outcome });
    }
  }

  /** The data-plane client (the registry mirror fetches piece lists with it). */
  get client(): PeerClient {
    return this.#client;
  }

  /** Flushes announcements, unregisters, stops the server. */
  async close(): Promise<void> {
    this.#stopWatching?.();
    this.#announcer.close();
    this.#detachPending();
    await this.scheduler.close().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'p2p: closing the scheduler client failed'));
    await this.server.close();
    await this.#client.close();
  }
}

/** http(s)://host:port other peers can reach: the listen host unless it is a wildcard, then the host name. */
export function defaultAdvertise(listenHost: string, port: number, tls: boolean): string {
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '';
  return `${tls ? 'https' : 'http'}://${formatHostPort({ host: wildcard ? hostname() : listenHost, port })}`;
}

/** A preheat succeeded when every chunk of the image is in the cache. */
export function preheatOutcome(summary: PrefetchSummary): TaskOutcome {
  if (summary.cancelled) return { ok: false, reason: 'the daemon stopped before the preheat finished' };
  if (summary.failed > 0) return { ok: false, reason: `${summary.failed} of ${summary.chunks} chunks could not be fetched` };
  return { ok: true };
}
