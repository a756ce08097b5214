/**
 * The daemon's side of the P2P control plane: a client for darner.p2p.v1.Scheduler that can never
 * become a single point of failure.
 *
 * Usage (the daemon's peer module):
 *
 *   const scheduler = new SchedulerClient({
 *     addresses: ['sched-a:8002', 'sched-b:8002'],    // failover order
 *     hostId: 'node-17', peerUrl: 'http://10.0.0.17:8010',
 *     labels: { zone: 'eu-1a', rack: 'r3' }, uploadCapacity: 16,
 *     token,                                           // shared token, if the scheduler has one
 *     listHoldings: () => cache.heldChunks(),          // every (blob, offsets) the cache holds
 *     load: () => ({ currentUploads: server.active, uploadedBytes: server.bytesTotal }),
 *   });
 *   scheduler.start();
 *   const { p2p, groups } = await scheduler.resolve(blobId, offsets);
 *   for (const g of groups) switch (g.decision) {
 *     case 'PARENTS':        // try g.parents in order; in-progress parents answer once they have it
 *     case 'BACK_TO_SOURCE': // fetch from the origin, then scheduler.announce(blobId, g.offsets)
 *                            // (or scheduler.withdraw(blobId, g.offsets) if the fetch failed)
 *     case 'SOURCE':         // fetch from the origin
 *   }
 *   scheduler.report({ parentHostId, blobId, bytes, durationMs, outcome: 'OK' });
 *
 * Failure behaviour:
 * - Every call has a short deadline (resolve: resolveTimeoutMs, others: callTimeoutMs).
 * - resolve() never rejects. Until the client is registered, or when the scheduler does not answer,
 *   it answers at once with `p2p: false` and every chunk SOURCE, so the caller goes to the origin.
 * - A failed call moves the client to `connecting`: in the background it tries the next address
 *   (heartbeat there; register if that replica does not know this peer), with exponential backoff
 *   after each full round. On success it is `ready` again and P2P resumes.
 * - After every (re-)registration the scheduler has forgotten this peer's holdings, so the client
 *   calls `listHoldings` and re-announces everything before it is `ready`.
 * - announce()/withdraw() only queue: changes are coalesced (the last one per chunk wins) and sent
 *   after announceDelayMs; while the scheduler is away they wait (and are superseded by the
 *   re-announce from listHoldings when that callback is given).
 * - report() is fire-and-forget and dropped when the scheduler is away.
 */
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { log } from '../log.js';
import type {
  HeartbeatResponse,
  ListPeersResponse,
  PreheatResponse,
  RegisterPeerResponse,
  ResolveResponse,
  StatusResponse,
  WireChunkGroup,
  WireTask,
} from './proto.js';
import {
  SchedulerRpc,
  errorCode,
  toSchedulerError,
  type PeerInfo,
  type SchedulerConnectionOptions,
  type SchedulerStatus,
} from './scheduler-rpc.js';

export {
  SchedulerAdmin,
  type PeerInfo,
  type SchedulerConnectionOptions,
  type SchedulerStatus,
  type SchedulerTls,
} from './scheduler-rpc.js';

// ---- public types ----

/** A candidate parent peer, best first in its group. */
export interface Parent {
  hostId: string;
  /** Base URL of the parent's HTTP data plane. */
  peerUrl: string;
  /**
   * The parent holds the back-to-source lease and is fetching the chunks from the origin now: its
   * server answers once it has them (wait at most until the group's leaseDeadline).
   */
  inProgress: boolean;
  /** In [0, 1]; informative, the order is what counts. */
  score: number;
}

/** What to do for some chunks of the blob. Offsets ascending. */
export type ResolveGroup =
  | { decision: 'PARENTS'; offsets: number[]; parents: Parent[]; /** ms since epoch when an in-progress parent's lease ends; 0 otherwise */ leaseDeadline: number }
  | { decision: 'BACK_TO_SOURCE'; offsets: number[]; /** ms since epoch; announce (or withdraw) before it */ leaseDeadline: number }
  | { decision: 'SOURCE'; offsets: number[] };

