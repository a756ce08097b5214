/**
 * The fetch path's public contract: what the FUSE layer calls (ImageReader) and what the P2P peer
 * implements (PeerSource). How a read flows and the defaults: docs/cache.md.
 */
import type { Registry } from 'prom-client';
import type { BlobReader } from '../blob/blob-reader.js';
import type { Bootstrap } from '../format/reader.js';

export interface FetchOptions {
  /** Range requests in flight at once, over every image (default 8). */
  maxConcurrentFetches?: number;
  /**
   * Largest Range request, in stored bytes (default 1 MiB). Absent chunks that are adjacent in
   * the blob are merged into one request up to this size (a single larger chunk is fetched
   * alone). With readAhead, an on-demand request is filled up to this size with the chunks that
   * follow it in the blob, so reading a 100 KiB file of a 1 MiB-chunk image fetches at most
   * 1 MiB (one chunk's worth) in all.
   */
  maxRequestBytes?: number;
  /**
   * A read of a small file fetches the whole file and the small files stored right after it, in
   * one request (src/fetch/neighbours.ts; default true). Off: a read fetches only its chunks.
   */
  readAhead?: boolean;
  /** A file of at most this many stored bytes is small (default 256 KiB; 0: none is). */
  smallFileBytes?: number;
  /**
   * The largest request a read of a small file makes with its neighbours, in stored bytes
   * (default 256 KiB): a read of one small file fetches at most this much (or the file, if the
   * file alone is larger), and never more than maxRequestBytes.
   */
  smallFileRequestBytes?: number;
  /**
   * Sequential read-ahead (src/fetch/sequential.ts): while reads move forward through one large
   * file, up to this many stored bytes of the file after them are fetched ahead, at prefetch
   * priority, never past the file's end (default 4 MiB; 0: off). Each range asked for is one
   * request of up to this size, whatever maxRequestBytes says.
   */
  sequentialReadAheadBytes?: number;
  /** The first window of a sequential read-ahead stream; it doubles up to sequentialReadAheadBytes (default 256 KiB). */
  sequentialStartBytes?: number;
  /**
   * A read that needs absent chunks fails (ChunkUnavailableError) when they have not arrived
   * this long after it started, whatever the sources do (default 30 000 ms). Fetches themselves
   * give up (and free their slot) this long after they started.
   */
  fetchTimeoutMs?: number;
  /**
   * Tries of one origin range request that fails for a reason that may pass (no answer, 5xx, 408,
   * 429), within fetchTimeoutMs (default 4). The fetch engine is the only layer that retries
   * range reads (src/blob/retry.ts).
   */
  originAttempts?: number;
  /** Backoff between origin retries: doubling from retryBaseDelayMs to retryMaxDelayMs (100, 2000). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /**
   * Decoded bytes of the chunks fetched last that are kept in memory (default 16 MiB; 0: none):
   * reads that follow a fetch are answered without reading the cache file back.
   */
  recentChunkBytes?: number;
  /** Registry for darner_fetch_* metrics. */
  metrics?: Registry;
}

/** The daemon-wide fetch engine: fetch slots, single flight, decode + verify, cache writes. */
export interface ChunkFetcher {
  /** Opens an image for reading: acquires cache leases for all its blobs until close(). */
  openImage(options: ImageReaderOptions): Promise<ImageReader>;
  /** Cancels every fetch (readers waiting on them get AbortedError). Idempotent. */
  close(): Promise<void>;
}

export interface ImageReaderOptions {
  bootstrap: Bootstrap;
  /** The image's origin: registry (openImageSource(ref).blobReader()) or OCI layout. */
  origin: BlobReader;
  /** Optional P2P source, tried before the origin. */
  peer?: PeerSource;
  /** A name for logs (e.g. the image reference). */
  name?: string;
}

