/**
 * ImageReader: file reads of one open image. A read maps its byte range to chunk slots (holes
 * read as zeros), serves ready chunks from the blob cache (each verified on its first read after
 * start), and hands the rest to the engine (fetch-engine.ts, through the ReaderEngine interface of engine-port.ts), waiting at most fetchTimeoutMs.
 * Prefetch walks the prefetch list or the whole image at prefetch priority.
 */
import type { BlobLease } from '../cache/types.js';
import { AbortedError, ChunkUnavailableError, DarnerError, InvalidArgumentError } from '../errors.js';
import { ReadDeadlineError, waitAll } from './wait-all.js';
import { ProgramLibraries } from './program-libraries.js';
import { HOLE, type ChunkRecord } from '../format/model.js';
import type { Bootstrap } from '../format/reader.js';
import { log } from '../log.js';
import type { BlobAddressSpace } from './blob-space.js';
import { ChunkFiles } from './chunk-files.js';
import type { FileExtent } from './file-extents.js';
import { ImageIndex } from './image-index.js';
import { sleep } from '../blob/retry.js';
import { unlimitedController, type ImageBlob, type ReaderEngine } from './engine-port.js';
import { planRanges } from './range-plan.js';
import { initialWalkState, neighbourBound, type WalkState } from './neighbours.js';
import { initialSequentialState, observeRead, wantsRestOfFile, type SequentialState } from './sequential.js';
import { TokenBucket } from './token-bucket.js';
import type { ImageReader, ImageReaderOptions, PrefetchSummary } from './types.js';
import { metricLabel } from '../util/metric-label.js';

interface Piece {
  blob: ImageBlob;
  record: ChunkRecord;
  /** Bytes [from, from + length) of the chunk go to out[at ...]. */
  from: number;
  length: number;
  at: number;
}

/** Large files followed by sequential read-ahead at once, per image (readers of several big files). */
const MAX_STREAMS = 16;

export class ImageReaderImpl implements ImageReader {
  readonly bootstrap: Bootstrap;
  readonly #engine: ReaderEngine;
  readonly #name: string;
  readonly #blobs: ImageBlob[];
  readonly #leases: BlobLease[];
  readonly #closing = unlimitedController();
  readonly #index: ImageIndex;
  #files: ChunkFiles | undefined;
  /** Sequential read-ahead state per large file being read (the most recent MAX_STREAMS). */
  readonly #streams = new Map<FileExtent, SequentialState>();
  /** Cold reads of small files per blob (index as in the bootstrap's blob table): neighbours.ts. */
  readonly #walks = new Map<number, WalkState>();
  /** Libraries of programs whose first chunk arrives (program-libraries.ts); off with read-ahead off. */
  readonly #libraries: ProgramLibraries | undefined;

