/**
 * Chunk-based regular files: i_u holds the chunk format, and after the inode and its xattrs
 * (aligned to 8 bytes) comes one 8-byte index entry per chunk naming a device and a block address
 * in that device. darner's entries name blob (device − 1) and a block of its uncompressed space.
 */
import { MalformedBootstrapError } from '../errors.js';
import { BLOCK_SIZE_BITS, CHUNK_FORMAT_BLKBITS_MASK, CHUNK_FORMAT_INDEXES, CHUNK_INDEX_ENTRY_SIZE, NULL_ADDR, } from './constants.js';
import { alignUp, hex, isU16, isU32, requireBytes, viewOf } from './bytes.js';
export function decodeChunkIndexEntry(bytes, offset) {
    requireBytes(bytes, offset, CHUNK_INDEX_ENTRY_SIZE, 'chunk index entry');
    const v = viewOf(bytes);
    return { advise: v.getUint16(offset, true), deviceId: v.getUint16(offset + 2, true), blkaddr: v.getUint32(offset + 4, true) };
}
export function encodeChunkIndexEntry(e, target, offset) {
    requireBytes(target, offset, CHUNK_INDEX_ENTRY_SIZE, 'chunk index entry');
    const v = viewOf(target);
    v.setUint16(offset, e.advise, true);
    v.setUint16(offset + 2, e.deviceId, true);
    v.setUint32(offset + 4, e.blkaddr, true);
}
/** The first rule an entry breaks on its own, or undefined (device range is the reader's check). */
export function validateChunkIndexEntry(e) {
    if (!isU16(e.advise) || !isU16(e.deviceId) || !isU32(e.blkaddr))
        return `field out of range`;
    if (e.advise !== 0)
        return `advise field is ${e.advise} (must be 0)`;
    if (e.blkaddr === NULL_ADDR && e.deviceId !== 0)
        return `hole with device ${e.deviceId} (must be 0)`;
    return undefined;
}
/** An entry for a hole: reads as zeros. */
export const HOLE_ENTRY = Object.freeze({ advise: 0, deviceId: 0, blkaddr: NULL_ADDR });
/** i_u of a chunk-based inode with 8-byte indexes and chunks of `chunkSize` bytes. */
export function chunkFormatFor(chunkSize) {
    return CHUNK_FORMAT_INDEXES | (Math.log2(chunkSize) - BLOCK_SIZE_BITS);
}
/** Decodes i_u of a chunk-based inode: the chunk size, or a problem (unknown bits, block map). */
export function decodeChunkFormat(format) {
    if ((format & ~(CHUNK_FORMAT_INDEXES | CHUNK_FORMAT_BLKBITS_MASK)) !== 0)
        return { problem: `chunk format ${hex(format)} has unknown bits` };
    if ((format & CHUNK_FORMAT_INDEXES) === 0)
        return { problem: `chunk format ${hex(format)} is a block map (8-byte indexes required)` };
    const chunkBits = BLOCK_SIZE_BITS + (format & CHUNK_FORMAT_BLKBITS_MASK);
    // A chunk larger than the 53-bit offsets JavaScript holds cannot be addressed.
    if (chunkBits > 52)
        return { problem: `chunk format ${hex(format)} gives 2^${chunkBits}-byte chunks` };
    return { chunkBits };
}
/** Byte offset of the first index entry: after inode and xattrs, aligned to the entry size. */
export function chunkIndexOffset(inodeOffset, inodeSize, xattrSize) {
    return alignUp(inodeOffset + inodeSize + xattrSize, CHUNK_INDEX_ENTRY_SIZE);
}
/** Number of chunks of a file: ⌈size / chunkSize⌉. */
export function chunkCountOf(size, chunkBits) {
    return Math.ceil(size / 2 ** chunkBits);
}
/** Decodes `count` entries at `offset`, checking bounds once for the whole array. */
export function decodeChunkIndex(bytes, offset, count) {
    if (offset + count * CHUNK_INDEX_ENTRY_SIZE > bytes.length)
        throw new MalformedBootstrapError(`chunk index of ${count} entries at byte ${offset} runs past the end of the image (${bytes.length} bytes)`);
    const out = new Array(count);
    for (let i = 0; i < count; i++)
        out[i] = decodeChunkIndexEntry(bytes, offset + i * CHUNK_INDEX_ENTRY_SIZE);
    return out;
}
//# sourceMappingURL=chunk-index.js.map