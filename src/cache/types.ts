/**
 * The blob cache's public contract: one cache per daemon, shared by every mount and by the P2P
 * peer. On-disk layout, crash safety and gc are described in docs/cache.md.
 */
import type { Registry } from 'prom-client';
import type { VerifiedChunk } from '../chunk-verify.js';
import type { ChunkDigestAlgorithm, ChunkRecord } from '../format/model.js';

export interface BlobCacheOptions {
  /** Root directory (created if absent); blob `<id>` lives in `<dir>/blobs/<id>/`. */
  dir: string;
  /**
   * Keep the `stored` mirror (the blob's compressed bytes) beside the uncompressed `data`, so the
   * P2P peer can serve registry-shaped ranges. Default true. Without it readStoredRange always
   * declines.
   */
  keepStored?: boolean;
  /** Registry for the cache's metrics (darner_cache_*). */
  metrics?: Registry;
  /** A blob's last-use time is written at most this often per blob (default 60 000 ms). */
  touchIntervalMs?: number;
}

/** What the cache needs to know of a blob: a BlobRecord from a bootstrap satisfies it. */
export interface BlobIdentity {
  /** sha256 hex (64 lowercase digits) of the blob's stored bytes. */
  id: string;
  compressedSize: number;
  uncompressedSize: number;
}

/** One blob's footprint, for `darner` status output and gc decisions. */
export interface BlobUsage {
  id: string;
  compressedSize: number;
  uncompressedSize: number;
  /** Bytes allocated on disk (st_blocks × 512) by all the blob's files. */
  allocatedBytes: number;
  /** Of which: the uncompressed `data` file and the compressed `stored` mirror. */
  dataAllocatedBytes: number;
  storedAllocatedBytes: number;
  /** Chunks marked ready in the persistent bitmap. */
  readyChunks: number;
  /** Last time a mount used the blob (acquire, reads; written at most every touchIntervalMs). */
  lastUse: Date;
  /** Open leases (mounts, fetches, peer uploads); a blob with any is never collected. */
  references: number;
}

export interface GcOptions {
  /** Blob ids to keep even when no lease holds them (e.g. blobs of images still wanted). */
  keep?: Iterable<string>;
}

export interface GcResult {
  /** Blob ids deleted. */
  removed: string[];
  /** Bytes those blobs had allocated. */
  freedBytes: number;
}

/** Chunks a blob holds, named the P2P way: (blob id, uncompressed offsets). */
export interface HeldChunks {
  blobId: string;
  offsets: number[];
}

/** What changed in the cache; the P2P peer turns these into announce / withdraw. */
export type CacheEvent =
  | { type: 'ready'; blobId: string; offsets: number[] }
  | { type: 'invalidated'; blobId: string; offsets: number[] }
  | { type: 'removed'; blobId: string };

/** The cache of every blob on this node. */
export interface BlobCache {
  readonly dir: string;
  /**
   * Opens (creating if needed) the cache files of `blob` and holds them open until the lease is
   * released; a blob with a lease is never collected. Concurrent acquires of one blob share one
   * set of open files. Serialized with gc: a blob being acquired is never deleted under it.
   */
  acquire(blob: BlobIdentity): Promise<BlobLease>;
  /** Like acquire, for a blob already in the cache whose sizes are unknown (the peer serving it). */
  acquireExisting(id: string): Promise<BlobLease | undefined>;
  /** Footprint of every blob in the cache. */
  usage(): Promise<BlobUsage[]>;
  /** Deletes every blob that no lease holds and `keep` does not name. Serialized with acquire. */
  gc(options?: GcOptions): Promise<GcResult>;
  /**
   * Deletes the named blobs that no lease holds (the others, and ids not in the cache, are left
   * alone: the result names what went). Serialized with acquire, like gc.
   */
  remove(ids: Iterable<string>): Promise<GcResult>;
  /** Records now as the blob's last use. */
  touch(id: string): Promise<void>;
  /** Every ready chunk of every blob in the cache (for a P2P re-announce). */
  heldChunks(): AsyncIterable<HeldChunks>;
  /** Calls `listener` for every change; returns the function that unsubscribes. */
  onChange(listener: (event: CacheEvent) => void): () => void;
  /** Waits for pending writes, closes every file, releases the directory lock. */
  close(): Promise<void>;
}

/** One holder's claim on a cached blob. */
export interface BlobLease {
  readonly blob: CachedBlob;
  /** Another lease on the same blob (for a fetch that may outlive the mount that started it). */
  retain(): BlobLease;
  /** Drops this lease (idempotent); the files are closed when the last lease goes. */
  release(): Promise<void>;
}

/** One blob's cache files, shared by every lease. */
export interface CachedBlob {
  readonly id: string;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** True when the chunk starting at `uncompressedOffset` is ready (on disk and synced). */
  isReady(uncompressedOffset: number): boolean;
  /** Number of ready chunks. */
  readonly readyCount: number;
  /**
   * The data file: the blob's uncompressed address space, ready chunks at their offsets, zeros
   * elsewhere. For readers that go around readChunk (the blob devices' server) and so may read
   * only chunks for which isVerified holds.
   */
  readonly dataPath: string;
  /** True when chunk `record` is ready and its bytes in the data file matched its digest since this process opened the blob. */
  isVerified(record: ChunkRecord): boolean;
  /** Uncompressed offsets of every ready chunk, ascending. */
  readyOffsets(): number[];
  /**
   * `length` bytes from `start` within chunk `record` (default: the whole chunk) from the `data`
   * file, or undefined when the chunk is not ready. The first read of a ready chunk after the
   * daemon started reads and digests the whole chunk; one that does not match is logged,
   * counted, marked not ready (the caller fetches it again) and undefined is returned.
   */
  readChunk(record: ChunkRecord, algorithm: ChunkDigestAlgorithm, start?: number, length?: number): Promise<Buffer | undefined>;
  /**
   * `length` stored (compressed) bytes from compressed offset `offset`, when every byte of that
   * range belongs to a ready chunk; undefined otherwise (the peer declines). The requester
   * verifies what it gets.
   */
  readStoredRange(offset: number, length: number): Promise<Buffer | undefined>;
  /** Starts a batch of chunk writes: write* then commit (one fdatasync) or abort. */
  add(): ChunkWriter;
  /** Marks chunks not ready (found bad elsewhere); their bits are cleared on disk. */
  invalidate(uncompressedOffsets: readonly number[]): Promise<void>;
}

/**
 * A batch of chunk writes. `write` puts a verified chunk's bytes in `data` and `stored`;
 * `commit` syncs both files once and only then marks the batch's chunks ready (in memory and in
 * the `ready` bitmap file); `abort` (or a failed commit) leaves them not ready. Nothing but a
 * VerifiedChunk can be written.
 */
export interface ChunkWriter {
  write(chunk: VerifiedChunk): Promise<void>;
  /**
   * Writes several chunks at once: chunks adjacent in the blob go to disk in one vectored write
   * per file (a fetched range of 5,000 small-file chunks is then a handful of writes, not 10,000).
   */
  writeAll(chunks: readonly VerifiedChunk[]): Promise<void>;
  /** Returns the uncompressed offsets that became ready. */
  commit(): Promise<number[]>;
  abort(): void;
}
