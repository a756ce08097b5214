/**
 * The P2P peer's download side as the fetch path sees it: a PeerSource (src/fetch/types.ts).
 * For each range the fetch path offers before going to the origin:
 *
 *   scheduler.resolve(blob, chunk offsets, exclude = parents this node found bad)
 *   → no P2P (scheduler away) or SOURCE: decline at once — the origin serves
 *   → BACK_TO_SOURCE: decline, and remember the lease: the fetch path's report says how the
 *     origin fetch ended; on success the cache's `ready` events announce the chunks
 *     (announcer.ts), on failure they are withdrawn here so the lease is released at once
 *   → PARENTS: fetch the range from the best parent (peer-client.ts); on an error, a timeout or
 *     a slow body report it and try the next. When every parent failed (busy-retry.ts): if some
 *     answered busy, the chunks are in the swarm — wait (backoff, bounded by busyWaitMs in all)
 *     and resolve again with those parents ranked last, instead of fetching a second copy from
 *     the origin; otherwise resolve once more without the parents that failed, then the origin.
 *   → a mix (the chunks of one range decided differently): the range is cut into runs
 *     (peer-plan.ts); runs with parents are fetched from them, in parallel, and the answer is
 *     partial: the fetch path takes the `unserved` chunks from the origin.
 *
 * While a range is fetched from parents, this node is in progress for it too (InboundFetches):
 * the scheduler may have pointed other peers here (the cascade, ./scheduler/cascade.ts), and
 * their requests wait in this node's server. When the origin fetch of leased chunks succeeds,
 * or a parent's bytes verify, the verified stored bytes go to PendingChunks before the
 * in-progress record ends, so waiting peers are served without waiting for the disk sync.
 *
 * The fetch path verifies every chunk and reports the range's outcome back here (`report`):
 * OK with bytes and duration, BAD_DATA when a chunk failed its digest — that parent is then
 * excluded from this node's resolves for `badPeerMs` besides being reported to the scheduler.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '../log.js';
import type { PeerAnswer, PeerRangeRequest, PeerReport, PeerSource } from '../fetch/types.js';
import { PeerTransferError, describeError } from '../errors.js';
import type { ChunkOrigins } from './chunk-origins.js';
import type { InboundFetches } from './inbound-fetches.js';
import type { PendingChunks } from './pending-chunks.js';
import type { PeerClient } from './peer-client.js';
import type { PeerMetrics } from './peer-metrics.js';
import { BUSY_RETRY_DEFAULTS, advance, afterParentsFailed, busyLast, newRetryState, type BusyRetrySettings } from './busy-retry.js';
import { planRange, type PlannedParent, type PlannedRun } from './peer-plan.js';
import type { ResolveResult, SchedulerClient, TransferOutcome } from './scheduler-client.js';

/** What the peer source needs of the scheduler client. */
export type SchedulerPort = Pick<SchedulerClient, 'resolve' | 'report' | 'withdraw'>;

export interface P2PPeerSourceOptions {
  scheduler: SchedulerPort;
  client: PeerClient;
  metrics: PeerMetrics;
  inboundFetches: InboundFetches;
  /** Records where each verified chunk came from (the peer server counts uploads by it). */
  chunkOrigins?: ChunkOrigins;
  /** Where verified bytes wait for their cache commit (served to in-progress waiters). */
  pending?: PendingChunks;
  /** Parents tried per run of chunks (default 4). */
  maxParentTries?: number;
  /** Longest in-progress wait asked of a parent (default 15 000 ms): the read must keep time for the origin. */
  maxWaitMs?: number;
  /** How long a parent that served bad data is left out of this node's resolves (default 10 min). */
  badPeerMs?: number;
  /** How long a range waits for busy parents before the origin (busy-retry.ts; defaults BUSY_RETRY_DEFAULTS). */
  busyRetry?: Partial<BusyRetrySettings>;
}

/** How the parents of one attempt at a range failed. */
interface Attempt {
  /** Parents that failed for another reason than busy: left out of the range's later resolves. */
  faults: Set<string>;
  /** Parents that answered busy. */
  busy: Set<string>;
  retryAfterMs?: number;
}

/** A part of a range a parent served. */
interface ServedPart {
  hostId: string;
  offsets: number[];
  bytes: number;
  durationMs: number;
}

/** What readRange left for report() to finish. */
interface RangeState {
  /** Back-to-source chunks this node holds the lease of, and the end of its in-progress record. */
  leased?: number[];
  endFetch?: () => void;
  /** Who served which chunks (for OK and BAD_DATA reports). */
  served?: ServedPart[];
  /** The end of the in-progress record of the parents' part (this node is a relay meanwhile). */
  endPeerFetch?: () => void;
}