/** Reads file data of one mounted image. All bytes returned are verified. */
export interface ImageReader {
  readonly bootstrap: Bootstrap;
  /**
   * Up to `length` bytes of regular file `nid` from `offset` (fewer at the end of the file,
   * none past it). Holes read as zeros; ready chunks come from the cache, absent ones are fetched.
   * Rejects with (src/errors.ts):
   * - ChunkUnavailableError: absent data could not be fetched within fetchTimeoutMs (→ EIO);
   * - CorruptChunkError / DigestMismatchError: a chunk failed verification from the origin
   *   twice (→ EIO);
   * - AbortedError: `signal` aborted or the reader closed (→ EINTR);
   * - InvalidArgumentError: `nid` is not a regular file, or a negative offset/length (→ EINVAL);
   * - MalformedBootstrapError: the file's chunk index is malformed (→ EIO).
   */
  read(nid: number, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
  /**
   * Up to `length` bytes of blob `blobIndex`'s uncompressed address space from `offset` (fewer at
   * its end, none past it): what a blob device file serves to the kernel's EROFS. Bytes between
   * chunks read as zeros; chunks come from the cache or are fetched and verified as for read(),
   * which also lists the rejections.
   */
  readBlob(blobIndex: number, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
  /**
   * For a server that reads cached blob bytes itself (the blob devices' native server): the
   * cache file holding blob `blobIndex`'s address space, or undefined when its bytes must not be
   * read around readBlob (a chunk table whose chunks overlap or are not block-aligned).
   */
  cacheFile(blobIndex: number): string | undefined;
  /**
   * Calls `listener` with each extent [start, end) of blob `blobIndex`'s address space whose
   * chunk is in the cache and verified since the daemon started, and then with every change
   * (chunks fetched and stored: true; invalidated or removed: false). Returns the unsubscribe.
   */
  watchVerified(blobIndex: number, listener: (start: number, end: number, verified: boolean) => void): () => void;
  /** The path of the file whose data is at `offset` of blob `blobIndex`'s space, if any (for messages). */
  fileAt(blobIndex: number, offset: number): string | undefined;
  /** The extents of chunks within [start, end) of blob `blobIndex`'s space verified now (after a read verified them). */
  verifiedIn(blobIndex: number, start: number, end: number): Array<[number, number]>;
  /**
   * Verifies the chunks within [start, end) of blob `blobIndex`'s space that are in the cache
   * and not verified since the daemon started (reading each once); resolves when done, whatever
   * the outcome (a chunk that fails is invalidated, as on any read).
   */
  verifyCached(blobIndex: number, start: number, end: number): Promise<void>;
  /**
   * Builds the indexes reads need ahead of the first read (stored order for read-ahead, the
   * blob address spaces blob devices serve, the chunk → file map of the fetch policy), which are
   * otherwise built by that read. The file map (a walk of the whole tree: hundreds of ms for
   * thousands of files) is built in slices, one per turn of the event loop (image-index.ts).
   * Call it once the mount is up and answered; it does no I/O.
   */
  prepare(): void;
  /**
   * Fetches the chunks of `nids` (default: the bootstrap's prefetch list) in the background, at
   * prefetch priority: on-demand reads always get the next free fetch slot first. Never rejects.
   */
  prefetchFiles(nids?: readonly number[]): Promise<PrefetchSummary>;
  /**
   * Fetches every chunk of the image at prefetch priority, at most `bytesPerSecond` stored bytes/s.
   * `startAt(ranges)`: the index of the range of each blob the walk starts at, wrapping around to
   * the blob's start (out of range: 0). A swarm's nodes start at different points so that they
   * hold different chunks early and serve each other.
   */
  prefetchAll(options?: { bytesPerSecond?: number; startAt?: (ranges: number) => number }): Promise<PrefetchSummary>;
  /** Stops prefetches, cancels this image's waiting reads, releases the cache leases. */
  close(): Promise<void>;
}

export interface PrefetchSummary {
  /** Chunks that were wanted, of which already cached, fetched, and failed. */
  chunks: number;
  cached: number;
  fetched: number;
  failed: number;
  /** Stored bytes fetched. */
  bytes: number;
  /** True when close() stopped it early. */
  cancelled: boolean;
}

/**
 * A range the fetcher offers to the P2P source before going to the origin: stored bytes
 * [offset, offset + length) of blob `digest`, holding the chunks at `chunkOffsets`.
 */
export interface PeerRangeRequest {
  /** sha256 hex of the blob (the P2P task id). */
  blobId: string;
  /** `sha256:<blobId>`, as a BlobReader takes it. */
  digest: string;
  offset: number;
  length: number;
  /** Uncompressed offsets of the chunks in the range, in stored order (how P2P names chunks). */
  chunkOffsets: readonly number[];
  /** The same chunks with their stored extents (back to back from `offset`), for partial answers. */
  chunks: ReadonlyArray<{ uncompressedOffset: number; compressedOffset: number; compressedSize: number }>;
  priority: 'demand' | 'prefetch';
}

/**
 * Bytes a peer served: exactly the requested length. `peer` names who served it (host id).
 * A partial answer lists in `unserved` the chunks (uncompressed offsets) whose bytes it does
 * not carry (their place in `bytes` is meaningless): those come from the origin, and do not
 * count against the peer.
 */
export interface PeerAnswer {
  bytes: Buffer;
  peer: string;
  unserved?: readonly number[];
}

/**
 * The P2P side of the fetch path (implemented by src/p2p). The BlobReader contract plus the
 * right to decline: `readRange` resolves to undefined when no peer should serve the range (no
 * holder, the scheduler says go to the origin, the scheduler is away): decline quickly, the read
 * is waiting. A rejection counts as a decline (logged). Answers are verified chunk by chunk like
 * any other bytes; a peer whose answer holds a bad chunk is reported and not asked again for
 * that read.
 */
export interface PeerSource {
  readRange(request: PeerRangeRequest, signal: AbortSignal): Promise<PeerAnswer | undefined>;
  /** How each range offered to readRange ended (for scheduler reports and withdraw/announce). */
  report?(report: PeerReport): void;
}

export interface PeerReport {
  request: PeerRangeRequest;
  /**
   * peer-ok: the peer's bytes verified and were used. peer-bad-data: some chunks failed
   * verification (`badChunkOffsets`); none of the answer was cached unverified. peer-error: the
   * peer's readRange rejected or answered the wrong length. origin-ok / origin-failed: the range
   * (declined or after a peer failure) was then fetched from the origin, or could not be.
   */
  outcome: 'peer-ok' | 'peer-bad-data' | 'peer-error' | 'origin-ok' | 'origin-failed';
  peer?: string;
  bytes?: number;
  durationMs: number;
  badChunkOffsets?: number[];
  error?: unknown;
  /**
   * origin-ok, peer-ok, peer-bad-data: the stored bytes of the range's verified chunks (from the
   * origin, or those of the peer's answer that verified), before the cache has committed them
   * (the P2P peer serves peers waiting for them without waiting for the disk sync).
   */
  verified?: ReadonlyArray<{ uncompressedOffset: number; compressedOffset: number; stored: Buffer }>;
}
