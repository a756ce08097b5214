import { BLOB_RECORD_SIZE, BLOCK_SIZE, DIGEST_SIZE, NULL_ADDR } from './constants.js';
import { isU32, isU64, readU64, requireBytes, toHex, viewOf, writeU64 } from './bytes.js';
import { isBlobId } from '../util/hex-id.js';
// Record layout:
//   0x00 32 bytes  id: the blob's sha256, raw (BlobRecord.id is its lowercase hex)
//   0x20 u64       compressedSize: bytes of the blob as stored
//   0x28 u64       uncompressedSize: bytes of its uncompressed address space
//   0x30 u32       chunkCount: chunk-table entries in this blob
//   0x34 12 bytes  reserved, zero
export function decodeBlobRecord(bytes, offset) {
    requireBytes(bytes, offset, BLOB_RECORD_SIZE, 'blob record');
    const v = viewOf(bytes);
    return {
        id: toHex(bytes.subarray(offset, offset + DIGEST_SIZE)),
        compressedSize: readU64(v, offset + 0x20),
        uncompressedSize: readU64(v, offset + 0x28),
        chunkCount: v.getUint32(offset + 0x30, true),
    };
}
export function encodeBlobRecord(b, target, offset) {
    requireBytes(target, offset, BLOB_RECORD_SIZE, 'blob record');
    target.fill(0, offset, offset + BLOB_RECORD_SIZE);
    target.set(Buffer.from(b.id, 'hex'), offset);
    const v = viewOf(target);
    writeU64(v, offset + 0x20, b.compressedSize);
    writeU64(v, offset + 0x28, b.uncompressedSize);
    v.setUint32(offset + 0x30, b.chunkCount, true);
}
/** Blocks the blob's uncompressed space spans: its EROFS device size. */
export function blobBlocks(b) {
    return Math.ceil(b.uncompressedSize / BLOCK_SIZE);
}
/** Largest uncompressed space a blob may have: its blocks must be addressable below NULL_ADDR. */
export const MAX_BLOB_UNCOMPRESSED_SIZE = NULL_ADDR * BLOCK_SIZE;
/** The first rule a blob record breaks, or undefined. */
export function validateBlobRecord(b) {
    if (!isBlobId(b.id))
        return `id ${JSON.stringify(b.id)} is not 64 lowercase hex digits`;
    if (!isU64(b.compressedSize))
        return `compressed size ${b.compressedSize} is not a 53-bit integer`;
    if (!isU64(b.uncompressedSize))
        return `uncompressed size ${b.uncompressedSize} is not a 53-bit integer`;
    if (b.uncompressedSize > MAX_BLOB_UNCOMPRESSED_SIZE)
        return `uncompressed size ${b.uncompressedSize} exceeds ${MAX_BLOB_UNCOMPRESSED_SIZE} (32-bit block addresses)`;
    if (!isU32(b.chunkCount))
        return `chunk count ${b.chunkCount} does not fit in 32 bits`;
    return undefined;
}
//# sourceMappingURL=blob-table.js.map