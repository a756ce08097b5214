import { retryableRegistryError } from '../blob/http.js';
import { withRetry } from '../blob/retry.js';
import { AbortedError, ChunkUnavailableError, DarnerError, RegistryError, SizeMismatchError, describeError } from '../errors.js';
import { log } from '../log.js';
import { ArrivingRange } from './arriving-range.js';
import { FailedChunks } from './failed-chunks.js';
import { offerToPeer, reportToPeer } from './peer-offer.js';
import { RecentChunks } from './recent-chunks.js';
import { deadline } from '../util/deadline.js';
import { unlimitedController } from './engine-port.js';
import { ImageReaderImpl } from './image-reader.js';
import { fetchMetrics } from './metrics.js';
import { resolveFetchOptions } from './options.js';
import { mayAddNeighbour } from './neighbours.js';
import { contiguousRuns, planRanges } from './range-plan.js';
import { SlotQueue } from './slot-queue.js';
class Job {
    engine;
    blob;
    chunks;
    priority;
    flights = [];
    offset;
    length;
    lease;
    done;
    usedOrigin = false;
    /** Settles when the job is over: its verified chunks are in the cache (or failed to be). */
    finished;
    finish;
    constructor(engine, blob, chunks, priority) {
        this.engine = engine;
        this.blob = blob;
        this.chunks = chunks;
        this.priority = priority;
        this.finished = new Promise((resolve) => (this.finish = resolve));
        this.offset = chunks[0].compressedOffset;
        const last = chunks[chunks.length - 1];
        this.length = last.compressedOffset + last.compressedSize - this.offset;
    }
    start() {
        this.done = this.engine.run(this);
    }
}
/**
 * Fewest stored bytes verified per batch while a body is still arriving: small enough that the
 * reader of a range's first chunks does not wait for much more than them, large enough that the
 * native calls stay few (a 1 MiB range of small-file chunks: about 16).
 */
const ARRIVING_BATCH_BYTES = 64 * 1024;
const digestHex = new WeakMap();
function hexOf(digest) {
    let h = digestHex.get(digest);
    if (h === undefined) {
        h = Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
        digestHex.set(digest, h);
    }
    return h;
}
export function flightKey(blobId, record) {
    return `${blobId}:${record.uncompressedOffset}:${hexOf(record.digest)}`;
}
/**
 * Whether an origin range failure may pass (retry.ts): registry answers as the registry client
 * decides them (no answer, 5xx, 408, 429), short bodies and timeouts; nothing else typed.
 */
export function originRetryDecision(err) {
    if (err instanceof RegistryError)
        return retryableRegistryError(err);
    if (err instanceof SizeMismatchError)
        return { retry: true };
    // Other typed errors (NotFound, BadRange, Unsupported, ...) will not pass by waiting.
    if (err instanceof DarnerError)
        return { retry: err.code === 'TIMEOUT' };
    return { retry: true };
}
/**
 * How long a chunk whose fetch failed fails reads at once (failed-chunks.ts): long enough for the
 * reads the kernel sends right after a failed one, short enough that a read made once the origin
 * is back fetches again.
 */
