/**
 * Stored bytes of chunks this node fetched from the origin as the elected fetcher, verified but
 * not yet committed to the cache (the commit waits for an fdatasync of two files). Peers that
 * were told this node is fetching them (`in_progress`) are waiting in the peer server; serving
 * them from here spares them the disk sync on their critical path. The bytes are verified, and
 * every requester verifies them again, so durability does not matter to them.
 *
 * An entry leaves when the cache says the chunk is ready (or invalidated, or its blob removed),
 * after `ttlMs`, or when the store is over `maxBytes` (oldest first).
 */
import type { BlobCache, CacheEvent } from '../cache/types.js';

export interface PendingChunk {
  uncompressedOffset: number;
  compressedOffset: number;
  stored: Buffer;
}

interface Entry {
  blobId: string;
  uncompressedOffset: number;
  compressedOffset: number;
  /** Emptied when the entry leaves, so that the order list holds no bytes. */
  stored: Buffer;
  at: number;
}

const EMPTY = Buffer.alloc(0);

export class PendingChunks {
  /** blob id → compressed offset → entry. */
  readonly #byBlob = new Map<string, Map<number, Entry>>();
  /** Insertion order, for the size bound (entries already gone are skipped). */
  readonly #order: Entry[] = [];
  #bytes = 0;

  constructor(
    readonly maxBytes = 256 << 20,
    readonly ttlMs = 30_000,
  ) {}

  /** Drops chunks as the cache reports them ready, invalidated or removed. */
  attach(cache: BlobCache): () => void {
    return cache.onChange((event: CacheEvent) => {
      if (event.type === 'removed') this.#dropBlob(event.blobId);
      else this.drop(event.blobId, event.offsets);
    });
  }

  get bytes(): number {
    return this.#bytes;
  }

  add(blobId: string, chunks: readonly PendingChunk[]): void {
    const now = Date.now();
    let map = this.#byBlob.get(blobId);
    if (map === undefined) this.#byBlob.set(blobId, (map = new Map()));
    for (const c of chunks) {
      if (map.has(c.compressedOffset)) continue;
      const entry: Entry = { blobId, uncompressedOffset: c.uncompressedOffset, compressedOffset: c.compressedOffset, stored: c.stored, at: now };
      map.set(c.compressedOffset, entry);
      this.#order.push(entry);
      this.#bytes += c.stored.length;
    }
    this.#trim(now);
  }

  /** Forgets chunks of `blobId` by uncompressed offset. */
  drop(blobId: string, uncompressedOffsets: readonly number[]): void {
    const map = this.#byBlob.get(blobId);
    if (map === undefined) return;
    const gone = new Set(uncompressedOffsets);
    for (const [key, e] of map) {
      if (!gone.has(e.uncompressedOffset)) continue;
      map.delete(key);
      this.#bytes -= e.stored.length;
      e.stored = EMPTY;
    }
    if (map.size === 0) this.#byBlob.delete(blobId);
  }

  /** Stored bytes of the pending chunk that starts at compressed `offset`, if there is one. */
  chunkAt(blobId: string, offset: number): Buffer | undefined {
    this.#trim(Date.now());
    return this.#byBlob.get(blobId)?.get(offset)?.stored;
  }

  #dropBlob(blobId: string): void {
    const map = this.#byBlob.get(blobId);
    if (map === undefined) return;
    for (const e of map.values()) {
      this.#bytes -= e.stored.length;
      e.stored = EMPTY;
    }
    this.#byBlob.delete(blobId);
  }

  #trim(now: number): void {
    while (this.#order.length > 0) {
      const e = this.#order[0]!;
      const live = this.#byBlob.get(e.blobId)?.get(e.compressedOffset) === e;
      if (live && this.#bytes <= this.maxBytes && now - e.at < this.ttlMs) break;
      this.#order.shift();
      if (live) {
        this.#byBlob.get(e.blobId)!.delete(e.compressedOffset);
        if (this.#byBlob.get(e.blobId)!.size === 0) this.#byBlob.delete(e.blobId);
        this.#bytes -= e.stored.length;
        e.stored = EMPTY;
      }
    }
  }
}
