/**
 * A data blob's own chunk-info array and header (Nydus's "blob.meta", chunk-info v1), appended
 * after the chunks in the layout `nydus-image create` writes without inline metadata:
 *
 *   chunk data | chunk-info array (16 bytes per chunk, uncompressed) | header (4096 bytes)
 *
 * nydusd maps every chunk through this array (the bootstrap's chunk index entries name an entry
 * of it), not through the bootstrap's chunk-info table. darner's own readers never read it: the
 * bootstrap describes every chunk, and the blob's digest (its id) pins these bytes too.
 *
 * Entry i is the blob's chunk of rank i by uncompressed offset (writer-plan.ts chunkInfoIndexes),
 * which is the order nydusd binary-searches it in. Pure: no I/O.
 */
import { BLOCK_SIZE } from './model.js';
import { isU64, readU64, requireBytes, viewOf, writeU64 } from './bytes.js';
/** Bytes of one chunk-info v1 entry. */
export const CHUNK_INFO_V1_SIZE = 16;
/** Bytes of the header that follows the array. */
export const BLOB_META_HEADER_SIZE = 4096;
export const BLOB_META_MAGIC = 0xb10bb10b;
/** Blob features darner's blobs with a chunk-info array carry: ALIGNED | CAP_TAR_TOC. */
export const BLOB_META_FEATURES = 0x4000_0001;
const MAX_COMPRESSED_OFFSET = 2 ** 40;
const MAX_UNCOMPRESSED_OFFSET = 2 ** 44;
const MAX_CHUNK_BYTES = 2 ** 24;
/** Bytes the chunk-info array and header of a blob of `chunkCount` chunks take. */
export function blobMetaSize(chunkCount) {
    return chunkCount * CHUNK_INFO_V1_SIZE + BLOB_META_HEADER_SIZE;
}
/**
 * The first reason a chunk cannot be described by a chunk-info v1 entry, or undefined. An entry
 * has no compression flag: a chunk counts as compressed when its two sizes differ, so a zstd
 * chunk (`flags` bit 0) must be smaller than its data.
 */
export function chunkInfoProblem(c) {
    if (c.flags !== undefined && (c.flags & 0x1) !== 0 && c.compressedSize === c.uncompressedSize)
        return `a zstd chunk as large as its data (${c.compressedSize} bytes) would read as stored raw`;
    if (c.compressedSize < 1 || c.compressedSize > MAX_CHUNK_BYTES || c.uncompressedSize < 1 || c.uncompressedSize > MAX_CHUNK_BYTES)
        return `sizes ${c.compressedSize}/${c.uncompressedSize} outside 1 … 16 MiB`;
    if (c.compressedOffset + c.compressedSize > MAX_COMPRESSED_OFFSET)
        return `compressed range ends beyond 2^40`;
    if (c.uncompressedOffset % BLOCK_SIZE !== 0 || c.uncompressedOffset >= MAX_UNCOMPRESSED_OFFSET)
        return `uncompressed offset ${c.uncompressedOffset} is not a block below 2^44`;
    return undefined;
}
/**
 * The array and header for a blob's `chunks` (each once, in any order: entries are ordered by
 * uncompressed offset) placed at `ciOffset`, the end of the blob's chunk data. Throws on a chunk
 * that no entry can describe.
 */
