import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from './model.js';
import { BLOB_RECORD_SIZE, BLOCK_SIZE, CHUNK_RECORD_SIZE, COMPRESSOR_CODE_NONE, COMPRESSOR_CODE_ZSTD, DARNER_HEADER_VERSION, DARNER_HEADER_OFFSET, DARNER_HEADER_SIZE, DARNER_MAGIC, DIGEST_CODE_BLAKE3, DIGEST_CODE_SHA256, MAX_BLOBS, PREFETCH_ENTRY_SIZE, REGION_CHECKSUM_CRC32C, } from './constants.js';
import { hex, isU32, isU64, readU64, requireBytes, viewOf, writeU64 } from './bytes.js';
export function decodeExtensionHeader(bytes, offset = DARNER_HEADER_OFFSET) {
    requireBytes(bytes, offset, DARNER_HEADER_SIZE, 'darner header');
    const v = viewOf(bytes);
    return {
        magic: Buffer.from(bytes.subarray(offset, offset + 8)).toString('latin1'),
        version: v.getUint16(offset + 0x08, true),
        headerSize: v.getUint16(offset + 0x0a, true),
        flags: v.getUint32(offset + 0x0c, true),
        chunkSize: v.getUint32(offset + 0x10, true),
        digestCode: v.getUint8(offset + 0x14),
        compressorCode: v.getUint8(offset + 0x15),
        checksumCode: v.getUint8(offset + 0x16),
        blobCount: v.getUint32(offset + 0x18, true),
        chunkCount: v.getUint32(offset + 0x1c, true),
        prefetchCount: v.getUint32(offset + 0x20, true),
        regionChecksum: v.getUint32(offset + 0x24, true),
        regionOffset: readU64(v, offset + 0x28),
        regionLength: readU64(v, offset + 0x30),
    };
}
export function encodeExtensionHeader(h, target, offset = DARNER_HEADER_OFFSET) {
    requireBytes(target, offset, DARNER_HEADER_SIZE, 'darner header');
    target.fill(0, offset, offset + DARNER_HEADER_SIZE);
    Buffer.from(target.buffer, target.byteOffset, target.byteLength).write(h.magic, offset, 8, 'latin1');
    const v = viewOf(target);
    v.setUint16(offset + 0x08, h.version, true);
    v.setUint16(offset + 0x0a, h.headerSize, true);
    v.setUint32(offset + 0x0c, h.flags, true);
    v.setUint32(offset + 0x10, h.chunkSize, true);
    v.setUint8(offset + 0x14, h.digestCode);
    v.setUint8(offset + 0x15, h.compressorCode);
    v.setUint8(offset + 0x16, h.checksumCode);
    v.setUint32(offset + 0x18, h.blobCount, true);
    v.setUint32(offset + 0x1c, h.chunkCount, true);
    v.setUint32(offset + 0x20, h.prefetchCount, true);
    v.setUint32(offset + 0x24, h.regionChecksum, true);
    writeU64(v, offset + 0x28, h.regionOffset);
    writeU64(v, offset + 0x30, h.regionLength);
}
/** Bytes the region must have for the header's counts. */
export function expectedRegionLength(h) {
    return h.blobCount * BLOB_RECORD_SIZE + h.chunkCount * CHUNK_RECORD_SIZE + h.prefetchCount * PREFETCH_ENTRY_SIZE;
}
/** Offsets of the three tables inside the region. */
export function regionLayout(h) {
    const blobTable = h.regionOffset;
    const chunkTable = blobTable + h.blobCount * BLOB_RECORD_SIZE;
    const prefetchTable = chunkTable + h.chunkCount * CHUNK_RECORD_SIZE;
    return { blobTable, chunkTable, prefetchTable };
}
/** The first rule a header breaks on its own, or undefined. Region bounds are the reader's check. */
export function validateExtensionHeader(h) {
    if (h.magic !== DARNER_MAGIC)
        return `bad magic ${JSON.stringify(h.magic)} (expected "${DARNER_MAGIC}")`;
    if (h.version !== DARNER_HEADER_VERSION)
        return `format version ${h.version} not supported (this build reads ${DARNER_HEADER_VERSION})`;
    if (h.headerSize !== DARNER_HEADER_SIZE)
        return `header size ${h.headerSize} (expected ${DARNER_HEADER_SIZE})`;
    if (h.flags !== 0)
        return `unknown flags ${hex(h.flags)}`;
    if (!isChunkSize(h.chunkSize))
        return `chunk size ${h.chunkSize} is not a power of two from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`;
    if (digestAlgorithmOf(h.digestCode) === undefined)
        return `unknown digest algorithm ${h.digestCode}`;
    if (compressorOf(h.compressorCode) === undefined)
        return `unknown compressor ${h.compressorCode}`;
    if (h.checksumCode !== REGION_CHECKSUM_CRC32C)
        return `unknown region checksum algorithm ${h.checksumCode}`;
    if (!isU32(h.blobCount) || h.blobCount > MAX_BLOBS)
        return `blob count ${h.blobCount} exceeds ${MAX_BLOBS}`;
    if (!isU32(h.chunkCount) || !isU32(h.prefetchCount))
        return `count out of range`;
    if (!isU64(h.regionOffset) || !isU64(h.regionLength))
        return `region offset or length does not fit in 53 bits`;
    if (h.regionOffset % BLOCK_SIZE !== 0)
        return `region offset ${h.regionOffset} is not block-aligned`;
    const expected = expectedRegionLength(h);
    if (h.regionLength !== expected)
        return `region length ${h.regionLength} does not match its tables (${expected} bytes for ${h.blobCount} blobs, ${h.chunkCount} chunks, ${h.prefetchCount} prefetch entries)`;
    return undefined;
}
export function isChunkSize(n) {
    return Number.isInteger(n) && n >= MIN_CHUNK_SIZE && n <= MAX_CHUNK_SIZE && (n & (n - 1)) === 0;
}
export function digestCodeOf(a) {
    return a === 'blake3' ? DIGEST_CODE_BLAKE3 : DIGEST_CODE_SHA256;
}
export function digestAlgorithmOf(code) {
    return code === DIGEST_CODE_BLAKE3 ? 'blake3' : code === DIGEST_CODE_SHA256 ? 'sha256' : undefined;
}
export function compressorCodeOf(c) {
    return c === 'zstd' ? COMPRESSOR_CODE_ZSTD : COMPRESSOR_CODE_NONE;
}
export function compressorOf(code) {
    return code === COMPRESSOR_CODE_ZSTD ? 'zstd' : code === COMPRESSOR_CODE_NONE ? 'none' : undefined;
}
//# sourceMappingURL=extension-header.js.map