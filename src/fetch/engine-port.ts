/**
 * What an image reader (image-reader.ts) needs from the daemon-wide fetch engine
 * (fetch-engine.ts), and nothing more: the engine implements ReaderEngine and opens readers; a
 * reader knows the engine only through this interface, so the dependency points one way.
 */
import { setMaxListeners } from 'node:events';
import type { BlobReader } from '../blob/blob-reader.js';
import type { BlobCache, BlobLease } from '../cache/types.js';
import type { ChunkDigestAlgorithm, ChunkRecord } from '../format/model.js';
import type { FileExtent } from './file-extents.js';
import type { FetchMetrics } from './metrics.js';
import type { ResolvedFetchOptions } from './options.js';
import type { FetchPriority } from './slot-queue.js';
import type { PeerSource } from './types.js';

/** One blob of one open image, as the engine needs it. */
export interface ImageBlob {
  readonly id: string;
  readonly digest: string;
  readonly algorithm: ChunkDigestAlgorithm;
  readonly lease: BlobLease;
  readonly origin: BlobReader;
  readonly peer: PeerSource | undefined;
  /** The image's chunk of this blob stored right after `record` (read-ahead). */
  next(record: ChunkRecord): ChunkRecord | undefined;
  /** The image's file `record` belongs to, where it lies in this blob (the fetch policy). */
  extentOf(record: ChunkRecord): FileExtent | undefined;
  /** Who opened it (a reader), for cancelling its prefetches. */
  readonly owner: object;
}

/** The settings reads follow. */
export type ReaderSettings = Pick<
  ResolvedFetchOptions,
  'fetchTimeoutMs' | 'readAhead' | 'sequentialReadAheadBytes' | 'sequentialStartBytes' | 'smallFileBytes' | 'smallFileRequestBytes' | 'maxRequestBytes'
> & {
  /** Prefetch requests worth having outstanding at once (the engine's prefetch slots). */
  readonly prefetchWindow: number;
};

export interface ReaderEngine {
  readonly closed: boolean;
  readonly settings: ReaderSettings;
  readonly cache: Pick<BlobCache, 'acquire' | 'onChange'>;
  readonly metrics: Pick<FetchMetrics, 'cacheHitBytes' | 'readDuration' | 'readErrors'>;
  /** Decoded bytes of a chunk fetched lately (verified, in memory), if still held. */
  recentChunk(blobId: string, uncompressedOffset: number): Buffer | undefined;
  /** Whether a fetch of `record` (a chunk of `blob`) is under way. */
  fetching(blob: ImageBlob, record: ChunkRecord): boolean;
  /**
   * Promises of the uncompressed bytes of `records` (chunks of `blob`), in order. With
   * `readAhead` a request for a small file is filled with the absent small files stored after it
   * (neighbours.ts), up to `neighbourBytes` (default smallFileRequestBytes); `untilStored`
   * resolves only once the chunks are in the cache; `maxRequestBytes` bounds one request.
   */
  fetch(
    blob: ImageBlob,
    records: readonly ChunkRecord[],
    priority: FetchPriority,
    readAhead: boolean,
    untilStored?: boolean,
    maxRequestBytes?: number,
    neighbourBytes?: number,
  ): Array<Promise<Buffer>>;
  /**
   * A read waiting for `records` reached its deadline with `err`: reads of them that follow fail
   * at once with it for a moment (FAILED_CHUNK_MEMORY_MS), even while a fetch of them still runs.
   */
  readTimedOut(blob: ImageBlob, records: readonly ChunkRecord[], err: unknown): void;
  /** Drops queued prefetch requests of `owner` (a closing reader) that no demand read waits for. */
  cancelPrefetches(owner: object): void;
}

/**
 * An AbortController whose signal may have any number of listeners: every running fetch and
 * waiting read listens to its reader's and the engine's signal.
 */
export function unlimitedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