export function encodeBlobMeta(unordered, ciOffset) {
    const chunks = [...unordered].sort((a, b) => a.uncompressedOffset - b.uncompressedOffset);
    const arraySize = chunks.length * CHUNK_INFO_V1_SIZE;
    const out = Buffer.alloc(arraySize + BLOB_META_HEADER_SIZE);
    chunks.forEach((c, i) => {
        const problem = chunkInfoProblem(c);
        if (problem !== undefined)
            throw new RangeError(`chunk-info entry ${i}: ${problem}`);
        const u = c.uncompressedSize - 1;
        const k = c.compressedSize - 1;
        // u64 #0: bits 8–11 = (size − 1) >> 20, bits 12–43 = offset, bits 44–63 = (size − 1) & 0xfffff.
        const word0 = (BigInt(u >>> 20) << 8n) | BigInt(c.uncompressedOffset) | (BigInt(u & 0xfffff) << 44n);
        // u64 #1: bits 0–39 = offset, bits 40–43 = (size − 1) >> 20, bits 44–63 = (size − 1) & 0xfffff.
        const word1 = BigInt(c.compressedOffset) | (BigInt(k >>> 20) << 40n) | (BigInt(k & 0xfffff) << 44n);
        out.writeBigUInt64LE(word0, i * CHUNK_INFO_V1_SIZE);
        out.writeBigUInt64LE(word1, i * CHUNK_INFO_V1_SIZE + 8);
    });
    encodeBlobMetaHeader({ features: BLOB_META_FEATURES, entries: chunks.length, ciOffset, ciSize: arraySize }, out, arraySize);
    return out;
}
function encodeBlobMetaHeader(h, target, offset) {
    const v = viewOf(target);
    v.setUint32(offset, BLOB_META_MAGIC, true);
    v.setUint32(offset + 4, h.features, true);
    v.setUint32(offset + 8, 0, true); // ci_compressor: none
    v.setUint32(offset + 12, h.entries, true);
    writeU64(v, offset + 16, h.ciOffset);
    writeU64(v, offset + 24, h.ciSize); // compressed size = uncompressed size
    writeU64(v, offset + 32, h.ciSize);
    v.setUint32(offset + BLOB_META_HEADER_SIZE - 4, BLOB_META_MAGIC, true);
}
/**
 * Decodes the array and header at the end of an untrusted blob tail (the last
 * `blobMetaSize(n)` bytes); returns the spans, or the first problem found.
 */
export function decodeBlobMeta(tail, ciOffset) {
    if (tail.length < BLOB_META_HEADER_SIZE || (tail.length - BLOB_META_HEADER_SIZE) % CHUNK_INFO_V1_SIZE !== 0)
        return { problem: `${tail.length} bytes cannot hold a chunk-info array and its header` };
    const at = tail.length - BLOB_META_HEADER_SIZE;
    requireBytes(tail, at, BLOB_META_HEADER_SIZE, 'blob meta header');
    const v = viewOf(tail);
    if (v.getUint32(at, true) !== BLOB_META_MAGIC || v.getUint32(at + BLOB_META_HEADER_SIZE - 4, true) !== BLOB_META_MAGIC)
        return { problem: 'no blob meta header magic' };
    const header = {
        features: v.getUint32(at + 4, true),
        entries: v.getUint32(at + 12, true),
        ciOffset: readU64(v, at + 16),
        ciSize: readU64(v, at + 24),
    };
    if (v.getUint32(at + 8, true) !== 0)
        return { problem: `chunk-info array compressor ${v.getUint32(at + 8, true)} (darner writes it uncompressed)` };
    if (!isU64(header.ciOffset) || header.ciOffset !== ciOffset)
        return { problem: `header places the array at ${header.ciOffset}, not ${ciOffset}` };
    if (header.ciSize !== at || readU64(v, at + 32) !== at || header.entries * CHUNK_INFO_V1_SIZE !== at)
        return { problem: `header sizes ${header.ciSize}/${readU64(v, at + 32)} and ${header.entries} entries disagree with the ${at}-byte array` };
    const chunks = [];
    for (let i = 0; i < header.entries; i++) {
        const word0 = v.getBigUint64(i * CHUNK_INFO_V1_SIZE, true);
        const word1 = v.getBigUint64(i * CHUNK_INFO_V1_SIZE + 8, true);
        const u = Number((word0 >> 44n) | (((word0 >> 8n) & 0xfn) << 20n)) + 1;
        const k = Number((word1 >> 44n) | (((word1 >> 40n) & 0xfn) << 20n)) + 1;
        chunks.push({
            uncompressedOffset: Number(word0 & 0xffffffff000n),
            uncompressedSize: u,
            compressedOffset: Number(word1 & 0xffffffffffn),
            compressedSize: k,
        });
    }
    return { header, chunks };
}
//# sourceMappingURL=blob-meta.js.map