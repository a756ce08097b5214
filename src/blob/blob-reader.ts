/**
 * The one contract for every source of blob bytes the daemon reads from — origin registry, local
 * OCI layout, docker-archive, peers: `length` bytes of blob `digest` from `offset`, exactly, or a
 * typed error (RegistryError, NotFoundError, SizeMismatchError...). Bytes are not verified here:
 * the caller verifies the chunks it cuts out of them. One attempt: the caller owns the retries
 * (src/blob/retry.ts).
 */
export interface BlobReader {
  readRange(digest: string, offset: number, length: number, signal?: AbortSignal, options?: RangeReadOptions): Promise<Buffer>;
}

/** How one range read is carried out; sources that cannot use a hint ignore it. */
export interface RangeReadOptions {
  /** Hears of the body as it arrives (see RangeProgress). */
  onProgress?: RangeProgress;
  /**
   * Background bytes (read-ahead, prefetch) that may queue behind each other: the registry client
   * sends them all on one pipelined connection, so that streams of one reader do not compete
   * with each other for a narrow link (docs/daemon.md, "One bulk connection").
   */
  bulk?: boolean;
}

/**
 * Called while a range's bytes arrive (sources that stream them, such as the registry):
 * `bytes[0, filled)` is in and will not change; `bytes` is the buffer the read resolves to if
 * this attempt succeeds. A retried attempt starts again with a new buffer and `filled` from 0.
 * The caller may start decoding the chunks that have arrived (src/fetch/arriving-range.ts)
 * instead of waiting for the last byte. Must not throw.
 */
export type RangeProgress = (bytes: Buffer, filled: number) => void;