export const FAILED_CHUNK_MEMORY_MS = 1000;
export class FetchEngine {
    options;
    settings;
    cache;
    metrics;
    /** Decoded bytes of the chunks fetched last: reads right after a fetch skip the cache file. */
    recent;
    slots;
    #flights = new Map();
    #failed = new FailedChunks(FAILED_CHUNK_MEMORY_MS);
    #jobs = new Set();
    /** Jobs whose bytes are in and which are writing them to the cache (their slots mostly released). */
    #storing = 0;
    #closing = unlimitedController();
    #originRetry;
    #unsubscribe;
    constructor(cache, options = {}) {
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
            if (event.type === 'removed')
                this.recent.deleteBlob(event.blobId);
        });
        this.#originRetry = {
            attempts: this.options.originAttempts,
            baseDelayMs: this.options.retryBaseDelayMs,
            maxDelayMs: this.options.retryMaxDelayMs,
            maxTotalMs: this.options.fetchTimeoutMs,
        };
        this.metrics = fetchMetrics(this.options.metrics, () => ({ running: this.slots.running, queued: this.slots.queued }));
    }
    get closed() {
        return this.#closing.signal.aborted;
    }
    /** The signal every fetch listens to; aborted by close(). */
    get closeSignal() {
        return this.#closing.signal;
    }
    recentChunk(blobId, uncompressedOffset) {
        return this.recent.get(blobId, uncompressedOffset);
    }
    fetching(blob, record) {
        return this.#flights.has(flightKey(blob.id, record));
    }
    openImage(options) {
        return ImageReaderImpl.open(this, options);
    }
    /**
     * Promises of the uncompressed bytes of `records` (chunks of `blob`), in order. Chunks that no
     * flight covers are planned into jobs; with `readAhead` a job for a small file is filled with
     * the absent small files stored after it (neighbours.ts). A demand caller boosts the prefetch
     * jobs it joins.
     */
    fetch(blob, records, priority, readAhead, 
    /** Resolve only once the fetch is over and its chunks are in the cache (prefetch). */
    untilStored = false, 
    /** Largest request for these chunks (default maxRequestBytes). */
    maxRequestBytes = this.options.maxRequestBytes, 
    /** Largest request a small file's read makes with its neighbours (neighbours.ts). */
    neighbourBytes = this.options.smallFileRequestBytes) {
        if (this.closed)
            return records.map(() => Promise.reject(new AbortedError('the fetcher is closed')));
        const now = Date.now();
        const toPlan = [];
        const failedLately = new Map();
        for (const r of records) {
            const key = flightKey(blob.id, r);
            // Before joining a flight: a read that gave up on it has made the caller wait a deadline already.
            const err = this.#failed.recall(key, now);
            if (err !== undefined) {
                failedLately.set(r, err);
                continue;
            }
            const f = this.#flights.get(key);
            if (f === undefined)
                toPlan.push(r);
            else if (priority === 'demand')
                this.slots.boost(f.job);
        }
        if (toPlan.length > 0) {
            const neighbours = { smallFileBytes: this.options.smallFileBytes, requestBytes: neighbourBytes };
            const plans = planRanges(toPlan, {
                maxRequestBytes,
                ...(readAhead
                    ? {
                        next: (c) => blob.next(c),
                        canAdd: (c, range) => {
                            if (!mayAddNeighbour((r) => blob.extentOf(r), neighbours, range, c))
                                return false;
                            const key = flightKey(blob.id, c);
                            return !blob.lease.blob.isReady(c.uncompressedOffset) && !this.#flights.has(key) && this.#failed.recall(key, now) === undefined;
                        },
                    }
                    : {}),
            });
            for (const plan of plans)
                this.#submit(new Job(this, blob, plan.chunks, priority));
        }
        return records.map((r) => {
            const err = failedLately.get(r);
            if (err !== undefined) {
                const failed = Promise.reject(err);
                // Read-ahead callers drop their promises: never an unhandled rejection.
                failed.catch(() => undefined);
                return failed;
            }
            const flight = this.#flights.get(flightKey(blob.id, r));
            return untilStored ? flight.promise.then((bytes) => flight.job.finished.then(() => bytes)) : flight.promise;
        });
    }
    #submit(job) {
        job.lease = job.blob.lease.retain();
        for (const record of job.chunks) {
            let resolve;
            let reject;
            const promise = new Promise((res, rej) => {
                resolve = res;
                reject = rej;
            });
            // Read-ahead chunks may have no reader at all: never an unhandled rejection.
            promise.catch(() => undefined);
            const flight = {
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
    readTimedOut(blob, records, err) {
        const now = Date.now();
        for (const r of records)
            this.#failed.remember(flightKey(blob.id, r), err, now);
    }
    /** Drops queued prefetch jobs of `owner` (a closing reader) that no demand reader waits for. */
    cancelPrefetches(owner) {
        for (const job of this.#jobs) {
            if (job.blob.owner !== owner || job.priority !== 'prefetch' || job.done !== undefined)
                continue;
            if (this.slots.cancel(job))
                this.#finishCancelled(job, new AbortedError('prefetch cancelled: the image was closed'));
        }
    }
    #finishCancelled(job, err) {
        for (const f of job.flights) {
            if (!f.settled)
                f.reject(err);
            if (this.#flights.get(f.key) === f)
                this.#flights.delete(f.key);
        }
        this.#jobs.delete(job);
        void job.lease?.release();
        job.finish();
    }
    /** Runs a job that got its slot (called by Job.start). */
    async run(job) {
        const { blob } = job;
        const limit = deadline(this.options.fetchTimeoutMs, this.#closing.signal);
        const signal = limit.signal;
        const good = [];
        const byOffset = new Map(job.flights.map((f) => [f.record.uncompressedOffset, f]));
        const settleGood = (chunk) => {
            good.push(chunk);
            this.#failed.forget(flightKey(blob.id, chunk.record));
            this.recent.put(blob.id, chunk.record.uncompressedOffset, chunk.data);
            byOffset.get(chunk.record.uncompressedOffset)?.resolve(chunk.data);
        };
        const started = Date.now();
        // Debug only: the stages of a cold read, for bench/start-timeline.ts.
        const trace = log.isLevelEnabled('debug') ? { blob: blob.id.slice(0, 12), offset: job.offset, length: job.length, priority: job.priority } : undefined;
        if (trace)
            log.debug(trace, 'fetch: range started');
        let request;
        try {
            let remaining = job.chunks;
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
                const failed = [];
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
                    let bytes;
                    let firstBytes = trace !== undefined;
                    try {
                        bytes = await this.#fromOrigin(job, run.offset, run.length, signal, (b, filled) => {
                            if (firstBytes) {
                                firstBytes = false;
                                log.debug({ ...trace, filled }, 'fetch: first bytes');
                            }
                            arriving.arrived(b, filled);
                        });
                    }
                    catch (err) {
                        await arriving.stop();
                        throw err;
                    }
                    if (trace)
                        log.debug(trace, 'fetch: last bytes');
                    await arriving.finish(bytes);
                    if (trace)
                        log.debug(trace, 'fetch: range verified');
                    failed.push(...arriving.failed);
                }
                if (failed.length > 0) {
                    this.metrics.verifyFailures.inc({ source: 'origin' }, failed.length);
                    log.warn({ blob: blob.id, offsets: failed.map((f) => f.record.uncompressedOffset), attempt, reason: describeError(failed[0].error) }, 'fetch: chunks from the origin failed verification');
                }
                remaining = failed.map((f) => f.record);
                if (attempt >= 2) {
                    for (const f of failed) {
                        const flight = byOffset.get(f.record.uncompressedOffset);
                        if (flight !== undefined)
                            this.#fail(flight, f.error);
                    }
                    break;
                }
            }
            // After a decline or a peer failure (a peer-ok range was reported already).
            if (request !== undefined && job.usedOrigin) {
                const verified = good.map((c) => ({ uncompressedOffset: c.record.uncompressedOffset, compressedOffset: c.record.compressedOffset, stored: c.stored }));
                reportToPeer(blob.peer, { request, outcome: 'origin-ok', durationMs: Date.now() - started, verified });
            }
        }
        catch (err) {
            const error = this.#failure(job, err, signal);
            for (const f of job.flights)
                if (!f.settled)
                    this.#fail(f, error);
            if (request !== undefined)
                reportToPeer(blob.peer, { request, outcome: 'origin-failed', durationMs: Date.now() - started, error });
        }
        finally {
            limit.dispose();
            // The fetch slot stands for a request on the link; the cache commit (an fdatasync) does not
            // need it, so the next request starts now — unless as many jobs are still storing as there
            // are slots: then this one keeps its slot until stored, bounding the decoded bytes held.
            const holdSlot = this.#storing >= this.slots.capacity;
            if (!holdSlot)
                this.slots.release(job);
            this.#storing += 1;
            try {
                await this.#store(job, good);
            }
            finally {
                this.#storing -= 1;
            }
            if (holdSlot)
                this.slots.release(job);
            if (trace)
                log.debug(trace, 'fetch: range stored');
            for (const f of job.flights)
                if (this.#flights.get(f.key) === f)
                    this.#flights.delete(f.key);
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
    #fail(flight, err) {
        flight.reject(err);
        if (!(err instanceof AbortedError))
            this.#failed.remember(flight.key, err, Date.now());
        if (this.#flights.get(flight.key) === flight)
            this.#flights.delete(flight.key);
    }
    /**
     * `length` stored bytes from the origin: the one place origin range reads are retried
     * (retry.ts), within the job's deadline.
     */
    #fromOrigin(job, offset, length, signal, onProgress) {
        job.usedOrigin = true;
        const attempt = async () => {
            try {
                const bytes = await job.blob.origin.readRange(job.blob.digest, offset, length, signal, { onProgress, bulk: job.priority === 'prefetch' });
                if (bytes.length !== length)
                    throw new SizeMismatchError(`origin range ${offset}+${length} of blob ${job.blob.id}`, length, bytes.length);
                this.metrics.originRequests.inc({ outcome: 'ok' });
                this.metrics.originBytes.inc(length);
                this.metrics.fetchedBytes.inc({ priority: job.priority }, length);
                return bytes;
            }
            catch (err) {
                this.metrics.originRequests.inc({ outcome: 'error' });
                throw err;
            }
        };
        return withRetry(attempt, {
            policy: this.#originRetry,
            retryable: originRetryDecision,
            signal,
            onRetry: (err, n, delayMs) => log.warn({ blob: job.blob.id, offset, length, attempt: n, delayMs, reason: describeError(err) }, 'fetch: origin range failed; retrying'),
        });
    }
    /** The error readers of a failed job get. */
    #failure(job, err, signal) {
        if (this.closed)
            return new AbortedError('the fetcher was closed', { cause: err });
        const what = `blob ${job.blob.id} stored bytes ${job.offset}+${job.length}`;
        if (signal.aborted)
            return new ChunkUnavailableError(`${what}: not fetched within ${this.options.fetchTimeoutMs} ms (last error: ${describeError(err)})`, { cause: err });
        return new ChunkUnavailableError(`${what}: ${describeError(err)}`, { cause: err });
    }
    /** Writes verified chunks to the cache in one batch; a failure costs only a refetch later. */
    async #store(job, good) {
        if (good.length === 0 || job.lease === undefined)
            return;
        const writer = job.lease.blob.add();
        try {
            await writer.writeAll(good);
            await writer.commit();
        }
        catch (err) {
            writer.abort();
            log.error({ blob: job.blob.id, err: describeError(err) }, 'fetch: could not write chunks to the cache (served from memory)');
        }
    }
    async close() {
        if (this.closed)
            return;
        this.#closing.abort(new AbortedError('the fetcher was closed'));
        this.#unsubscribe();
        const running = [];
        for (const job of [...this.#jobs]) {
            if (job.done !== undefined)
                running.push(job.done);
            else if (this.slots.cancel(job))
                this.#finishCancelled(job, new AbortedError('the fetcher was closed'));
        }
        await Promise.allSettled(running);
    }
}
//# sourceMappingURL=fetch-engine.js.map