/**
 * The daemon's side of the P2P control plane: a client for darner.p2p.v1.Scheduler that can never
 * become a single point of failure.
 *
 * Usage: docs/p2p.md, "The client". Resolve answers groups of offsets: PARENTS (try the parents
 * in order; in-progress parents answer once they have the chunks), BACK_TO_SOURCE (fetch from the
 * origin, then announce, or withdraw on failure), SOURCE (fetch from the origin).
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
import type { HeldChunks } from '../cache/types.js';
import { log } from '../log.js';
import { BLOB_ID } from '../util/hex-id.js';
import { AnnounceQueue, announceBatches } from './announce-queue.js';
import type {
  HeartbeatResponse,
  ListPeersResponse,
  PreheatResponse,
  RegisterPeerResponse,
  ResolveResponse,
  StatusResponse,
} from './proto.js';
import { checkResolveGroups, type ResolveGroup, type ResolveResult } from './resolve-groups.js';
import {
  SchedulerRpc,
  errorCode,
  type PeerInfo,
  type SchedulerConnectionOptions,
  type SchedulerStatus,
} from './scheduler-rpc.js';
import { TaskStream, type TaskHandler } from './task-stream.js';

export type { Parent, ResolveGroup, ResolveResult } from './resolve-groups.js';
export type { SchedulerTask, TaskHandler, TaskOutcome } from './task-stream.js';
export {
  SchedulerAdmin,
  type PeerInfo,
  type SchedulerConnectionOptions,
  type SchedulerStatus,
  type SchedulerTls,
} from './scheduler-rpc.js';

// ---- public types ----

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

/** Offsets per Resolve call (the scheduler's limit). */
const RESOLVE_BATCH = 4096;
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
  private readonly pending = new AnnounceQueue();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastUploaded: number | undefined;
  private reportsInFlight = 0;
  private readonly tasks: TaskStream;
  private readyWaiters = new Set<() => void>();

  constructor(options: SchedulerClientOptions) {
    super();
    this.opts = options;
    this.hostId = options.hostId;
    this.rpc = new SchedulerRpc(options);
    this.callTimeoutMs = options.callTimeoutMs ?? 2000;
    this.resolveTimeoutMs = options.resolveTimeoutMs ?? 500;
    this.tasks = new TaskStream({
      rpc: this.rpc,
      hostId: this.hostId,
      current: () => this.current,
      ready: () => this.stateValue === 'ready',
      onNotRegistered: (index, err) => this.callFailed('WatchTasks', index, err),
    });
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
    options: { maxParents?: number; exclude?: readonly string[]; busy?: readonly string[]; signal?: AbortSignal } = {},
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
          excludeHostIds: options.exclude ?? [], busyHostIds: options.busy ?? [],
        }, this.resolveTimeoutMs, options.signal)));
      const groups: ResolveGroup[] = [];
      answers.forEach((answer, i) => groups.push(...checkResolveGroups(batches[i]!, answer.groups, this.hostId)));
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
  watchTasks(handler: TaskHandler): () => void {
    this.tasks.handler = handler;
    this.tasks.open();
    return () => {
      if (this.tasks.handler === handler) {
        this.tasks.handler = undefined;
        this.tasks.close();
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
    this.tasks.close();
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
    this.tasks.close();
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
          this.tasks.open();
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
    let total = 0;
    for await (const batch of announceBatches(await list())) {
      await this.rpc.call(index, 'Announce', { hostId: this.hostId, added: batch, removed: [] }, this.callTimeoutMs);
      total += batch.reduce((n, b) => n + b.offsets.length, 0);
    }
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
    this.pending.add(blobId, offsets, holds);
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
    const requests = this.pending.take();
    const index = this.current;
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!;
      try {
        await this.rpc.call(index, 'Announce', { hostId: this.hostId, added: r.added, removed: r.removed }, this.callTimeoutMs);
      } catch (err) {
        this.pending.putBack(requests.slice(i));
        this.callFailed('Announce', index, err);
        return;
      }
    }
  }
}

/** The scheduler's keep-alive interval, kept within sane bounds whatever it says. */
function clampInterval(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.min(Math.max(ms, 100), 60_000) : 5000;
}
