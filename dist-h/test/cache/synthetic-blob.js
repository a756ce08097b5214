/**
 * A data blob made in memory for cache tests: chunks of pseudo-random or repetitive bytes, each
 * stored zstd-compressed or raw, back to back, with a chunk table as a bootstrap would give it.
 */
import { compress } from 'zstd-napi';
import { verifyStoredRange } from '../../src/chunk-verify.js';
import { sha256Hex } from '../../src/digest.js';
import { BLOCK_SIZE, CHUNK_FLAG_ZSTD } from '../../src/format/model.js';
import { digestSync } from '../../src/native.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
/** Chunks of the given sizes; even-indexed ones compressible (zstd), odd ones random (raw). */
export function syntheticBlob(sizes, seed = 1, algorithm = 'blake3') {
    const records = [];
    const data = [];
    const parts = [];
    let coff = 0;
    let uoff = 0;
    sizes.forEach((size, i) => {
        const bytes = i % 2 === 0 ? Buffer.alloc(size, `chunk ${i} seed ${seed} `) : pseudoRandomBytes(size, seed * 1000 + i);
        const zipped = i % 2 === 0 ? compress(bytes) : undefined;
        const stored = zipped !== undefined && zipped.length < size ? zipped : bytes;
        records.push({
            blobIndex: 0,
            compressedOffset: coff,
            compressedSize: stored.length,
            uncompressedOffset: uoff,
            uncompressedSize: size,
            flags: stored === bytes ? 0 : CHUNK_FLAG_ZSTD,
            digest: digestSync(algorithm, bytes),
        });
        data.push(bytes);
        parts.push(stored);
        coff += stored.length;
        uoff += Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;
    });
    const stored = Buffer.concat(parts);
    return { id: sha256Hex(stored), compressedSize: stored.length, uncompressedSize: uoff, algorithm, stored, records, data };
}
/** VerifiedChunks of `indices`, as the fetch path would make them from the blob's bytes. */
export async function verified(blob, indices) {
    const records = indices.map((i) => blob.records[i]);
    const verdicts = await verifyStoredRange(blob.algorithm, blob.id, blob.stored, 0, records);
    return verdicts.map((v) => {
        if (!v.ok)
            throw v.error;
        return v.chunk;
    });
}
//# sourceMappingURL=synthetic-blob.js.map