  private constructor(engine: ReaderEngine, options: ImageReaderOptions, leases: BlobLease[]) {
    this.#engine = engine;
    this.bootstrap = options.bootstrap;
    this.#name = options.name ?? 'image';
    this.#leases = leases;
    this.#index = new ImageIndex(options.bootstrap, this.#name);
    this.#blobs = options.bootstrap.blobs.map((b, i) => ({
      id: b.id,
      digest: `sha256:${b.id}`,
      algorithm: options.bootstrap.digestAlgorithm,
      lease: leases[i]!,
      origin: options.origin,
      peer: options.peer,
      owner: this,
      next: (record: ChunkRecord) => this.#order(i).next(record),
      extentOf: (record: ChunkRecord) => this.#extentOf(record),
    }));
    const settings = engine.settings;
    this.#libraries =
      settings.readAhead && settings.sequentialReadAheadBytes > 0
        ? new ProgramLibraries(options.bootstrap, { fetch: (b, records) => this.#fetchFileChunks(b, records), restOfFile: (r) => this.#fetchRestOf(r), fileChunk: (r, i) => this.#fileChunk(r, i) }, settings.sequentialReadAheadBytes)
        : undefined;
  }

  static async open(engine: ReaderEngine, options: ImageReaderOptions): Promise<ImageReaderImpl> {
    if (engine.closed) throw new AbortedError('the fetcher is closed');
    const settled = await Promise.allSettled(options.bootstrap.blobs.map((b) => engine.cache.acquire(b)));
    const leases = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(leases.map((l) => l.release()));
      throw failed.reason;
    }
    return new ImageReaderImpl(engine, options, leases);
  }

  #order(blobIndex: number): ReturnType<ImageIndex['order']> {
    return this.#index.order(blobIndex);
  }

  #extentOf(record: ChunkRecord): FileExtent | undefined {
    return this.#index.extentOf(record);
  }

  prepare(): void {
    if (this.#closing.signal.aborted) return;
    this.#index.prepare(() => this.#closing.signal.aborted);
  }

  #space(blobIndex: number): BlobAddressSpace | undefined {
    return this.#index.space(blobIndex);
  }

  /** Blob `blobIndex` with its space, when its bytes may be read around readBlob (blockAligned). */
  #alignedBlob(blobIndex: number): { blob: ImageBlob; space: BlobAddressSpace } | undefined {
    const blob = this.#blobs[blobIndex];
    const space = this.#space(blobIndex);
    return blob !== undefined && space?.blockAligned === true ? { blob, space } : undefined;
  }

  cacheFile(blobIndex: number): string | undefined {
    return this.#alignedBlob(blobIndex)?.blob.lease.blob.dataPath;
  }

  watchVerified(blobIndex: number, listener: (start: number, end: number, verified: boolean) => void): () => void {
    const aligned = this.#alignedBlob(blobIndex);
    if (aligned === undefined) return () => {};
    const { blob, space } = aligned;
    const cached = blob.lease.blob;
    for (const r of space.records) if (cached.isVerified(r)) listener(r.uncompressedOffset, r.uncompressedOffset + r.uncompressedSize, true);
    return this.#engine.cache.onChange((event) => {
      if (event.blobId !== blob.id) return;
      if (event.type === 'removed') return listener(0, space.size, false);
      for (const offset of event.offsets) {
        const r = space.chunkAt(offset);
        if (r === undefined) continue;
        // Stored chunks were verified, but against the digests of the image that fetched them:
        // this image's record must be the one that matched.
        const verified = event.type === 'ready' && cached.isVerified(r);
        if (verified || event.type === 'invalidated') listener(offset, offset + r.uncompressedSize, verified);
      }
    });
  }

  fileAt(blobIndex: number, offset: number): string | undefined {
    try {
      this.#files ??= ChunkFiles.of(this.bootstrap);
    } catch {
      return undefined;
    }
    return this.#files.fileAt(blobIndex, offset);
  }

  verifiedIn(blobIndex: number, start: number, end: number): Array<[number, number]> {
    const aligned = this.#alignedBlob(blobIndex);
    if (aligned === undefined) return [];
    const cached = aligned.blob.lease.blob;
    return aligned.space
      .pieces(start, end)
      .filter((p) => cached.isVerified(p.record))
      .map((p) => [p.record.uncompressedOffset, p.record.uncompressedOffset + p.record.uncompressedSize]);
  }

  async verifyCached(blobIndex: number, start: number, end: number): Promise<void> {
    const aligned = this.#alignedBlob(blobIndex);
    if (aligned === undefined || this.#closing.signal.aborted) return;
    const cached = aligned.blob.lease.blob;
    const records = aligned.space.pieces(start, Math.min(end, aligned.space.size)).map((p) => p.record);
    const unverified = records.filter((r) => cached.isReady(r.uncompressedOffset) && !cached.isVerified(r));
    await Promise.all(unverified.map((r) => cached.readChunk(r, aligned.blob.algorithm, 0, 0).catch(() => undefined)));
  }

  async read(nid: number, offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    const started = performance.now();
    const metrics = this.#engine.metrics;
    try {
      return await this.#read(nid, offset, length, signal, started);
    } catch (err) {
      metrics.readErrors.inc({ code: metricLabel(err instanceof DarnerError ? err.code : 'INTERNAL') });
      throw err;
    } finally {
      metrics.readDuration.observe((performance.now() - started) / 1000);
    }
  }

  async #read(nid: number, offset: number, length: number, signal: AbortSignal | undefined, started: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0)
      throw new InvalidArgumentError(`read of inode ${nid}: bad offset ${offset} or length ${length}`);
    if (this.#closing.signal.aborted) throw new AbortedError(`${this.#name}: the image reader is closed`);
    if (signal?.aborted) throw new AbortedError(`read of inode ${nid}: aborted`);
    const inode = this.bootstrap.inode(nid);
    if (inode.kind !== 'file') throw new InvalidArgumentError(`inode ${nid} is a ${inode.kind}, not a regular file`);
    const end = Math.min(inode.size, offset + length);
    if (end <= offset) return Buffer.alloc(0);
    const slots = this.bootstrap.fileChunks(nid);
    const chunkSize = this.bootstrap.chunkSize;

    const pieces: Piece[] = [];
    for (let i = Math.floor(offset / chunkSize); i * chunkSize < end; i++) {
      const slot = slots[i];
      if (slot === undefined) throw new ChunkUnavailableError(`inode ${nid}: no chunk slot ${i}`);
      if (slot === HOLE) continue;
      const record = this.bootstrap.chunk(slot);
      const pieceStart = Math.max(offset, i * chunkSize);
      const pieceEnd = Math.min(end, (i + 1) * chunkSize);
      pieces.push({ blob: this.#blobs[record.blobIndex]!, record, from: pieceStart - i * chunkSize, length: pieceEnd - pieceStart, at: pieceStart - offset });
    }
    return this.#serve(pieces, end - offset, `${this.#name}: read of inode ${nid} at ${offset}+${length}`, signal, started);
  }

  async readBlob(blobIndex: number, offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    const started = performance.now();
    const metrics = this.#engine.metrics;
    try {
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0)
        throw new InvalidArgumentError(`read of blob ${blobIndex}: bad offset ${offset} or length ${length}`);
      const blob = this.#blobs[blobIndex];
      if (blob === undefined) throw new InvalidArgumentError(`the image has no blob ${blobIndex}`);
      if (this.#closing.signal.aborted) throw new AbortedError(`${this.#name}: the image reader is closed`);
      if (signal?.aborted) throw new AbortedError(`read of blob ${blobIndex}: aborted`);
      const space = this.#space(blobIndex)!;
      const end = Math.min(space.size, offset + length);
      if (end <= offset) return Buffer.alloc(0);
      const pieces = space.pieces(offset, end).map((p): Piece => ({ blob, ...p }));
      return await this.#serve(pieces, end - offset, `${this.#name}: read of blob ${blob.id.slice(0, 12)} at ${offset}+${length}`, signal, started);
    } catch (err) {
      metrics.readErrors.inc({ code: metricLabel(err instanceof DarnerError ? err.code : 'INTERNAL') });
      throw err;
    } finally {
      metrics.readDuration.observe((performance.now() - started) / 1000);
    }
  }

  /**
   * `length` bytes assembled from `pieces` (places no piece covers read as zeros): ready chunks
   * from the cache, the rest fetched at demand priority, waiting until fetchTimeoutMs after
   * `started` at most.
   */
  async #serve(pieces: Piece[], length: number, what: string, signal: AbortSignal | undefined, started: number): Promise<Buffer> {
    // The common warm read (one chunk, ready in the cache): its bytes as they are, with no
    // second buffer and copy.
    const only = pieces.length === 1 ? pieces[0]! : undefined;
    if (only !== undefined && only.length === length) {
      const bytes = this.#recent(only) ?? (await only.blob.lease.blob.readChunk(only.record, only.blob.algorithm, only.from, only.length));
      if (bytes !== undefined) {
        this.#engine.metrics.cacheHitBytes.inc(only.length);
        this.#readAhead(pieces);
        return bytes;
      }
    }

    // Cache first: ready chunks (verified on their first read since start).
    const out = Buffer.alloc(length);
    const misses: Piece[] = [];
    let hitBytes = 0;
    await Promise.all(
      pieces.map(async (p) => {
        const bytes = this.#recent(p) ?? (await p.blob.lease.blob.readChunk(p.record, p.blob.algorithm, p.from, p.length));
        if (bytes === undefined) misses.push(p);
        else {
          bytes.copy(out, p.at);
          hitBytes += p.length;
        }
      }),
    );
    if (hitBytes > 0) this.#engine.metrics.cacheHitBytes.inc(hitBytes);
    if (misses.length === 0) {
      this.#readAhead(pieces);
      return out;
    }

    // The rest from the engine, per blob, at demand priority.
    const waits: Array<Promise<void>> = [];
    const byBlob = new Map<ImageBlob, Piece[]>();
    const arrived = new Set<Piece>();
    for (const p of misses) byBlob.set(p.blob, [...(byBlob.get(p.blob) ?? []), p]);
    const settings = this.#engine.settings;
    for (const [blob, list] of byBlob) {
      const records = list.map((p) => p.record);
      const neighbours = settings.readAhead ? this.#neighbourBound(records) : settings.smallFileRequestBytes;
      const promises = this.#engine.fetch(blob, records, 'demand', settings.readAhead, false, Math.max(settings.maxRequestBytes, neighbours), neighbours);
      list.forEach((p, k) =>
        waits.push(
          promises[k]!.then((chunk) => {
            chunk.copy(out, p.at, p.from, p.from + p.length);
            arrived.add(p);
            this.#libraries?.arrived(p.record, chunk);
          }),
        ),
      );
    }
    // After the demand requests, so that they are planned (and queued) first.
    this.#readAhead(pieces);
    const signals = [this.#closing.signal, ...(signal ? [signal] : [])];
    const left = this.#engine.settings.fetchTimeoutMs - (performance.now() - started);
    try {
      await waitAll(waits, left, this.#engine.settings.fetchTimeoutMs, what, signals);
    } catch (err) {
      if (err instanceof ReadDeadlineError) {
        for (const [blob, list] of byBlob) this.#engine.readTimedOut(blob, list.filter((p) => !arrived.has(p)).map((p) => p.record), err);
      }
      throw err;
    }
    return out;
  }

  /** How many bytes of small neighbours a demand miss of `records` (one blob's) may bring (neighbours.ts). */
  #neighbourBound(records: readonly ChunkRecord[]): number {
    const first = records.reduce((a, b) => (b.compressedOffset < a.compressedOffset ? b : a));
    let state = this.#walks.get(first.blobIndex);
    if (state === undefined) this.#walks.set(first.blobIndex, (state = initialWalkState()));
    const settings = this.#engine.settings;
    const policy = { smallFileBytes: settings.smallFileBytes, requestBytes: settings.smallFileRequestBytes };
    const previous = this.#order(first.blobIndex).previous(first);
    const blob = this.#blobs[first.blobIndex]!;
    // A walk goes through small files: a miss right after a large file's chunk (a program's
    // binary, then the small files stored after it) is no reason to grow.
    const inHand =
      previous !== undefined &&
      (this.#extentOf(previous)?.bytes ?? Infinity) <= settings.smallFileBytes &&
      (blob.lease.blob.isReady(previous.uncompressedOffset) || this.#engine.recentChunk(blob.id, previous.uncompressedOffset) !== undefined || this.#engine.fetching(blob, previous));
    return neighbourBound(state, first.compressedOffset, policy, Math.max(settings.smallFileRequestBytes, settings.sequentialReadAheadBytes), inHand);
  }

  /** The piece's bytes from the chunks fetched last (verified, in memory), if there. */
  #recent(p: Piece): Buffer | undefined {
    const data = this.#engine.recentChunk(p.blob.id, p.record.uncompressedOffset);
    return data?.subarray(p.from, p.from + p.length);
  }

  /**
   * Sequential read-ahead (sequential.ts), inside one large file only: for the large file each
   * blob span of this read ends in, follow the stream of that file and fetch the absent chunks of
   * the range it asks for, up to the file's end, at prefetch priority (chunks in flight are joined
   * by the engine, not fetched twice). Reads of small files start no stream: their neighbours
   * come with their demand request (neighbours.ts). In erofs mode the reads are blob ranges; the
   * file is found from the chunks (file-extents.ts).
   */
  #readAhead(pieces: readonly Piece[]): void {
    const settings = this.#engine.settings;
    const maxWindow = settings.sequentialReadAheadBytes;
    if (maxWindow <= 0 || pieces.length === 0 || this.#engine.closed) return;
    const spans = new Map<ImageBlob, { start: number; end: number; last: ChunkRecord }>();
    for (const p of pieces) {
      const start = p.record.compressedOffset;
      const end = start + p.record.compressedSize;
      const span = spans.get(p.blob);
      if (span === undefined) spans.set(p.blob, { start, end, last: p.record });
      else {
        span.start = Math.min(span.start, start);
        if (end > span.end) Object.assign(span, { end, last: p.record });
      }
    }
    const options = { maxWindow, minWindow: Math.min(maxWindow, settings.maxRequestBytes), startWindow: Math.min(maxWindow, settings.sequentialStartBytes) };
    for (const span of spans.values()) {
      const file = this.#extentOf(span.last);
      if (file === undefined || file.bytes <= settings.smallFileBytes) continue;
      let state = this.#streams.get(file);
      if (state === undefined) state = initialSequentialState();
      // Most recent last: the oldest stream goes when there are too many.
      this.#streams.delete(file);
      this.#streams.set(file, state);
      if (this.#streams.size > MAX_STREAMS) this.#streams.delete(this.#streams.keys().next().value!);
      const range = observeRead(state, Math.max(span.start, file.start), span.end, options);
      // A file read at scattered places (a mapped program): all of it, the reads of it included.
      const wanted = wantsRestOfFile(state, file.bytes, options) ? { from: file.start, to: file.end } : range;
      if (wanted !== undefined) this.#fetchAhead(file, wanted.from, Math.min(wanted.to, file.end));
    }
  }

  /** The absent chunks of `file` stored in [from, to), at prefetch priority (chunks in flight are joined). */
  #fetchAhead(file: FileExtent, from: number, to: number): void {
    const records: ChunkRecord[] = [];
    for (const r of this.#order(file.blobIndex).from(from)) {
      if (r.compressedOffset >= to) break;
      if (this.#extentOf(r) === file) records.push(r);
    }
    this.#fetchFileChunks(file.blobIndex, records);
  }

  /**
   * The absent ones of `records` (blob `blobIndex`'s, stored order) at prefetch priority, in one
   * request where they allow: its chunks are handed on as they arrive anyway (arriving-range.ts),
   * and fewer, longer requests leave fewer gaps on the link and cost the registry less (bench:fs
   * tree: 23 requests instead of 57). Chunks in flight are joined, not fetched twice.
   */
  #fetchFileChunks(blobIndex: number, records: ChunkRecord[]): Array<{ record: ChunkRecord; data: Promise<Buffer> }> {
    const blob = this.#blobs[blobIndex];
    if (blob === undefined || this.#engine.closed || this.#closing.signal.aborted) return [];
    const absent = records.filter((r) => !blob.lease.blob.isReady(r.uncompressedOffset));
    if (absent.length === 0) return [];
    const settings = this.#engine.settings;
    const promises = this.#engine.fetch(blob, absent, 'prefetch', false, false, Math.max(settings.sequentialReadAheadBytes, settings.maxRequestBytes));
    return absent.map((record, k) => ({ record, data: promises[k]! }));
  }

  /** The rest of the file whose first chunk is `record`, if its stored bytes are within sequential_read_ahead. */
  #fetchRestOf(record: ChunkRecord): void {
    const file = this.#extentOf(record);
    if (file !== undefined && file.bytes <= this.#engine.settings.sequentialReadAheadBytes) this.#fetchAhead(file, file.start, file.end);
  }

  /** Chunk `index` of the file whose first chunk is `first`, counting the file's chunks in stored order. */
  #fileChunk(first: ChunkRecord, index: number): ChunkRecord | undefined {
    const file = this.#extentOf(first);
    if (file === undefined) return undefined;
    let k = 0;
    for (const r of this.#order(first.blobIndex).from(file.start)) {
      if (r.compressedOffset >= file.end) break;
      if (this.#extentOf(r) === file && k++ === index) return r;
    }
    return undefined;
  }

  prefetchFiles(nids: readonly number[] = this.bootstrap.prefetchNids): Promise<PrefetchSummary> {
    return this.#prefetch('files', () => {
      const seen = new Set<number>();
      const records: ChunkRecord[] = [];
      for (const nid of nids) {
        try {
          if (this.bootstrap.inode(nid).kind !== 'file') continue;
          for (const slot of this.bootstrap.fileChunks(nid)) {
            if (slot === HOLE || seen.has(slot)) continue;
            seen.add(slot);
            records.push(this.bootstrap.chunk(slot));
          }
        } catch (err) {
          log.warn({ image: this.#name, nid, err: String(err) }, 'prefetch: skipping a file');
        }
      }
      return records;
    });
  }

  prefetchAll(options: { bytesPerSecond?: number; startAt?: (ranges: number) => number } = {}): Promise<PrefetchSummary> {
    return this.#prefetch(
      'all',
      () => this.bootstrap.blobs.flatMap((_, i) => [...this.#order(i).records()]),
      options.bytesPerSecond,
      options.startAt,
    );
  }

  async #prefetch(kind: string, list: () => ChunkRecord[], bytesPerSecond?: number, startAt?: (ranges: number) => number): Promise<PrefetchSummary> {
    const summary: PrefetchSummary = { chunks: 0, cached: 0, fetched: 0, failed: 0, bytes: 0, cancelled: false };
    const closing = this.#closing.signal;
    try {
      const records = list();
      summary.chunks = records.length;
      const bucket =
        bytesPerSecond !== undefined && bytesPerSecond > 0
          ? new TokenBucket(bytesPerSecond, Math.max(bytesPerSecond, this.#engine.settings.maxRequestBytes), Date.now())
          : undefined;
      // Enough requests outstanding to fill the prefetch slots, no more: queued jobs hold flights
      // and leases, and a close must find little to cancel.
      const window = this.#engine.settings.prefetchWindow;
      const outstanding = new Set<Promise<void>>();
      for (let b = 0; b < this.#blobs.length; b++) {
        const blob = this.#blobs[b]!;
        const isReady = (r: ChunkRecord): boolean => blob.lease.blob.isReady(r.uncompressedOffset);
        const absent = records.filter((r) => r.blobIndex === b && !isReady(r));
        summary.cached += records.filter((r) => r.blobIndex === b).length - absent.length;
        const plans = planRanges(absent, { maxRequestBytes: this.#engine.settings.maxRequestBytes });
        const start = startAt?.(plans.length) ?? 0;
        if (Number.isSafeInteger(start) && start > 0 && start < plans.length) plans.push(...plans.splice(0, start));
        for (const plan of plans) {
          if (closing.aborted || this.#engine.closed) break;
          // A close ends the wait; the loop then stops.
          if (bucket !== undefined) await sleep(bucket.reserve(plan.length, Date.now()), closing).catch(() => undefined);
          while (outstanding.size >= window && !closing.aborted) await Promise.race(outstanding);
          if (closing.aborted) break;
          // On-demand reads may have fetched some of them meanwhile.
          const chunks = plan.chunks.filter((r) => !isReady(r));
          summary.cached += plan.chunks.length - chunks.length;
          if (chunks.length === 0) continue;
          const promises = this.#engine.fetch(blob, chunks, 'prefetch', false, true);
          const done = Promise.allSettled(promises).then((results) => {
            results.forEach((r, k) => {
              if (r.status === 'fulfilled') {
                summary.fetched += 1;
                summary.bytes += chunks[k]!.compressedSize;
              } else summary.failed += 1;
            });
          });
          outstanding.add(done);
          void done.finally(() => outstanding.delete(done));
        }
      }
      await Promise.all(outstanding);
    } catch (err) {
      log.error({ image: this.#name, err: String(err) }, `prefetch (${kind}) stopped`);
    }
    summary.cancelled = closing.aborted;
    log.info({ image: this.#name, kind, ...summary }, 'prefetch finished');
    return summary;
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    this.#engine.cancelPrefetches(this);
    await Promise.all(this.#leases.map((l) => l.release()));
  }
}
