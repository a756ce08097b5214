/**
 * Piece lists this node wrote or took from a peer, one file per blob (`<dir>/<blob id>`), written
 * only once the whole blob matched its digest, and served to peers only while every piece of the
 * blob is ready in this node's cache. While this node fetches a blob (leading it from the origin,
 * or following a peer's list), peers are served the part of its list known so far (in memory:
 * the digests of the first pieces), so that they can take those pieces before the blob is whole.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePieceList, parsePieceList, pieceCount } from './pieces.js';
const BLOB_ID = /^[0-9a-f]{64}$/;
export class PieceLists {
    #dir;
    #cache;
    /** Blobs this node is fetching whole now: the part of their lists known so far. */
    #inProgress = new Map();
    constructor(dir, cache) {
        this.#dir = dir;
        this.#cache = cache;
    }
    async init() {
        await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    }
    async get(blobId, size) {
        if (!BLOB_ID.test(blobId))
            return undefined;
        const bytes = await readFile(join(this.#dir, blobId)).catch(() => undefined);
        return bytes === undefined ? undefined : parsePieceList(bytes, size);
    }
    async put(blobId, list) {
        const file = join(this.#dir, blobId);
        const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
        await writeFile(temp, encodePieceList(list), { mode: 0o600 });
        await rename(temp, file);
    }
    /**
     * Marks `blobId` as being fetched here: `known(digests)` publishes the digests of its first
     * pieces as they become known (a prefix that only grows), `end()` stops (idempotent).
     */
    fetching(blobId, size, pieceSize) {
        const list = { size, pieceSize, digests: [] };
        this.#inProgress.set(blobId, list);
        return {
            known: (digests) => {
                if (digests.length > list.digests.length)
                    list.digests = digests.slice();
            },
            end: () => {
                if (this.#inProgress.get(blobId) === list)
                    this.#inProgress.delete(blobId);
            },
        };
    }
    /**
     * The encoded list of `blobId` when this node holds every piece of it (what a peer may be
     * served); while this node fetches it, the part known so far (partial).
     */
    async servable(blobId) {
        if (!BLOB_ID.test(blobId))
            return undefined;
        const held = await this.#held(blobId);
        if (held !== undefined)
            return held;
        const partial = this.#inProgress.get(blobId);
        return partial === undefined ? undefined : { partial: encodePieceList(partial) };
    }
    async #held(blobId) {
        const bytes = await readFile(join(this.#dir, blobId)).catch(() => undefined);
        if (bytes === undefined || bytes.length < 16)
            return undefined;
        const lease = await this.#cache.acquireExisting(blobId);
        if (lease === undefined)
            return undefined;
        try {
            const size = lease.blob.uncompressedSize;
            const list = parsePieceList(bytes, size);
            if (list === undefined || lease.blob.readyCount < pieceCount(size, list.pieceSize))
                return undefined;
            return bytes;
        }
        finally {
            await lease.release();
        }
    }
}
//# sourceMappingURL=piece-lists.js.map