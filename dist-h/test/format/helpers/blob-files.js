/**
 * Materializes the uncompressed address space of each blob of a model as a file (what
 * `darner expand` and a complete blob cache hold): random bytes at every chunk, zeros elsewhere,
 * padded to whole blocks. Also computes what each regular file must read as.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOLE } from '../../../src/format/model.js';
export function writeBlobFiles(meta, dir) {
    const contents = meta.blobs.map((b) => Buffer.alloc(Math.ceil(b.uncompressedSize / 4096) * 4096));
    for (const c of meta.chunks)
        randomBytes(c.uncompressedSize).copy(contents[c.blobIndex], c.uncompressedOffset);
    const paths = contents.map((buf, i) => {
        const path = join(dir, `blob${i}.img`);
        writeFileSync(path, buf);
        return path;
    });
    return { paths, contents };
}
/** The bytes a file must read as: its chunks from the blobs, zeros for holes. */
export function expectedContent(meta, file, blobs) {
    const out = Buffer.alloc(file.size);
    file.chunks.forEach((slot, i) => {
        if (slot === HOLE)
            return;
        const c = meta.chunks[slot];
        blobs[c.blobIndex].copy(out, i * meta.chunkSize, c.uncompressedOffset, c.uncompressedOffset + c.uncompressedSize);
    });
    return out;
}
//# sourceMappingURL=blob-files.js.map