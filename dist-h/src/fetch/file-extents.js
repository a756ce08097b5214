/**
 * Which file a stored chunk belongs to, and where that file lies in its blob: what the fetch
 * policy for cold reads needs (neighbours.ts, image-reader.ts). A read reaches the reader either
 * as a file read (FUSE mode: inode, offset) or as a range of a blob device (erofs mode: the
 * kernel reads the blob's uncompressed space by blocks, blob-space.ts maps that to chunks); both
 * end as chunk records, and this map takes a chunk back to its file.
 *
 * Pure: built from each file's chunk records (ofImage walks a bootstrap for them). A chunk shared
 * by several files (deduplicated) belongs to the first file given.
 */
import { HOLE } from '../format/model.js';
export class FileExtents {
    /** Per blob: the extent of the file each chunk (by stored offset) belongs to. */
    #byBlob = new Map();
    /** `files`: each file's chunk records (holes left out), in the order files should own shared chunks. */
    static of(files) {
        const map = new FileExtents();
        for (const chunks of files)
            map.#add(chunks);
        return map;
    }
    /** The regular files of an image, each once (hard links name one inode), in walk order. */
    static ofImage(bootstrap) {
        return FileExtents.building(bootstrap).finish();
    }
    /**
     * ofImage in steps, for a caller that must not hold its thread for the whole walk (thousands of
     * files: hundreds of ms): `step(n)` adds up to n more regular files and says whether the walk
     * is done; `finish()` adds the rest. Both throw what the walk throws (a malformed bootstrap);
     * after that the build is unusable. No per-chunk allocations beyond the map entries.
     */
    static building(bootstrap) {
        const map = new FileExtents();
        const walk = bootstrap.walk();
        const seen = new Set();
        const chunks = [];
        let done = false;
        const step = (files) => {
            for (let added = 0; !done && added < files;) {
                const next = walk.next();
                if (next.done === true)
                    done = true;
                else {
                    const { nid } = next.value;
                    if (seen.has(nid))
                        continue;
                    seen.add(nid);
                    if (bootstrap.inode(nid).kind !== 'file')
                        continue;
                    chunks.length = 0;
                    for (const slot of bootstrap.fileChunks(nid))
                        if (slot !== HOLE)
                            chunks.push(bootstrap.chunk(slot));
                    map.#add(chunks);
                    added++;
                }
            }
            return done;
        };
        return {
            step,
            finish: () => {
                step(Infinity);
                return map;
            },
        };
    }
    /**
     * One file's chunks: each chunk no earlier file owns joins the file's extent in its blob (a
     * chunk named twice by the same file is owned on its first mention, so it counts once).
     */
    #add(chunks) {
        let lastBlob = -1;
        let blob;
        let extents;
        for (const c of chunks) {
            if (c.blobIndex !== lastBlob) {
                lastBlob = c.blobIndex;
                blob = this.#byBlob.get(c.blobIndex);
                if (blob === undefined)
                    this.#byBlob.set(c.blobIndex, (blob = new Map()));
            }
            if (blob.has(c.compressedOffset))
                continue;
            let extent = extents?.get(c.blobIndex);
            if (extent === undefined) {
                extent = { blobIndex: c.blobIndex, start: c.compressedOffset, end: c.compressedOffset + c.compressedSize, bytes: 0 };
                (extents ??= new Map()).set(c.blobIndex, extent);
            }
            if (c.compressedOffset < extent.start)
                extent.start = c.compressedOffset;
            if (c.compressedOffset + c.compressedSize > extent.end)
                extent.end = c.compressedOffset + c.compressedSize;
            extent.bytes += c.compressedSize;
            blob.set(c.compressedOffset, extent);
        }
    }
    /** The extent of the file chunk `c` belongs to; undefined for a chunk no file names. */
    of(c) {
        return this.#byBlob.get(c.blobIndex)?.get(c.compressedOffset);
    }
}
//# sourceMappingURL=file-extents.js.map