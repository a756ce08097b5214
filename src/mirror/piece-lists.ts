/**
 * Piece lists this node wrote or took from a peer, one file per blob (`<dir>/<blob id>`), written
 * only once the whole blob matched its digest, and served to peers only while every piece of the
 * blob is ready in this node's cache.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobCache } from '../cache/types.js';
import { encodePieceList, parsePieceList, pieceCount, type PieceList } from './pieces.js';

const BLOB_ID = /^[0-9a-f]{64}$/;

export class PieceLists {
  readonly #dir: string;
  readonly #cache: BlobCache;
  /** Blobs this node is fetching whole from the origin now (leading): peers wait for their lists. */
  readonly #leading = new Set<string>();

  constructor(dir: string, cache: BlobCache) {
    this.#dir = dir;
    this.#cache = cache;
  }

  async init(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
  }

  async get(blobId: string, size: number): Promise<PieceList | undefined> {
    if (!BLOB_ID.test(blobId)) return undefined;
    const bytes = await readFile(join(this.#dir, blobId)).catch(() => undefined);
    return bytes === undefined ? undefined : parsePieceList(bytes, size);
  }

  async put(blobId: string, list: PieceList): Promise<void> {
    const file = join(this.#dir, blobId);
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, encodePieceList(list), { mode: 0o600 });
    await rename(temp, file);
  }

  /** Marks `blobId` as being fetched from the origin here until the returned function is called. */
  leading(blobId: string): () => void {
    this.#leading.add(blobId);
    return () => this.#leading.delete(blobId);
  }

  /**
   * The encoded list of `blobId` when this node holds every piece of it (what a peer may be
   * served); 'fetching' while this node leads it (the list comes once the blob is verified).
   */
  async servable(blobId: string): Promise<Buffer | 'fetching' | undefined> {
    if (!BLOB_ID.test(blobId)) return undefined;
    return (await this.#held(blobId)) ?? (this.#leading.has(blobId) ? 'fetching' : undefined);
  }

  async #held(blobId: string): Promise<Buffer | undefined> {
    const bytes = await readFile(join(this.#dir, blobId)).catch(() => undefined);
    if (bytes === undefined || bytes.length < 16) return undefined;
    const lease = await this.#cache.acquireExisting(blobId);
    if (lease === undefined) return undefined;
    try {
      const size = lease.blob.uncompressedSize;
      const list = parsePieceList(bytes, size);
      if (list === undefined || lease.blob.readyCount < pieceCount(size, list.pieceSize)) return undefined;
      return bytes;
    } finally {
      await lease.release();
    }
  }
}
