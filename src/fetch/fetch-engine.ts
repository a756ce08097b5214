/**
 * DEV DOCS — the daemon-wide fetch engine.
 *
 * Objects:
 * - ImageBlob: one blob as one open image sees it (cache lease, origin, optional peer, digest
 *   algorithm, stored order for read-ahead). Made by ImageReader.
 * - Flight: one chunk being fetched, keyed (blob id, uncompressed offset, digest). Every reader
 *   of that chunk, from any image, awaits the same flight: single flight. The digest is in the
 *   key so that a bootstrap disagreeing with another about a shared blob never gets bytes that
 *   were verified against the other's digest.
 * - Job: one planned Range request (range-plan.ts) of touching chunks, each with its flight. It
 *   waits for a fetch slot (slot-queue.ts: demand before prefetch), then runs.
 *
 * A job runs: peer (if any; may decline; peer-offer.ts) → origin (the only retrier of range
 * reads: originAttempts tries with backoff within the job's deadline; src/blob/retry.ts), whose
 * chunks are decoded + verified in native batches as the body arrives (arriving-range.ts,
 * chunk-verify.ts) → each verified chunk's flight resolves at once with its bytes → all of them
 * are written to the cache in one batch (one fdatasync) → the flights leave the map (from then
 * on the ready bits answer; a failed flight leaves at once). A chunk failing verification from a
 * peer is fetched from the origin (the peer is reported and not asked again for this job);
 * failing from the origin it is fetched once more, then its flight rejects with
 * CorruptChunkError / DigestMismatchError. Nothing unverified reaches a reader or the cache.
 *
 * A failed chunk (and one a read gave up on at its deadline) fails the reads that ask for it in
 * the next FAILED_CHUNK_MEMORY_MS at once (failed-chunks.ts); a read after that fetches again.
 */
import type { BlobLease } from '../cache/types.js';
import type { RangeProgress } from '../blob/blob-reader.js';
import { retryableRegistryError } from '../blob/http.js';
import { withRetry, type RetryDecision, type RetryPolicy } from '../blob/retry.js';
import type { VerifiedChunk } from '../chunk-verify.js';
import { AbortedError, ChunkUnavailableError, DarnerError, RegistryError, SizeMismatchError, describeError } from '../errors.js';
import type { ChunkRecord } from '../format/model.js';
import { log } from '../log.js';
import { ArrivingRange } from './arriving-range.js';
import { FailedChunks } from './failed-chunks.js';
import { offerToPeer, reportToPeer } from './peer-offer.js';
import { RecentChunks } from './recent-chunks.js';
import type { BlobCache } from '../cache/types.js';
import { deadline } from '../util/deadline.js';
import { unlimitedController, type ImageBlob, type ReaderEngine, type ReaderSettings } from './engine-port.js';
import { ImageReaderImpl } from './image-reader.js';
import { fetchMetrics, type FetchMetrics } from './metrics.js';
import { resolveFetchOptions, type ResolvedFetchOptions } from './options.js';
import { mayAddNeighbour } from './neighbours.js';
import { contiguousRuns, planRanges, type PlannedRange } from './range-plan.js';
import { SlotQueue, type FetchPriority, type SlotTask } from './slot-queue.js';
import type { ChunkFetcher, FetchOptions, ImageReader, ImageReaderOptions, PeerRangeRequest } from './types.js';

export type { ImageBlob } from './engine-port.js';

interface Flight {
  readonly key: string;
  readonly record: ChunkRecord;
  readonly promise: Promise<Buffer>;
  resolve(bytes: Buffer): void;
  reject(err: unknown): void;
  settled: boolean;
  job: Job;
}

class Job implements SlotTask {
  readonly flights: Flight[] = [];
  readonly offset: number;
  readonly length: number;
  lease: BlobLease | undefined;
  done: Promise<void> | undefined;
  usedOrigin = false;
  /** Settles when the job is over: its verified chunks are in the cache (or failed to be). */
  readonly finished: Promise<void>;
  finish!: () => void;

  constructor(
    readonly engine: FetchEngine,
    readonly blob: ImageBlob,
    readonly chunks: ChunkRecord[],
    public priority: FetchPriority,
  ) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.offset = chunks[0]!.compressedOffset;
    const last = chunks[chunks.length - 1]!;
    this.length = last.compressedOffset + last.compressedSize - this.offset;
  }

  start(): void {
    this.done = this.engine.run(this);
  }
}

