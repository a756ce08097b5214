import { decodeStoredChunk } from '../../../src/chunk-codec.js';
import { chunkDigest } from '../../../src/digest.js';
import { DigestMismatchError } from '../../../src/errors.js';
import { HOLE } from '../../../src/format/index.js';
/**
 * A FileDataReader for tests of the FUSE layer on its own: every read goes to the origin, chunk
 * by chunk, decoded and verified; only the last few chunks are kept (a 1 MiB chunk is read in
 * 128 KiB FUSE requests). The daemon uses src/fetch's ImageReader instead.
 */
export class OriginFileReader {
    bootstrap;
    origin;
    /** Chunk fetches made so far. */
    fetches = 0;
    #recent = new Map();
    constructor(bootstrap, origin) {
        this.bootstrap = bootstrap;
        this.origin = origin;
    }
    async read(nid, offset, length) {
        const cs = this.bootstrap.chunkSize;
        const slots = this.bootstrap.fileChunks(nid);
        const size = this.bootstrap.inode(nid).size;
        const end = Math.min(size, offset + length);
        const parts = [];
        for (let i = Math.floor(offset / cs); i * cs < end; i++) {
            const pieceStart = i * cs;
            const pieceLength = Math.min(cs, size - pieceStart);
            const slot = slots[i];
            let data;
            if (slot === HOLE) {
                data = Buffer.alloc(pieceLength);
            }
            else {
                let pending = this.#recent.get(slot);
                if (pending === undefined) {
                    pending = this.#fetch(slot);
                    this.#recent.set(slot, pending);
                    pending.catch(() => this.#recent.delete(slot));
                    if (this.#recent.size > 16)
                        this.#recent.delete(this.#recent.keys().next().value);
                }
                data = await pending;
            }
            const from = Math.max(offset, pieceStart) - pieceStart;
            const to = Math.min(end, pieceStart + pieceLength) - pieceStart;
            parts.push(data.subarray(from, to));
        }
        return Buffer.concat(parts);
    }
    async #fetch(slot) {
        const record = this.bootstrap.chunk(slot);
        const blob = this.bootstrap.blobs[record.blobIndex];
        this.fetches += 1;
        const stored = await this.origin.readRange(`sha256:${blob.id}`, record.compressedOffset, record.compressedSize);
        const data = decodeStoredChunk(record, stored);
        const digest = chunkDigest(this.bootstrap.digestAlgorithm, data);
        if (!Buffer.from(digest).equals(Buffer.from(record.digest))) {
            throw new DigestMismatchError(`chunk ${slot}`, Buffer.from(record.digest).toString('hex'), Buffer.from(digest).toString('hex'));
        }
        return data;
    }
}
//# sourceMappingURL=origin-reader.js.map