export interface ResolveResult {
  /** False when the scheduler was not consulted or did not answer: every chunk is then SOURCE. */
  p2p: boolean;
  /** Every requested offset (deduplicated) is in exactly one group. */
  groups: ResolveGroup[];
}

export type TransferOutcome = 'OK' | 'BAD_DATA' | 'SLOW' | 'UNREACHABLE';

export interface TransferReport {
  parentHostId: string;
  blobId: string;
  /** Bytes received from the parent. */
  bytes: number;
  durationMs: number;
  /** BAD_DATA: a chunk failed its digest (the parent is excluded by the scheduler for a while). */
  outcome: TransferOutcome;
}

/** Chunks the daemon holds, for re-announcement. */
export interface HeldChunks {
  blobId: string;
  offsets: number[];
}

export interface SchedulerTask {
  taskId: string;
  kind: 'preheat';
  imageRef: string;
  createdAt: number;
}
export interface SchedulerClientOptions extends SchedulerConnectionOptions {
  /** This node's stable identity: 1..253 chars of [A-Za-z0-9._:-]. */
  hostId: string;
  /** Base URL of this node's P2P HTTP server. */
  peerUrl: string;
  /** Locality labels: region, zone, rack (see docs/p2p.md). */
  labels?: Record<string, string>;
  /** Maximum concurrent uploads this node serves; 0 = never a parent. */
  uploadCapacity: number;
  /** A seed node (receives preheat tasks). */
  isSeed?: boolean;
  /** Deadline of resolve(). Default 500. */
  resolveTimeoutMs?: number;
  /** Everything the local cache holds; called after each (re-)registration to re-announce. */
  listHoldings?: () => AsyncIterable<HeldChunks> | Iterable<HeldChunks> | Promise<Iterable<HeldChunks>>;
  /**
   * This node's upload load for heartbeats: uploads in progress and the running total of bytes
   * uploaded since the process started (the client sends the increase since the last heartbeat).
   */
  load?: () => { currentUploads: number; uploadedBytes: number };
  /** How long announce()/withdraw() changes are coalesced before being sent. Default 100. */
  announceDelayMs?: number;
  /** Backoff between reconnection rounds: from retryMinMs doubling to retryMaxMs. Defaults 250, 5000. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** `idle` before start(); `connecting` while (re-)establishing; `ready` when P2P is on. */
export type ClientState = 'idle' | 'connecting' | 'ready' | 'closed';

export interface SchedulerClientEvents {
  /** The state changed; `address` is the scheduler in use. */
  state: [state: ClientState, address: string];
  /** The scheduler excludes this node as a parent until this time (it served bad data). */
  excluded: [untilUnixMs: number];
}
// ---- limits ----

const BLOB_ID = /^[0-9a-f]{64}$/;
/** Offsets per Resolve call (the scheduler's limit). */
const RESOLVE_BATCH = 4096;
/** Offsets per Announce call (the scheduler accepts 65536). */
const ANNOUNCE_BATCH = 16_384;
/** Reports in flight at once; more are dropped (history is best-effort). */
const MAX_REPORTS_IN_FLIGHT = 32;

// ---- the daemon's client ----

export class SchedulerClient extends EventEmitter<SchedulerClientEvents> {
  readonly hostId: string;
  private readonly opts: SchedulerClientOptions;
  private readonly rpc: SchedulerRpc;
  private readonly callTimeoutMs: number;
  private readonly resolveTimeoutMs: number;
  private current = 0;
  private stateValue: ClientState = 'idle';
  private registered = false;
  private keepaliveMs = 5000;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private recovering: Promise<void> | undefined;
  private wakeSleep: (() => void) | undefined;
  /** blob → offset → true (holds) / false (no longer holds): the last change per chunk wins. */
  private pending = new Map<string, Map<number, boolean>>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastUploaded: number | undefined;
  private reportsInFlight = 0;
  private taskHandler: ((task: SchedulerTask) => void | Promise<void>) | undefined;
  private taskStream: grpc.ClientReadableStream<WireTask> | undefined;
  private taskRetry: NodeJS.Timeout | undefined;
  private readyWaiters = new Set<() => void>();