/**
 * Fewest stored bytes verified per batch while a body is still arriving: small enough that the
 * reader of a range's first chunks does not wait for much more than them, large enough that the
 * native calls stay few (a 1 MiB range of small-file chunks: about 16).
 */
const ARRIVING_BATCH_BYTES = 64 * 1024;

const digestHex = new WeakMap<Uint8Array, string>();
function hexOf(digest: Uint8Array): string {
  let h = digestHex.get(digest);
  if (h === undefined) {
    h = Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
    digestHex.set(digest, h);
  }
  return h;
}

export function flightKey(blobId: string, record: ChunkRecord): string {
  return `${blobId}:${record.uncompressedOffset}:${hexOf(record.digest)}`;
}

/**
 * Whether an origin range failure may pass (retry.ts): registry answers as the registry client
 * decides them (no answer, 5xx, 408, 429), short bodies and timeouts; nothing else typed.
 */
export function originRetryDecision(err: unknown): RetryDecision {
  if (err instanceof RegistryError) return retryableRegistryError(err);
  if (err instanceof SizeMismatchError) return { retry: true };
  // Other typed errors (NotFound, BadRange, Unsupported, ...) will not pass by waiting.
  if (err instanceof DarnerError) return { retry: err.code === 'TIMEOUT' };
  return { retry: true };
}

/**
 * How long a chunk whose fetch failed fails reads at once (failed-chunks.ts): long enough for the
 * reads the kernel sends right after a failed one, short enough that a read made once the origin
 * is back fetches again.
 */
export const FAILED_CHUNK_MEMORY_MS = 1000;

export class FetchEngine implements ChunkFetcher, ReaderEngine {
  readonly options: ResolvedFetchOptions;
  readonly settings: ReaderSettings;
  readonly cache: BlobCache;
  readonly metrics: FetchMetrics;
  /** Decoded bytes of the chunks fetched last: reads right after a fetch skip the cache file. */
  readonly recent: RecentChunks;
  readonly slots: SlotQueue;
  readonly #flights = new Map<string, Flight>();
  readonly #failed = new FailedChunks(FAILED_CHUNK_MEMORY_MS);
  readonly #jobs = new Set<Job>();
  /** Jobs whose bytes are in and which are writing them to the cache (their slots mostly released). */
  #storing = 0;
  readonly #closing = unlimitedController();
  readonly #originRetry: RetryPolicy;
  readonly #unsubscribe: () => void;