export class P2PPeerSource implements PeerSource {
  readonly #o: P2PPeerSourceOptions;
  readonly #states = new WeakMap<PeerRangeRequest, RangeState>();
  /** host id → until (ms since epoch): parents that served bad data. */
  readonly #bad = new Map<string, number>();

  constructor(options: P2PPeerSourceOptions) {
    this.#o = options;
  }

  /** Parents this node currently leaves out (served bad data). */
  excludedParents(): string[] {
    const now = Date.now();
    for (const [host, until] of this.#bad) if (until <= now) this.#bad.delete(host);
    return [...this.#bad.keys()];
  }

  async readRange(request: PeerRangeRequest, signal: AbortSignal): Promise<PeerAnswer | undefined> {
    const { metrics } = this.#o;
    const settings: BusyRetrySettings = { ...BUSY_RETRY_DEFAULTS, ...this.#o.busyRetry };
    const exclude = this.excludedParents();
    // Every parent that answered busy for this range: still holders, ranked last from now on.
    const busy = new Set<string>();
    let retry = newRetryState();
    for (;;) {
      const answer: ResolveResult = await this.#o.scheduler.resolve(request.blobId, request.chunkOffsets, { exclude, busy: [...busy], signal });
      if (!answer.p2p) {
        metrics.resolves.inc({ decision: 'no_p2p' });
        return undefined;
      }
      const plan = planRange(answer.groups, request.chunkOffsets);
      metrics.resolves.inc({ decision: plan.decision });
      if (plan.leased.length > 0) {
        metrics.backToSourceChunks.inc(plan.leased.length);
        this.#states.get(request)?.endFetch?.();
        this.#states.set(request, { leased: plan.leased, endFetch: this.#o.inboundFetches.begin(request.blobId) });
      }
      if (plan.runs.length === 0) return undefined;
      const bytes = Buffer.alloc(request.length);
      const attempt: Attempt = { faults: new Set(), busy: new Set() };
      // Peers the scheduler points here meanwhile (the cascade) are held until the bytes verify.
      const endPeerFetch = this.#o.inboundFetches.begin(request.blobId);
      let parts: Array<ServedPart | undefined>;
      try {
        parts = await Promise.all(plan.runs.map((run) => this.#fetchRun(request, { ...run, parents: busyLast(run.parents, busy) }, bytes, signal, attempt)));
      } catch (err) {
        endPeerFetch();
        throw err;
      }
      const served = parts.filter((p): p is ServedPart => p !== undefined);
      if (served.length === 0) {
        endPeerFetch();
        // A range planned in parts (some chunks leased or from the origin) is not retried: the
        // origin fetches the rest of it anyway.
        if (signal.aborted || plan.decision !== 'parents') return undefined;
        const next = afterParentsFailed(retry, { busy: attempt.busy.size, faults: attempt.faults.size, ...(attempt.retryAfterMs !== undefined ? { retryAfterMs: attempt.retryAfterMs } : {}) }, settings);
        retry = advance(retry, next);
        exclude.push(...attempt.faults);
        for (const host of attempt.busy) busy.add(host);
        if (attempt.busy.size > 0) metrics.busyRanges.inc({ step: next.step === 'wait' ? 'wait' : 'origin' });
        if (next.step === 'origin') return undefined;
        if (next.step === 'wait' && next.delayMs > 0) {
          try {
            await sleep(next.delayMs, undefined, { signal });
          } catch {
            return undefined;
          }
        }
        continue;
      }
      const state = this.#states.get(request) ?? {};
      state.served = served;
      state.endPeerFetch = endPeerFetch;
      this.#states.set(request, state);
      const got = new Set(served.flatMap((p) => p.offsets));
      const unserved = request.chunkOffsets.filter((o) => !got.has(o));
      return { bytes, peer: served[0]!.hostId, ...(unserved.length > 0 ? { unserved } : {}) };
    }
  }

  /** One run of chunks from its parents, best first, into `into`; undefined when none served it. */
  async #fetchRun(request: PeerRangeRequest, run: PlannedRun, into: Buffer, signal: AbortSignal, attempt: Attempt): Promise<ServedPart | undefined> {
    const first = request.chunks[run.start]!;
    const last = request.chunks[run.end - 1]!;
    const offset = first.compressedOffset;
    const length = last.compressedOffset + last.compressedSize - offset;
    const maxTries = this.#o.maxParentTries ?? 4;
    let tries = 0;
    for (const parent of run.parents) {
      if (tries >= maxTries || signal.aborted) break;
      tries += 1;
      const started = Date.now();
      const got = await this.#fromParent(request, parent, { offset, length }, run.waitUntil, signal);
      if ('bytes' in got) {
        got.bytes.copy(into, offset - request.offset);
        return { hostId: parent.hostId, offsets: request.chunkOffsets.slice(run.start, run.end), bytes: length, durationMs: Date.now() - started };
      }
      if (got.reason === 'busy') {
        attempt.busy.add(parent.hostId);
        if (got.retryAfterMs !== undefined) attempt.retryAfterMs = Math.min(attempt.retryAfterMs ?? Infinity, got.retryAfterMs);
      } else attempt.faults.add(parent.hostId);
    }
    return undefined;
  }

  async #fromParent(request: PeerRangeRequest, parent: PlannedParent, range: { offset: number; length: number }, waitUntil: number, signal: AbortSignal): Promise<{ bytes: Buffer } | { reason: PeerTransferError['reason']; retryAfterMs?: number }> {
    const { metrics } = this.#o;
    const started = Date.now();
    const waitMs = parent.inProgress ? Math.max(0, Math.min(this.#o.maxWaitMs ?? 15_000, waitUntil - started)) : 0;
    try {
      const { bytes } = await this.#o.client.fetchRange({
        peerUrl: parent.peerUrl,
        blobId: request.blobId,
        range,
        ...(waitMs > 0 ? { waitMs } : {}),
        signal,
        onBytes: (n) => metrics.downloadBytes.inc(n),
      });
      return { bytes };
    } catch (err) {
      if (signal.aborted) throw err;
      const reason = err instanceof PeerTransferError ? err.reason : 'unreachable';
      metrics.parentFailures.inc({ reason });
      log.debug({ blob: request.blobId, parent: parent.hostId, reason, err: describeError(err) }, 'p2p: parent failed; trying the next');
      // busy and not_held are load and staleness, not faults: no report.
      const outcome: TransferOutcome | undefined = reason === 'slow' ? 'SLOW' : reason === 'busy' || reason === 'not_held' ? undefined : 'UNREACHABLE';
      if (outcome !== undefined) {
        this.#o.scheduler.report({ parentHostId: parent.hostId, blobId: request.blobId, bytes: 0, durationMs: Date.now() - started, outcome });
      }
      const retryAfterMs = err instanceof PeerTransferError ? err.retryAfterMs : undefined;
      return { reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
  }

  report(report: PeerReport): void {
    const { request } = report;
    const state = this.#states.get(request);
    const okReport = (part: ServedPart): void =>
      this.#o.scheduler.report({ parentHostId: part.hostId, blobId: request.blobId, bytes: part.bytes, durationMs: part.durationMs, outcome: 'OK' });
    if (report.outcome === 'peer-ok' || report.outcome === 'peer-bad-data' || report.outcome === 'peer-error') {
      // Verified bytes from a parent: served at once to the peers waiting here, then the wait ends.
      if (report.verified !== undefined && report.verified.length > 0) {
        this.#o.pending?.add(request.blobId, report.verified);
        this.#o.chunkOrigins?.record(request.blobId, 'peer', report.verified);
      }
      state?.endPeerFetch?.();
    }
    switch (report.outcome) {
      case 'peer-ok':
        this.#o.metrics.candidateHits.inc();
        for (const part of state?.served ?? []) okReport(part);
        break;
      case 'peer-bad-data': {
        const bad = new Set(report.badChunkOffsets ?? []);
        for (const part of state?.served ?? []) {
          if (!part.offsets.some((o) => bad.has(o))) {
            okReport(part);
            continue;
          }
          this.#bad.set(part.hostId, Date.now() + (this.#o.badPeerMs ?? 600_000));
          this.#o.metrics.badPeerReports.inc();
          log.warn({ blob: request.blobId, parent: part.hostId, chunks: part.offsets.filter((o) => bad.has(o)).length }, 'p2p: a parent served chunks that failed verification; reported and excluded');
          this.#o.scheduler.report({ parentHostId: part.hostId, blobId: request.blobId, bytes: part.bytes, durationMs: part.durationMs, outcome: 'BAD_DATA' });
        }
        break;
      }
      case 'peer-error':
        for (const part of state?.served ?? []) {
          this.#o.scheduler.report({ parentHostId: part.hostId, blobId: request.blobId, bytes: 0, durationMs: part.durationMs, outcome: 'UNREACHABLE' });
        }
        break;
      case 'origin-ok':
        // Waiting peers may have the verified bytes before the cache commits them; the cache's
        // `ready` events then announce the chunks.
        if (state?.leased !== undefined && report.verified !== undefined) this.#o.pending?.add(request.blobId, report.verified);
        if (report.verified !== undefined) this.#o.chunkOrigins?.record(request.blobId, 'origin', report.verified);
        state?.endPeerFetch?.();
        state?.endFetch?.();
        break;
      case 'origin-failed':
        state?.endPeerFetch?.();
        state?.endFetch?.();
        if (state?.leased !== undefined) this.#o.scheduler.withdraw(request.blobId, state.leased);
        break;
    }
    if (report.outcome === 'origin-ok' || report.outcome === 'origin-failed' || state?.leased === undefined) this.#states.delete(request);
  }
}