  constructor(options: SchedulerClientOptions) {
    super();
    this.opts = options;
    this.hostId = options.hostId;
    this.rpc = new SchedulerRpc(options);
    this.callTimeoutMs = options.callTimeoutMs ?? 2000;
    this.resolveTimeoutMs = options.resolveTimeoutMs ?? 500;
  }

  get state(): ClientState {
    return this.stateValue;
  }

  /** The scheduler address in use (or being tried). */
  get address(): string {
    return this.rpc.addresses[this.current]!;
  }

  /** Registers in the background and keeps the registration alive. Never throws. */
  start(): void {
    if (this.stateValue !== 'idle') return;
    this.recover();
  }

  /** Resolves true once `ready`, false if timeoutMs passes first (or the client is closed). */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.stateValue === 'ready') return true;
    if (this.stateValue === 'closed') return false;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.readyWaiters.delete(onReady);
        resolve(ok);
      };
      const onReady = () => done(this.stateValue === 'ready');
      const timer = setTimeout(() => done(false), timeoutMs);
      this.readyWaiters.add(onReady);
    });
  }

  /**
   * Where to fetch chunks of one blob from. Never rejects: without a working scheduler every chunk
   * is SOURCE and `p2p` is false. Offsets are uncompressed chunk offsets (multiples of 4096).
   */
  async resolve(
    blobId: string,
    offsets: readonly number[],
    options: { maxParents?: number; exclude?: readonly string[]; signal?: AbortSignal } = {},
  ): Promise<ResolveResult> {
    const wanted = [...new Set(offsets)].sort((a, b) => a - b);
    const noP2P = (): ResolveResult => ({ p2p: false, groups: wanted.length > 0 ? [{ decision: 'SOURCE', offsets: wanted }] : [] });
    if (wanted.length === 0) return { p2p: this.stateValue === 'ready', groups: [] };
    if (this.stateValue !== 'ready') return noP2P();
    if (!BLOB_ID.test(blobId) || wanted.some((o) => !Number.isSafeInteger(o) || o < 0 || o % 4096 !== 0)) {
      log.warn({ blobId, hostId: this.hostId }, 'resolve with a malformed blob id or offset: going to the origin');
      return noP2P();
    }
    const index = this.current;
    try {
      const batches: number[][] = [];
      for (let i = 0; i < wanted.length; i += RESOLVE_BATCH) batches.push(wanted.slice(i, i + RESOLVE_BATCH));
      const answers = await Promise.all(batches.map((batch) =>
        this.rpc.call<ResolveResponse>(index, 'Resolve', {
          hostId: this.hostId,
          blobId,
          offsets: batch,
          maxParents: options.maxParents ?? 0,
          excludeHostIds: options.exclude ?? [],
        }, this.resolveTimeoutMs, options.signal)));
      const groups: ResolveGroup[] = [];
      answers.forEach((answer, i) => groups.push(...this.checkGroups(batches[i]!, answer.groups)));
      return { p2p: true, groups };
    } catch (err) {
      if (!options.signal?.aborted) this.callFailed('Resolve', index, err);
      return noP2P();
    }
  }

  /** Queues "this node now holds these chunks" (coalesced, sent within announceDelayMs). */
  announce(blobId: string, offsets: readonly number[]): void {
    this.enqueue(blobId, offsets, true);
  }

  /** Queues "this node no longer holds these chunks" (cache gc, or a failed back-to-source fetch). */
  withdraw(blobId: string, offsets: readonly number[]): void {
    this.enqueue(blobId, offsets, false);
  }

  /** Sends queued announcements now; resolves when they are sent or the attempt failed. */
  async flush(): Promise<void> {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    while (this.flushing !== undefined) await this.flushing;
    if (this.stateValue !== 'ready' || this.pending.size === 0) return;
    this.flushing = this.sendPending().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /** Tells the scheduler how a transfer from a parent went. Fire-and-forget. */
  report(report: TransferReport): void {
    if (this.stateValue !== 'ready' || this.reportsInFlight >= MAX_REPORTS_IN_FLIGHT) return;
    this.reportsInFlight += 1;
    const index = this.current;
    this.rpc.call(index, 'ReportResult', {
      hostId: this.hostId,
      parentHostId: report.parentHostId,
      blobId: report.blobId,
      bytes: Math.max(0, Math.floor(report.bytes)),
      durationMs: Math.max(0, Math.min(0xffffffff, Math.floor(report.durationMs))),
      outcome: report.outcome,
    }, this.callTimeoutMs).catch((err: unknown) => this.callFailed('ReportResult', index, err)).finally(() => {
      this.reportsInFlight -= 1;
    });
  }

  /**
   * Receives tasks for this node (seeds get preheat tasks). The stream is (re)opened whenever the
   * client is ready, on whichever scheduler is in use. One handler at a time: a second call
   * replaces the first. Returns a function that stops watching.
   */
  watchTasks(handler: (task: SchedulerTask) => void | Promise<void>): () => void {
    this.taskHandler = handler;
    if (this.stateValue === 'ready') this.openTaskStream();
    return () => {
      if (this.taskHandler === handler) {
        this.taskHandler = undefined;
        this.closeTaskStream();
      }
    };
  }

  /** Operator calls through the same connection (reject with SchedulerError). */
  async preheat(imageRef: string, labels: Record<string, string> = {}): Promise<{ taskId: string; seedHostId: string }> {
    const res = await this.rpc.callAny<PreheatResponse>('Preheat', { imageRef, labels }, this.callTimeoutMs, this.current);
    return { taskId: res.taskId, seedHostId: res.seedHostId };
  }

  async status(): Promise<SchedulerStatus> {
    return this.rpc.callAny<StatusResponse>('Status', {}, this.callTimeoutMs, this.current);
  }

  async listPeers(): Promise<PeerInfo[]> {
    return (await this.rpc.callAny<ListPeersResponse>('ListPeers', {}, this.callTimeoutMs, this.current)).peers;
  }

  /**
   * Stops: sends queued announcements and unregisters (both best effort, within the call
   * deadline), then closes the connections.
   */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    const wasReady = this.stateValue === 'ready';
    if (wasReady) {
      await this.flush().catch(() => undefined);
    }
    this.setState('closed');
    this.stopHeartbeat();
    this.closeTaskStream();
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.wakeSleep?.();
    if (wasReady) {
      await this.rpc.call(this.current, 'UnregisterPeer', { hostId: this.hostId }, this.callTimeoutMs).catch(() => undefined);
    }
    await this.recovering;
    this.rpc.close();
  }

  // ---- connection management ----

  private setState(state: ClientState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state, this.address);
    if (state === 'ready' || state === 'closed') for (const w of [...this.readyWaiters]) w();
  }

  /** A call failed: decide whether the connection is lost. */
  private callFailed(method: string, index: number, err: unknown): void {
    const code = errorCode(err);
    if (code === 'BAD_REQUEST' || code === 'NO_SEED_PEER') {
      log.warn({ method, err: (err as Error).message }, 'scheduler refused a request');
      return;
    }
    if (this.stateValue !== 'ready' || index !== this.current) return;
    if (code === 'PEER_NOT_REGISTERED') {
      log.info({ address: this.address }, 'scheduler does not know this peer: registering again');
    } else {
      log.warn({ address: this.address, method, err: (err as Error).message }, 'scheduler unreachable: P2P off until it answers');
    }
    this.recover();
  }

  /** Background loop: (re-)establish on the current address, then the next ones, with backoff. */
  private recover(): void {
    if (this.recovering !== undefined || this.stateValue === 'closed') return;
    this.setState('connecting');
    this.stopHeartbeat();
    this.closeTaskStream();
    const retryMin = this.opts.retryMinMs ?? 250;
    const retryMax = this.opts.retryMaxMs ?? 5000;
    this.recovering = (async () => {
      let delay = retryMin;
      let failures = 0;
      while (this.stateValue === 'connecting') {
        const index = this.current;
        try {
          await this.establish(index);
          if (this.stateValue !== 'connecting') return;
          this.setState('ready');
          log.info({ address: this.address, hostId: this.hostId }, 'scheduler connected: P2P on');
          this.scheduleHeartbeat();
          if (this.taskHandler !== undefined) this.openTaskStream();
          if (this.pending.size > 0) this.scheduleFlush();
          return;
        } catch (err) {
          failures += 1;
          const level = failures === 1 ? 'warn' : 'debug';
          log[level]({ address: this.rpc.addresses[index], err: (err as Error).message }, 'scheduler not available');
          if (this.stateValue !== 'connecting') return;
          this.current = (index + 1) % this.rpc.addresses.length;
          if (this.current === 0 || this.rpc.addresses.length === 1) {
            await this.sleep(delay);
            delay = Math.min(delay * 2, retryMax);
          }
        }
      }
    })().finally(() => {
      this.recovering = undefined;
    });
  }

  /** Heartbeat if this replica may know us (shared state); register (and re-announce) otherwise. */
  private async establish(index: number): Promise<void> {
    if (this.registered) {
      try {
        await this.heartbeat(index);
        return;
      } catch (err) {
        if (errorCode(err) !== 'PEER_NOT_REGISTERED') throw err;
      }
    }
    this.registered = false;
    const res = await this.rpc.call<RegisterPeerResponse>(index, 'RegisterPeer', {
      hostId: this.hostId,
      peerUrl: this.opts.peerUrl,
      labels: this.opts.labels ?? {},
      uploadCapacity: this.opts.uploadCapacity,
      isSeed: this.opts.isSeed ?? false,
    }, this.callTimeoutMs);
    this.keepaliveMs = clampInterval(res.keepaliveIntervalMs);
    this.registered = true;
    log.info({ address: this.rpc.addresses[index], epoch: res.epoch, schedulerId: res.schedulerId }, 'registered with the scheduler');
    await this.reannounce(index);
  }

  /** Sends everything listHoldings gives, after dropping queued changes it supersedes. */
  private async reannounce(index: number): Promise<void> {
    const list = this.opts.listHoldings;
    if (list === undefined) return;
    this.pending.clear();
    let batch: HeldChunks[] = [];
    let size = 0;
    let total = 0;
    const send = async () => {
      if (batch.length === 0) return;
      await this.rpc.call(index, 'Announce', { hostId: this.hostId, added: batch, removed: [] }, this.callTimeoutMs);
      total += size;
      batch = [];
      size = 0;
    };
    const source = await list();
    for await (const held of source as AsyncIterable<HeldChunks>) {
      if (!BLOB_ID.test(held.blobId)) continue;
      const offsets = held.offsets.filter((o) => Number.isSafeInteger(o) && o >= 0 && o % 4096 === 0);
      for (let i = 0; i < offsets.length; i += ANNOUNCE_BATCH) {
        const part = offsets.slice(i, i + ANNOUNCE_BATCH);
        if (size + part.length > ANNOUNCE_BATCH) await send();
        batch.push({ blobId: held.blobId, offsets: part });
        size += part.length;
      }
    }
    await send();
    log.info({ chunks: total }, 're-announced held chunks');
  }

  private async heartbeat(index: number): Promise<void> {
    const load = this.opts.load?.() ?? { currentUploads: 0, uploadedBytes: 0 };
    const total = Math.max(0, Math.floor(load.uploadedBytes));
    const delta = this.lastUploaded === undefined || total < this.lastUploaded ? 0 : total - this.lastUploaded;
    const res = await this.rpc.call<HeartbeatResponse>(index, 'Heartbeat', {
      hostId: this.hostId,
      currentUploads: Math.max(0, Math.floor(load.currentUploads)),
      uploadBytes: delta,
    }, this.callTimeoutMs);
    this.lastUploaded = total;
    this.keepaliveMs = clampInterval(res.keepaliveIntervalMs);
    if (res.excludedUntilUnixMs > 0) this.emit('excluded', res.excludedUntilUnixMs);
  }

  private scheduleHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      if (this.stateValue !== 'ready') return;
      const index = this.current;
      this.heartbeat(index).then(
        () => {
          if (this.stateValue === 'ready') this.scheduleHeartbeat();
        },
        (err: unknown) => this.callFailed('Heartbeat', index, err),
      );
    }, this.keepaliveMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }

  // ---- announcements ----

  private enqueue(blobId: string, offsets: readonly number[], holds: boolean): void {
    if (this.stateValue === 'closed') return;
    if (!BLOB_ID.test(blobId)) {
      log.warn({ blobId }, 'announce with a malformed blob id ignored');
      return;
    }
    let chunks = this.pending.get(blobId);
    if (chunks === undefined) this.pending.set(blobId, (chunks = new Map()));
    for (const offset of offsets) {
      if (Number.isSafeInteger(offset) && offset >= 0 && offset % 4096 === 0) chunks.set(offset, holds);
    }
    if (this.stateValue === 'ready') this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.opts.announceDelayMs ?? 100);
  }

  private async sendPending(): Promise<void> {
    const taken = this.pending;
    this.pending = new Map();
    const requests: { added: HeldChunks[]; removed: HeldChunks[]; size: number }[] = [];
    let req = { added: [] as HeldChunks[], removed: [] as HeldChunks[], size: 0 };
    for (const [blobId, chunks] of taken) {
      const added: number[] = [];
      const removed: number[] = [];
      for (const [offset, holds] of chunks) (holds ? added : removed).push(offset);
      for (const [list, into] of [[added, 'added'], [removed, 'removed']] as const) {
        for (let i = 0; i < list.length; i += ANNOUNCE_BATCH) {
          const part = list.slice(i, i + ANNOUNCE_BATCH);
          if (req.size + part.length > ANNOUNCE_BATCH) {
            requests.push(req);
            req = { added: [], removed: [], size: 0 };
          }
          req[into].push({ blobId, offsets: part });
          req.size += part.length;
        }
      }
    }
    if (req.size > 0) requests.push(req);
    const index = this.current;
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!;
      try {
        await this.rpc.call(index, 'Announce', { hostId: this.hostId, added: r.added, removed: r.removed }, this.callTimeoutMs);
      } catch (err) {
        // Put back what was not sent, unless a newer change for the same chunk was queued meanwhile.
        for (const rest of requests.slice(i)) {
          for (const [list, holds] of [[rest.added, true], [rest.removed, false]] as const) {
            for (const { blobId, offsets } of list) {
              let chunks = this.pending.get(blobId);
              if (chunks === undefined) this.pending.set(blobId, (chunks = new Map()));
              for (const o of offsets) if (!chunks.has(o)) chunks.set(o, holds);
            }
          }
        }
        this.callFailed('Announce', index, err);
        return;
      }
    }
  }

  // ---- tasks ----

  private openTaskStream(): void {
    if (this.taskStream !== undefined || this.taskHandler === undefined || this.stateValue !== 'ready') return;
    const index = this.current;
    const stream = this.rpc.watchTasks(index, this.hostId);
    this.taskStream = stream;
    let cancelled = false;
    (stream as unknown as { darnerCancel: () => void }).darnerCancel = () => {
      cancelled = true;
      stream.cancel();
    };
    stream.on('data', (wire: WireTask) => {
      const task = checkTask(wire);
      if (task === undefined || this.taskHandler === undefined) return;
      Promise.resolve()
        .then(() => this.taskHandler?.(task))
        .catch((err: unknown) => log.warn({ taskId: task.taskId, err: (err as Error).message }, 'task handler failed'));
    });
    const ended = (err?: grpc.ServiceError) => {
      if (this.taskStream === stream) this.taskStream = undefined;
      if (cancelled || this.stateValue === 'closed') return;
      if (err !== undefined && err.code === grpc.status.NOT_FOUND) {
        this.callFailed('WatchTasks', index, toSchedulerError('WatchTasks', this.rpc.addresses[index]!, err));
        return;
      }
      // The scheduler went away or restarted the stream: watch again shortly, wherever we are connected.
      if (this.taskRetry === undefined) {
        this.taskRetry = setTimeout(() => {
          this.taskRetry = undefined;
          this.openTaskStream();
        }, 1000);
        this.taskRetry.unref();
      }
    };
    stream.on('error', (err: grpc.ServiceError) => ended(err));
    stream.on('end', () => ended());
  }

  private closeTaskStream(): void {
    if (this.taskRetry !== undefined) clearTimeout(this.taskRetry);
    this.taskRetry = undefined;
    const stream = this.taskStream as unknown as { darnerCancel?: () => void } | undefined;
    this.taskStream = undefined;
    stream?.darnerCancel?.();
  }

  // ---- answer checking ----

  /** The scheduler's answer, checked: only requested offsets, each once; sane parents; the rest SOURCE. */
  private checkGroups(requested: readonly number[], wire: readonly WireChunkGroup[]): ResolveGroup[] {
    const left = new Set(requested);
    const out: ResolveGroup[] = [];
    for (const g of wire ?? []) {
      const offsets = (g.offsets ?? []).filter((o) => left.delete(o)).sort((a, b) => a - b);
      if (offsets.length === 0) continue;
      const deadline = Number.isSafeInteger(g.leaseDeadlineUnixMs) && g.leaseDeadlineUnixMs > 0 ? g.leaseDeadlineUnixMs : 0;
      if (g.decision === 'PARENTS') {
        const parents = (g.parents ?? []).filter((p) => p.hostId !== this.hostId && isHttpUrl(p.peerUrl)).map((p) => ({
          hostId: p.hostId,
          peerUrl: p.peerUrl,
          inProgress: p.inProgress === true,
          score: Number.isFinite(p.score) ? p.score : 0,
        }));
        out.push(parents.length > 0
          ? { decision: 'PARENTS', offsets, parents, leaseDeadline: deadline }
          : { decision: 'SOURCE', offsets });
      } else if (g.decision === 'BACK_TO_SOURCE') {
        out.push({ decision: 'BACK_TO_SOURCE', offsets, leaseDeadline: deadline });
      } else {
        out.push({ decision: 'SOURCE', offsets });
      }
    }
    if (left.size > 0) out.push({ decision: 'SOURCE', offsets: [...left].sort((a, b) => a - b) });
    return out;
  }
}

function isHttpUrl(text: unknown): boolean {
  if (typeof text !== 'string' || text.length > 2048) return false;
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function checkTask(wire: WireTask): SchedulerTask | undefined {
  if (wire.kind !== 'preheat' || typeof wire.taskId !== 'string' || typeof wire.imageRef !== 'string' || wire.imageRef === '') {
    log.warn({ kind: wire.kind }, 'ignoring a task this daemon does not understand');
    return undefined;
  }
  return { taskId: wire.taskId, kind: 'preheat', imageRef: wire.imageRef, createdAt: Number(wire.createdUnixMs) || 0 };
}

/** The scheduler's keep-alive interval, kept within sane bounds whatever it says. */
function clampInterval(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.min(Math.max(ms, 100), 60_000) : 5000;
}
