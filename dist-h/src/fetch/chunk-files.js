/**
 * Which file of an image a place in a blob's address space belongs to, for the message of a
 * failed read of a blob device (the kernel's EROFS asks for blob bytes, the operator wants the
 * file). Built on the first question, by walking the image once; chunks shared by several files
 * name the first file walked.
 */
import { HOLE } from '../format/model.js';
import { upperBound } from './sorted-search.js';
export class ChunkFiles {
    #blobs;
    constructor(blobs) {
        this.#blobs = blobs;
    }
    static of(bootstrap) {
        const byBlob = bootstrap.blobs.map(() => new Map());
        for (const { path, nid } of bootstrap.walk()) {
            if (bootstrap.inode(nid).kind !== 'file')
                continue;
            for (const slot of bootstrap.fileChunks(nid)) {
                if (slot === HOLE)
                    continue;
                const r = bootstrap.chunk(slot);
                const chunks = byBlob[r.blobIndex];
                if (chunks !== undefined && !chunks.has(r.uncompressedOffset))
                    chunks.set(r.uncompressedOffset, { end: r.uncompressedOffset + r.uncompressedSize, path });
            }
        }
        return new ChunkFiles(byBlob.map((chunks) => {
            const sorted = [...chunks].sort((a, b) => a[0] - b[0]);
            return { starts: sorted.map(([s]) => s), ends: sorted.map(([, c]) => c.end), paths: sorted.map(([, c]) => c.path) };
        }));
    }
    /** The path of the file whose chunk holds `offset` of blob `blobIndex`'s space, if any. */
    fileAt(blobIndex, offset) {
        const blob = this.#blobs[blobIndex];
        if (blob === undefined)
            return undefined;
        const i = upperBound(blob.starts, offset) - 1;
        return i >= 0 && offset < blob.ends[i] ? blob.paths[i] : undefined;
    }
}
//# sourceMappingURL=chunk-files.js.map