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
 *     a slow body report it and try the next; when every parent failed, resolve once more
 *     without them (or decline when the time is short).
 *
 * The fetch path verifies every chunk and reports the range's outcome back here (`report`):
 * OK with bytes and duration, BAD_DATA when a chunk failed its digest — that parent is then
 * excluded from this node's resolves for `badPeerMs` besides being reported to the scheduler.
 */
import { log } from '../log.js';
import type { PeerAnswer, PeerRangeRequest, PeerReport, PeerSource } from '../fetch/types.js';
import { PeerTransferError, describeError } from '../errors.js';
import type { OriginFetches } from './origin-fetches.js';
import type { PeerClient } from './peer-client.js';
import type { PeerMetrics } from './peer-metrics.js';
import { planRange, type PlannedParent } from './peer-plan.js';
import type { ResolveResult, SchedulerClient, TransferOutcome } from './scheduler-client.js';

/** What the peer source needs of the scheduler client. */
export type SchedulerPort = Pick<SchedulerClient, 'resolve' | 'report' | 'withdraw'>;

export interface P2PPeerSourceOptions {
  scheduler: SchedulerPort;
  client: PeerClient;
  metrics: PeerMetrics;
  originFetches: OriginFetches;
  /** Parents tried per range, over every resolve round (default 4). */
  maxParentTries?: number;
  /** Longest in-progress wait asked of a parent (default 15 000 ms): the read must keep time for the origin. */
  maxWaitMs?: number;
  /** How long a parent that served bad data is left out of this node's resolves (default 10 min). */
  badPeerMs?: number;
}

/** What readRange left for report() to finish. */
interface RangeState {
  /** Back-to-source chunks this node holds the lease of, and the end of its in-progress record. */
  leased?: number[];
  endFetch?: () => void;
  /** When the parent transfer started (the report's duration covers the transfer only). */
  parentHostId?: string;
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
    const exclude = this.excludedParents();
    const maxTries = this.#o.maxParentTries ?? 4;
    let tried = 0;
    for (let round = 0; round < 2; round++) {
      const answer: ResolveResult = await this.#o.scheduler.resolve(request.blobId, request.chunkOffsets, { exclude, signal });
      if (!answer.p2p) {
        metrics.resolves.inc({ decision: 'no_p2p' });
        return undefined;
      }
      const plan = planRange(answer.groups);
      if (plan.kind === 'origin') {
        metrics.resolves.inc({ decision: plan.decision });
        if (plan.leased.length > 0) {
          metrics.backToSourceChunks.inc(plan.leased.length);
          const state = this.#states.get(request);
          // A second round may be elected again for chunks of the first: keep one record.
          state?.endFetch?.();
          this.#states.set(request, { leased: plan.leased, endFetch: this.#o.originFetches.begin(request.blobId) });
        }
        return undefined;
      }
      metrics.resolves.inc({ decision: 'parents' });
      for (const parent of plan.parents) {
        if (tried >= maxTries || signal.aborted) return undefined;
        tried += 1;
        const bytes = await this.#fromParent(request, parent, plan.waitUntil, signal);
        if (bytes !== undefined) return { bytes, peer: parent.hostId };
        exclude.push(parent.hostId);
      }
      if (tried >= maxTries) return undefined;
    }
    return undefined;
  }

  async #fromParent(request: PeerRangeRequest, parent: PlannedParent, waitUntil: number, signal: AbortSignal): Promise<Buffer | undefined> {
    const { metrics } = this.#o;
    const started = Date.now();
    const waitMs = parent.inProgress ? Math.max(0, Math.min(this.#o.maxWaitMs ?? 15_000, waitUntil - started)) : 0;
    try {
      const { bytes } = await this.#o.client.fetchRange({
        peerUrl: parent.peerUrl,
        blobId: request.blobId,
        range: { offset: request.offset, length: request.length },
        ...(waitMs > 0 ? { waitMs } : {}),
        signal,
        onBytes: (n) => metrics.downloadBytes.inc(n),
      });
      this.#states.set(request, { ...this.#states.get(request), parentHostId: parent.hostId });
      return bytes;
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
      return undefined;
    }
  }

  report(report: PeerReport): void {
    const { request } = report;
    const state = this.#states.get(request);
    switch (report.outcome) {
      case 'peer-ok':
        this.#o.metrics.candidateHits.inc();
        if (report.peer !== undefined) {
          this.#o.scheduler.report({ parentHostId: report.peer, blobId: request.blobId, bytes: report.bytes ?? request.length, durationMs: report.durationMs, outcome: 'OK' });
        }
        break;
      case 'peer-bad-data':
        if (report.peer !== undefined) {
          this.#bad.set(report.peer, Date.now() + (this.#o.badPeerMs ?? 600_000));
          this.#o.metrics.badPeerReports.inc();
          log.warn({ blob: request.blobId, parent: report.peer, chunks: report.badChunkOffsets?.length }, 'p2p: a parent served chunks that failed verification; reported and excluded');
          this.#o.scheduler.report({ parentHostId: report.peer, blobId: request.blobId, bytes: report.bytes ?? 0, durationMs: report.durationMs, outcome: 'BAD_DATA' });
        }
        break;
      case 'peer-error':
        if (report.peer !== undefined) {
          this.#o.scheduler.report({ parentHostId: report.peer, blobId: request.blobId, bytes: 0, durationMs: report.durationMs, outcome: 'UNREACHABLE' });
        }
        break;
      case 'origin-ok':
        // The cache's `ready` events announce what was written.
        state?.endFetch?.();
        break;
      case 'origin-failed':
        state?.endFetch?.();
        if (state?.leased !== undefined) this.#o.scheduler.withdraw(request.blobId, state.leased);
        break;
    }
    if (report.outcome === 'origin-ok' || report.outcome === 'origin-failed') this.#states.delete(request);
  }
}