  constructor(cache: BlobCache, options: FetchOptions = {}) {
    this.cache = cache;
    this.options = resolveFetchOptions(options);
    this.slots = new SlotQueue(this.options.maxConcurrentFetches);
    const { fetchTimeoutMs, readAhead, sequentialReadAheadBytes, sequentialStartBytes, smallFileBytes, maxRequestBytes } = this.options;
    this.settings = {
      fetchTimeoutMs,
      readAhead,
      sequentialReadAheadBytes,
      sequentialStartBytes,
      smallFileBytes,
      smallFileRequestBytes: this.options.smallFileRequestBytes,
      maxRequestBytes,
      prefetchWindow: this.slots.prefetchCapacity,
    };
    this.recent = new RecentChunks(this.options.recentChunkBytes);
    // A blob that left the cache (gc, eviction, its image removed) leaves memory too: a later
    // read of it fetches (and verifies) again, and its bytes do not outlive the image.
    this.#unsubscribe = cache.onChange((event) => {
      if (event.type === 'removed') this.recent.deleteBlob(event.blobId);
    });
    this.#originRetry = {
      attempts: this.options.originAttempts,
      baseDelayMs: this.options.retryBaseDelayMs,
      maxDelayMs: this.options.retryMaxDelayMs,
      maxTotalMs: this.options.fetchTimeoutMs,
    };
    this.metrics = fetchMetrics(this.options.metrics, () => ({ running: this.slots.running, queued: this.slots.queued }));
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** The signal every fetch listens to; aborted by close(). */
  get closeSignal(): AbortSignal {
    return this.#closing.signal;
  }

  recentChunk(blobId: string, uncompressedOffset: number): Buffer | undefined {
    return this.recent.get(blobId, uncompressedOffset);
  }

  fetching(blob: ImageBlob, record: ChunkRecord): boolean {
    return this.#flights.has(flightKey(blob.id, record));
  }

  openImage(options: ImageReaderOptions): Promise<ImageReader> {
    return ImageReaderImpl.open(this, options);
  }

  /**
   * Promises of the uncompressed bytes of `records` (chunks of `blob`), in order. Chunks that no
   * flight covers are planned into jobs; with `readAhead` a job for a small file is filled with
   * the absent small files stored after it (neighbours.ts). A demand caller boosts the prefetch
   * jobs it joins.
   */
  fetch(
    blob: ImageBlob,
    records: readonly ChunkRecord[],
    priority: FetchPriority,
    readAhead: boolean,
    /** Resolve only once the fetch is over and its chunks are in the cache (prefetch). */
    untilStored = false,
    /** Largest request for these chunks (default maxRequestBytes). */
    maxRequestBytes = this.options.maxRequestBytes,
    /** Largest request a small file's read makes with its neighbours (neighbours.ts). */
    neighbourBytes = this.options.smallFileRequestBytes,
  ): Array<Promise<Buffer>> {
    if (this.closed) return records.map(() => Promise.reject(new AbortedError('the fetcher is closed')));
    const now = Date.now();
    const toPlan: ChunkRecord[] = [];
    const failedLately = new Map<ChunkRecord, unknown>();
    for (const r of records) {
      const key = flightKey(blob.id, r);
      // Before joining a flight: a read that gave up on it has made the caller wait a deadline already.
      const err = this.#failed.recall(key, now);
      if (err !== undefined) {
        failedLately.set(r, err);
        continue;
      }
      const f = this.#flights.get(key);
      if (f === undefined) toPlan.push(r);
      else if (priority === 'demand') this.slots.boost(f.job);
    }
    if (toPlan.length > 0) {
      const neighbours = { smallFileBytes: this.options.smallFileBytes, requestBytes: neighbourBytes };
      const plans: Array<PlannedRange<ChunkRecord>> = planRanges(toPlan, {
        maxRequestBytes,
        ...(readAhead
          ? {
              next: (c: ChunkRecord) => blob.next(c),
              canAdd: (c: ChunkRecord, range: PlannedRange<ChunkRecord>) => {
                if (!mayAddNeighbour((r: ChunkRecord) => blob.extentOf(r), neighbours, range, c)) return false;
                const key = flightKey(blob.id, c);
                return !blob.lease.blob.isReady(c.uncompressedOffset) && !this.#flights.has(key) && this.#failed.recall(key, now) === undefined;
              },
            }
          : {}),
      });
      for (const plan of plans) this.#submit(new Job(this, blob, plan.chunks, priority));
    }
    return records.map((r) => {
      const err = failedLately.get(r);
      if (err !== undefined) {
        const failed = Promise.reject(err);
        // Read-ahead callers drop their promises: never an unhandled rejection.
        failed.catch(() => undefined);
        return failed;
      }
      const flight = this.#flights.get(flightKey(blob.id, r))!;
      return untilStored ? flight.promise.then((bytes) => flight.job.finished.then(() => bytes)) : flight.promise;
    });
  }

  #submit(job: Job): void {
    job.lease = job.blob.lease.retain();
    for (const record of job.chunks) {
      let resolve!: (b: Buffer) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<Buffer>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Read-ahead chunks may have no reader at all: never an unhandled rejection.
      promise.catch(() => undefined);
      const flight: Flight = {
        key: flightKey(job.blob.id, record),
        record,
        promise,
        settled: false,
        job,
        resolve: (b) => {
          flight.settled = true;
          resolve(b);
        },
        reject: (e) => {
          flight.settled = true;
          reject(e);
        },
      };
      this.#flights.set(flight.key, flight);
      job.flights.push(flight);
    }
    this.#jobs.add(job);
    this.slots.submit(job);
  }

  readTimedOut(blob: ImageBlob, records: readonly ChunkRecord[], err: unknown): void {
    const now = Date.now();
    for (const r of records) this.#failed.remember(flightKey(blob.id, r), err, now);
  }

  /** Drops queued prefetch jobs of `owner` (a closing reader) that no demand reader waits for. */
  cancelPrefetches(owner: object): void {
    for (const job of this.#jobs) {
      if (job.blob.owner !== owner || job.priority !== 'prefetch' || job.done !== undefined) continue;
      if (this.slots.cancel(job)) this.#finishCancelled(job, new AbortedError('prefetch cancelled: the image was closed'));
    }
  }

  #finishCancelled(job: Job, err: unknown): void {
    for (const f of job.flights) {
      if (!f.settled) f.reject(err);
      if (this.#flights.get(f.key) === f) this.#flights.delete(f.key);
    }
    this.#jobs.delete(job);
    void job.lease?.release();
    job.finish();
  }

  /** Runs a job that got its slot (called by Job.start). */
  async run(job: Job): Promise<void> {
    const { blob } = job;
    const limit = deadline(this.options.fetchTimeoutMs, this.#closing.signal);
    const signal = limit.signal;
    const good: VerifiedChunk[] = [];
    const byOffset = new Map(job.flights.map((f) => [f.record.uncompressedOffset, f]));
    const settleGood = (chunk: VerifiedChunk): void => {
      good.push(chunk);
      this.#failed.forget(flightKey(blob.id, chunk.record));
      this.recent.put(blob.id, chunk.record.uncompressedOffset, chunk.data);
      byOffset.get(chunk.record.uncompressedOffset)?.resolve(chunk.data);
    };
    const started = Date.now();
    // Debug only: the stages of a cold read, for bench/start-timeline.ts.
    const trace = log.isLevelEnabled('debug') ? { blob: blob.id.slice(0, 12), offset: job.offset, length: job.length, priority: job.priority } : undefined;
    if (trace) log.debug(trace, 'fetch: range started');
    let request: PeerRangeRequest | undefined;
    try {
      let remaining: ChunkRecord[] = job.chunks;
      if (blob.peer !== undefined) {
        request = {
          blobId: blob.id,
          digest: blob.digest,
          offset: job.offset,
          length: job.length,
          chunkOffsets: job.chunks.map((c) => c.uncompressedOffset),
          chunks: job.chunks.map((c) => ({ uncompressedOffset: c.uncompressedOffset, compressedOffset: c.compressedOffset, compressedSize: c.compressedSize })),
          priority: job.priority,
        };
        remaining = await offerToPeer(this.metrics, () => this.closed, { blob, chunks: job.chunks, priority: job.priority }, blob.peer, request, signal, settleGood);
      }
      for (let attempt = 1; remaining.length > 0; attempt++) {
        const failed: Array<{ record: ChunkRecord; error: unknown }> = [];
        for (const run of contiguousRuns(remaining)) {
          // Chunks are verified and handed on while the body is still arriving (arriving-range.ts).
          const arriving = new ArrivingRange({
            algorithm: blob.algorithm,
            blobId: blob.id,
            offset: run.offset,
            chunks: run.chunks,
            minBatchBytes: ARRIVING_BATCH_BYTES,
            onVerified: settleGood,
          });
          let bytes: Buffer;
          let firstBytes = trace !== undefined;
          try {
            bytes = await this.#fromOrigin(job, run.offset, run.length, signal, (b, filled) => {
              if (firstBytes) {
                firstBytes = false;
                log.debug({ ...trace, filled }, 'fetch: first bytes');
              }
              arriving.arrived(b, filled);
            });
          } catch (err) {
            await arriving.stop();
            throw err;
          }
          if (trace) log.debug(trace, 'fetch: last bytes');
          await arriving.finish(bytes);
          if (trace) log.debug(trace, 'fetch: range verified');
          failed.push(...arriving.failed);
        }
        if (failed.length > 0) {
          this.metrics.verifyFailures.inc({ source: 'origin' }, failed.length);
          log.warn(
            { blob: blob.id, offsets: failed.map((f) => f.record.uncompressedOffset), attempt, reason: describeError(failed[0]!.error) },
            'fetch: chunks from the origin failed verification',
          );
        }
        remaining = failed.map((f) => f.record);
        if (attempt >= 2) {
          for (const f of failed) {
            const flight = byOffset.get(f.record.uncompressedOffset);
            if (flight !== undefined) this.#fail(flight, f.error);
          }
          break;
        }
      }
      // After a decline or a peer failure (a peer-ok range was reported already).
      if (request !== undefined && job.usedOrigin) {
        const verified = good.map((c) => ({ uncompressedOffset: c.record.uncompressedOffset, compressedOffset: c.record.compressedOffset, stored: c.stored }));
        reportToPeer(blob.peer, { request, outcome: 'origin-ok', durationMs: Date.now() - started, verified });
      }
    } catch (err) {
      const error = this.#failure(job, err, signal);
      for (const f of job.flights) if (!f.settled) this.#fail(f, error);
      if (request !== undefined) reportToPeer(blob.peer, { request, outcome: 'origin-failed', durationMs: Date.now() - started, error });
    } finally {
      limit.dispose();
      // The fetch slot stands for a request on the link; the cache commit (an fdatasync) does not
      // need it, so the next request starts now — unless as many jobs are still storing as there
      // are slots: then this one keeps its slot until stored, bounding the decoded bytes held.
      const holdSlot = this.#storing >= this.slots.capacity;
      if (!holdSlot) this.slots.release(job);
      this.#storing += 1;
      try {
        await this.#store(job, good);
      } finally {
        this.#storing -= 1;
      }
      if (holdSlot) this.slots.release(job);
      if (trace) log.debug(trace, 'fetch: range stored');
      for (const f of job.flights) if (this.#flights.get(f.key) === f) this.#flights.delete(f.key);
      this.#jobs.delete(job);
      await job.lease?.release();
      job.finish();
    }
  }

  /**
   * Rejects a flight and forgets it at once: a read that comes after the failure starts a new
   * fetch rather than joining this one's error (the job may still be writing its good chunks to
   * the cache for a while).
   */
  #fail(flight: Flight, err: unknown): void {
    flight.reject(err);
    if (!(err instanceof AbortedError)) this.#failed.remember(flight.key, err, Date.now());
    if (this.#flights.get(flight.key) === flight) this.#flights.delete(flight.key);
  }

  /**
   * `length` stored bytes from the origin: the one place origin range reads are retried
   * (retry.ts), within the job's deadline.
   */
  #fromOrigin(job: Job, offset: number, length: number, signal: AbortSignal, onProgress: RangeProgress): Promise<Buffer> {
    job.usedOrigin = true;
    const attempt = async (): Promise<Buffer> => {
      try {
        const bytes = await job.blob.origin.readRange(job.blob.digest, offset, length, signal, { onProgress, bulk: job.priority === 'prefetch' });
        if (bytes.length !== length) throw new SizeMismatchError(`origin range ${offset}+${length} of blob ${job.blob.id}`, length, bytes.length);
        this.metrics.originRequests.inc({ outcome: 'ok' });
        this.metrics.originBytes.inc(length);
        this.metrics.fetchedBytes.inc({ priority: job.priority }, length);
        return bytes;
      } catch (err) {
        this.metrics.originRequests.inc({ outcome: 'error' });
        throw err;
      }
    };
    return withRetry(attempt, {
      policy: this.#originRetry,
      retryable: originRetryDecision,
      signal,
      onRetry: (err, n, delayMs) =>
        log.warn({ blob: job.blob.id, offset, length, attempt: n, delayMs, reason: describeError(err) }, 'fetch: origin range failed; retrying'),
    });
  }

  /** The error readers of a failed job get. */
  #failure(job: Job, err: unknown, signal: AbortSignal): unknown {
    if (this.closed) return new AbortedError('the fetcher was closed', { cause: err });
    const what = `blob ${job.blob.id} stored bytes ${job.offset}+${job.length}`;
    if (signal.aborted) return new ChunkUnavailableError(`${what}: not fetched within ${this.options.fetchTimeoutMs} ms (last error: ${describeError(err)})`, { cause: err });
    return new ChunkUnavailableError(`${what}: ${describeError(err)}`, { cause: err });
  }

  /** Writes verified chunks to the cache in one batch; a failure costs only a refetch later. */
  async #store(job: Job, good: VerifiedChunk[]): Promise<void> {
    if (good.length === 0 || job.lease === undefined) return;
    const writer = job.lease.blob.add();
    try {
      await writer.writeAll(good);
      await writer.commit();
    } catch (err) {
      writer.abort();
      log.error({ blob: job.blob.id, err: describeError(err) }, 'fetch: could not write chunks to the cache (served from memory)');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.#closing.abort(new AbortedError('the fetcher was closed'));
    this.#unsubscribe();
    const running: Array<Promise<void>> = [];
    for (const job of [...this.#jobs]) {
      if (job.done !== undefined) running.push(job.done);
      else if (this.slots.cancel(job)) this.#finishCancelled(job, new AbortedError('the fetcher was closed'));
    }
    await Promise.allSettled(running);
  }
}
