import { CHUNK_FLAG_ZSTD } from './model.js';
import { BLOCK_SIZE, CHUNK_RECORD_SIZE, DIGEST_SIZE } from './constants.js';
import { isU16, isU32, isU64, readU64, requireBytes, viewOf, writeU64 } from './bytes.js';
// Record layout:
//   0x00 u16       blobIndex: index into the blob table
//   0x02 u16       flags: CHUNK_FLAG_ZSTD (bit 0) or nothing
//   0x04 u32       compressedSize: stored bytes in the blob
//   0x08 u64       compressedOffset: where the stored bytes start in the blob
//   0x10 u64       uncompressedOffset: where the chunk starts in the blob's uncompressed space
//   0x18 u32       uncompressedSize: the chunk's length
//   0x1C u32       reserved, zero
//   0x20 32 bytes  digest of the uncompressed bytes (algorithm from the darner header)
/** Every flag this build knows. */
export const KNOWN_CHUNK_FLAGS = CHUNK_FLAG_ZSTD;
export function decodeChunkSpan(bytes, offset) {
    requireBytes(bytes, offset, CHUNK_RECORD_SIZE, 'chunk record');
    const v = viewOf(bytes);
    return {
        blobIndex: v.getUint16(offset, true),
        flags: v.getUint16(offset + 0x02, true),
        compressedSize: v.getUint32(offset + 0x04, true),
        compressedOffset: readU64(v, offset + 0x08),
        uncompressedOffset: readU64(v, offset + 0x10),
        uncompressedSize: v.getUint32(offset + 0x18, true),
    };
}
/** Decodes a chunk record; the digest is a copy. */
export function decodeChunkRecord(bytes, offset) {
    const span = decodeChunkSpan(bytes, offset);
    return { ...span, digest: bytes.slice(offset + 0x20, offset + 0x20 + DIGEST_SIZE) };
}
export function encodeChunkRecord(c, target, offset) {
    requireBytes(target, offset, CHUNK_RECORD_SIZE, 'chunk record');
    target.fill(0, offset, offset + CHUNK_RECORD_SIZE);
    const v = viewOf(target);
    v.setUint16(offset, c.blobIndex, true);
    v.setUint16(offset + 0x02, c.flags, true);
    v.setUint32(offset + 0x04, c.compressedSize, true);
    writeU64(v, offset + 0x08, c.compressedOffset);
    writeU64(v, offset + 0x10, c.uncompressedOffset);
    v.setUint32(offset + 0x18, c.uncompressedSize, true);
    target.set(c.digest, offset + 0x20);
}
/**
 * The first rule a chunk record breaks on its own, given the image's chunk size, or undefined.
 * Checks against the blob table (range, overlap) are validateChunkInBlob's.
 */
export function validateChunkRecord(c, chunkSize) {
    if (!isU16(c.blobIndex))
        return `blob index ${c.blobIndex} does not fit in 16 bits`;
    if (!isU16(c.flags) || (c.flags & ~KNOWN_CHUNK_FLAGS) !== 0)
        return `unknown flags 0x${c.flags.toString(16)}`;
    if (!isU64(c.compressedOffset) || !isU64(c.uncompressedOffset))
        return `offset is not a 53-bit integer`;
    if (!isU32(c.compressedSize) || !isU32(c.uncompressedSize))
        return `size does not fit in 32 bits`;
    if (c.uncompressedOffset % BLOCK_SIZE !== 0)
        return `uncompressed offset ${c.uncompressedOffset} is not a multiple of ${BLOCK_SIZE}`;
    if (c.uncompressedSize === 0)
        return `uncompressed size is 0`;
    if (c.uncompressedSize > chunkSize)
        return `uncompressed size ${c.uncompressedSize} exceeds the chunk size ${chunkSize}`;
    if (c.compressedSize === 0)
        return `compressed size is 0`;
    if ((c.flags & CHUNK_FLAG_ZSTD) === 0) {
        if (c.compressedSize !== c.uncompressedSize)
            return `stored raw but compressed size ${c.compressedSize} ≠ uncompressed size ${c.uncompressedSize}`;
    }
    else if (c.compressedSize > chunkSize) {
        return `compressed size ${c.compressedSize} exceeds the chunk size ${chunkSize}`;
    }
    if (c.digest !== undefined && c.digest.length !== DIGEST_SIZE)
        return `digest is ${c.digest.length} bytes (expected ${DIGEST_SIZE})`;
    return undefined;
}
/** The first rule a chunk breaks against its blob's sizes, or undefined. */
export function validateChunkInBlob(c, blob) {
    // A blob's own chunk-info array follows its chunk data; no chunk may reach into it.
    const dataEnd = blob.chunkInfoOffset ?? blob.compressedSize;
    if (c.compressedOffset + c.compressedSize > dataEnd)
        return `compressed range [${c.compressedOffset}, +${c.compressedSize}) ends past the blob's ${dataEnd} bytes${blob.chunkInfoOffset === undefined ? '' : ' of chunk data'}`;
    if (c.uncompressedOffset + c.uncompressedSize > blob.uncompressedSize)
        return `uncompressed range [${c.uncompressedOffset}, +${c.uncompressedSize}) ends past the blob's ${blob.uncompressedSize} bytes`;
    return undefined;
}
//# sourceMappingURL=chunk-table.js.map