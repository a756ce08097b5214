import { UsageError } from '../src/errors.js';
export function digestKey(digest) {
    return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('latin1');
}
export class ChunkStore {
    chunkSize;
    digestAlgorithm;
    blobs = [];
    chunks = [];
    /** Dictionary blobs this image references, in the order they joined the blob table. */
    dictionaryBlobsUsed = [];
    index = new Map();
    blobIndexById = new Map();
    constructor(chunkSize, digestAlgorithm) {
        this.chunkSize = chunkSize;
        this.digestAlgorithm = digestAlgorithm;
    }
    /** Makes the chunks of an earlier image available for deduplication. */
    addDictionary(dict) {
        if (dict.chunkSize !== this.chunkSize) {
            throw new UsageError(`the chunk dictionary uses ${dict.chunkSize}-byte chunks, this conversion ${this.chunkSize}-byte chunks`);
        }
        if (dict.digestAlgorithm !== this.digestAlgorithm) {
            throw new UsageError(`the chunk dictionary uses ${dict.digestAlgorithm} digests, this conversion ${this.digestAlgorithm}`);
        }
        for (const record of dict.chunks) {
            const blob = dict.blobs[record.blobIndex];
            if (!blob)
                continue;
            const key = digestKey(record.digest);
            if (!this.index.has(key))
                this.index.set(key, { dictionaryBlob: blob, record });
        }
    }
    /** The chunk-table index of a chunk with this digest, if the image or dictionary has one. */
    lookup(digest) {
        const key = digestKey(digest);
        const hit = this.index.get(key);
        if (hit === undefined || typeof hit === 'number')
            return hit;
        // First use of a dictionary chunk: copy it into this image's tables.
        const blobIndex = this.blobIndexOf(hit.dictionaryBlob, true);
        const index = this.chunks.push({ ...hit.record, blobIndex }) - 1;
        this.index.set(key, index);
        return index;
    }
    /** Whether `lookup` would find the digest, without materializing dictionary chunks. */
    isDictionaryChunk(digest) {
        const hit = this.index.get(digestKey(digest));
        return hit !== undefined && typeof hit !== 'number';
    }
    /** Adds a new blob (a layer's) to the blob table; returns its index. */
    addBlob(blob) {
        return this.blobs.push(blob) - 1;
    }
    /** Adds a new unique chunk; returns its chunk-table index. */
    addChunk(record) {
        const index = this.chunks.push(record) - 1;
        this.index.set(digestKey(record.digest), index);
        return index;
    }
    blobIndexOf(blob, fromDictionary) {
        const known = this.blobIndexById.get(blob.id);
        if (known !== undefined)
            return known;
        // This image uses only some of a dictionary blob's chunks, so its chunk-info indexes are not
        // the blob's own array's: the record describes the blob as chunks only.
        const { chunkInfoOffset: _ownArray, ...record } = blob;
        const index = this.blobs.push(record) - 1;
        this.blobIndexById.set(blob.id, index);
        if (fromDictionary)
            this.dictionaryBlobsUsed.push(blob);
        return index;
    }
}
//# sourceMappingURL=chunk-store.js.map