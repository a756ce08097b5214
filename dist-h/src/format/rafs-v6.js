/**
 * Records of a Nydus RAFS v6 bootstrap that EROFS does not define (docs/format.md, "Reading Nydus
 * RAFS v6"): the RAFS extended superblock at byte 0x480, the 256-byte blob records and the
 * 80-byte chunk-info records, with the rules darner applies to each on its own. Pure codecs.
 */
import { BLOB_META_FEATURES, blobMetaSize } from './blob-meta.js';
import { isBlobId } from '../util/hex-id.js';
import { BLOCK_SIZE, DIGEST_SIZE } from './constants.js';
import { hex, isU64, readU64, requireBytes, viewOf, writeU64 } from './bytes.js';
/** feature_compat bit that marks a RAFS v6 bootstrap. */
export const FEATURE_COMPAT_RAFS_V6 = 0x40000000;
/** The one incompat value Nydus writes and loads: CHUNKED_FILE | DEVICE_TABLE. */
export const RAFS_INCOMPAT = 0xc;
/** Nydus puts the device table at byte 0x580 (slot offset 11). */
export const RAFS_DEVICE_TABLE_SLOTOFF = 11;
export const RAFS_EXT_SUPERBLOCK_OFFSET = 0x480;
export const RAFS_EXT_SUPERBLOCK_SIZE = 256;
export const RAFS_BLOB_RECORD_SIZE = 256;
export const RAFS_CHUNK_RECORD_SIZE = 80;
export const RAFS_PREFETCH_ENTRY_SIZE = 4;
/** The chunk index entry's device field holds the blob in 8 bits: Nydus allows at most 254 blobs. */
export const RAFS_MAX_BLOBS = 254;
/** RAFS_MAX_CHUNKS_PER_BLOB: a chunk-info index has 24 bits. */
export const RAFS_MAX_CHUNKS_PER_BLOB = 1 << 24;
// RafsSuperFlags (the extended superblock's flags).
const FLAG_COMPRESSION_NONE = 0x1;
const FLAG_COMPRESSION_LZ4 = 0x2;
const FLAG_DIGEST_BLAKE3 = 0x4;
const FLAG_DIGEST_SHA256 = 0x8;
const FLAG_EXPLICIT_UID_GID = 0x10;
const FLAG_HAS_XATTR = 0x20;
const FLAG_COMPRESSION_GZIP = 0x40;
const FLAG_COMPRESSION_ZSTD = 0x80;
const FLAG_INLINED_CHUNK_DIGEST = 0x100;
const FLAG_TARFS_MODE = 0x200;
const FLAG_ENCRYPTION_NONE = 0x0100_0000;
const FLAG_ENCRYPTION_AES_128_XTS = 0x0200_0000;
const KNOWN_FLAGS = FLAG_COMPRESSION_NONE | FLAG_COMPRESSION_LZ4 | FLAG_DIGEST_BLAKE3 | FLAG_DIGEST_SHA256 | FLAG_EXPLICIT_UID_GID |
    FLAG_HAS_XATTR | FLAG_COMPRESSION_GZIP | FLAG_COMPRESSION_ZSTD | FLAG_INLINED_CHUNK_DIGEST | FLAG_TARFS_MODE |
    FLAG_ENCRYPTION_NONE | FLAG_ENCRYPTION_AES_128_XTS;
const COMPRESSION_FLAGS = FLAG_COMPRESSION_NONE | FLAG_COMPRESSION_LZ4 | FLAG_COMPRESSION_GZIP | FLAG_COMPRESSION_ZSTD;
const DIGEST_FLAGS = FLAG_DIGEST_BLAKE3 | FLAG_DIGEST_SHA256;
// Blob features (BlobFeatures). darner reads blobs whose chunks are plain frames at recorded offsets.
export const BLOB_FEATURE_ALIGNED = 0x1;
const BLOB_FEATURES_READABLE = 0x1 | 0x2 | 0x20 | 0x200 | 0x400 | 0x1000_0000 | 0x2000_0000 | 0x4000_0000;
const BLOB_FEATURE_NAMES = [
    [0x4, 'CHUNK_INFO_V2'],
    [0x8, 'ZRAN'],
    [0x10, 'SEPARATE'],
    [0x40, 'TARFS'],
    [0x80, 'BATCH'],
    [0x100, 'ENCRYPTED'],
    [0x800, 'EXTERNAL'],
];
/** Blob compression_algo / digest_algo codes. */
const BLOB_COMPRESSOR = new Map([
    [0, 'none'],
    [1, 'lz4_block'],
    [2, 'gzip'],
    [3, 'zstd'],
]);
const BLOB_DIGEST = new Map([
    [0, 'blake3'],
    [1, 'sha256'],
]);
// Chunk-info flags.
export const RAFS_CHUNK_COMPRESSED = 0x1;
const RAFS_CHUNK_HAS_CRC32 = 0x10;
const RAFS_CHUNK_KNOWN_FLAGS = RAFS_CHUNK_COMPRESSED | RAFS_CHUNK_HAS_CRC32;
export function decodeRafsExtSuperblock(bytes, offset = RAFS_EXT_SUPERBLOCK_OFFSET) {
    requireBytes(bytes, offset, RAFS_EXT_SUPERBLOCK_SIZE, 'RAFS extended superblock');
    const v = viewOf(bytes);
    return {
        flags: readU64(v, offset),
        blobTableOffset: readU64(v, offset + 0x08),
        blobTableSize: v.getUint32(offset + 0x10, true),
        chunkSize: v.getUint32(offset + 0x14, true),
        chunkTableOffset: readU64(v, offset + 0x18),
        chunkTableSize: readU64(v, offset + 0x20),
        prefetchTableOffset: readU64(v, offset + 0x28),
        prefetchTableSize: v.getUint32(offset + 0x30, true),
    };
}
/** What the extended superblock's flags say, or the first problem with them. */
export function decodeRafsFlags(flags) {
    if (!isU64(flags) || flags % 1 !== 0 || flags > 0xffff_ffff || (flags & ~KNOWN_FLAGS) !== 0)
        return { problem: `unknown flags ${hex(flags)}` };
    const compression = flags & COMPRESSION_FLAGS;
    const digest = flags & DIGEST_FLAGS;
    if (bitCount(compression) !== 1)
        return { problem: `flags ${hex(flags)} name ${bitCount(compression)} compressors (exactly one required)` };
    if (bitCount(digest) !== 1)
        return { problem: `flags ${hex(flags)} name ${bitCount(digest)} digest algorithms (exactly one required)` };
    if ((flags & FLAG_ENCRYPTION_AES_128_XTS) !== 0)
        return { problem: 'encrypted images are not supported' };
    if ((flags & FLAG_TARFS_MODE) !== 0)
        return { problem: 'tarfs images (512-byte blocks, the tar as the blob) are not supported' };
    if (compression === FLAG_COMPRESSION_LZ4)
        return { problem: 'lz4_block compression is not supported (zstd or none)' };
    if (compression === FLAG_COMPRESSION_GZIP)
        return { problem: 'gzip compression is not supported (zstd or none)' };
    return {
        compressor: compression === FLAG_COMPRESSION_ZSTD ? 'zstd' : 'none',
        digestAlgorithm: digest === FLAG_DIGEST_BLAKE3 ? 'blake3' : 'sha256',
    };
}
function bitCount(n) {
    let count = 0;
    for (let v = n >>> 0; v !== 0; v &= v - 1)
        count += 1;
    return count;
}
export function decodeRafsBlobRecord(bytes, offset) {
    requireBytes(bytes, offset, RAFS_BLOB_RECORD_SIZE, 'RAFS blob record');
    const v = viewOf(bytes);
    return {
        id: Buffer.from(bytes.subarray(offset, offset + 64)).toString('latin1'),
        blobIndex: v.getUint32(offset + 0x40, true),
        chunkSize: v.getUint32(offset + 0x44, true),
        chunkCount: v.getUint32(offset + 0x48, true),
        compressionAlgo: v.getUint32(offset + 0x4c, true),
        digestAlgo: v.getUint32(offset + 0x50, true),
        features: v.getUint32(offset + 0x54, true),
        compressedSize: readU64(v, offset + 0x58),
        uncompressedSize: readU64(v, offset + 0x60),
        cipherAlgo: v.getUint32(offset + 0xd8, true),
        ciCompressor: v.getUint32(offset + 0x6c, true),
        ciOffset: readU64(v, offset + 0x70),
        ciCompressedSize: readU64(v, offset + 0x78),
        ciUncompressedSize: readU64(v, offset + 0x80),
    };
}
/** The first rule blob record `index` breaks, given the image's settings, or undefined. */
export function validateRafsBlobRecord(b, index, image) {
    if (!isBlobId(b.id))
        return `id ${JSON.stringify(b.id)} is not 64 lowercase hex digits`;
    if (b.blobIndex !== index)
        return `blob_index ${b.blobIndex} at position ${index}`;
    if (b.chunkSize !== image.chunkSize)
        return `chunk size ${b.chunkSize} differs from the image's ${image.chunkSize}`;
    if (b.chunkCount > RAFS_MAX_CHUNKS_PER_BLOB)
        return `chunk count ${b.chunkCount} exceeds ${RAFS_MAX_CHUNKS_PER_BLOB}`;
    const compressor = BLOB_COMPRESSOR.get(b.compressionAlgo);
    if (compressor === undefined)
        return `unknown compression algorithm ${b.compressionAlgo}`;
    if (compressor !== image.compressor)
        return `compression ${compressor} differs from the image's ${image.compressor}`;
    const digest = BLOB_DIGEST.get(b.digestAlgo);
    if (digest === undefined)
        return `unknown digest algorithm ${b.digestAlgo}`;
    if (digest !== image.digestAlgorithm)
        return `digest ${digest} differs from the image's ${image.digestAlgorithm}`;
    if ((b.features & BLOB_FEATURE_ALIGNED) === 0)
        return `features ${hex(b.features)} lack ALIGNED`;
    const unsupported = BLOB_FEATURE_NAMES.filter(([bit]) => (b.features & bit) !== 0).map(([, name]) => name);
    if (unsupported.length > 0)
        return `blob features ${unsupported.join(', ')} are not supported`;
    if ((b.features & ~BLOB_FEATURES_READABLE) !== 0)
        return `unknown blob features ${hex(b.features & ~BLOB_FEATURES_READABLE)}`;
    if (b.cipherAlgo !== 0)
        return `cipher algorithm ${b.cipherAlgo} (encrypted blobs are not supported)`;
    if (!isU64(b.compressedSize) || !isU64(b.uncompressedSize))
        return `sizes do not fit in 53 bits`;
    if (b.uncompressedSize % BLOCK_SIZE !== 0)
        return `uncompressed size ${b.uncompressedSize} is not block aligned`;
    return undefined;
}
/** Decodes a chunk record; `withDigest` false leaves the digest empty (for bulk range checks). */
export function decodeRafsChunkRecord(bytes, offset, withDigest = true) {
    requireBytes(bytes, offset, RAFS_CHUNK_RECORD_SIZE, 'RAFS chunk record');
    const v = viewOf(bytes);
    return {
        digest: withDigest ? bytes.slice(offset, offset + DIGEST_SIZE) : EMPTY,
        blobIndex: v.getUint32(offset + 0x20, true),
        flags: v.getUint32(offset + 0x24, true),
        compressedSize: v.getUint32(offset + 0x28, true),
        uncompressedSize: v.getUint32(offset + 0x2c, true),
        compressedOffset: readU64(v, offset + 0x30),
        uncompressedOffset: readU64(v, offset + 0x38),
        ciIndex: v.getUint32(offset + 0x48, true),
    };
}
const EMPTY = new Uint8Array(0);
/** The first rule a chunk record breaks on its own (flags), or undefined; ranges are the reader's. */
export function validateRafsChunkFlags(c, compressor) {
    if ((c.flags & ~RAFS_CHUNK_KNOWN_FLAGS) !== 0)
        return `flags ${hex(c.flags)} (holes, encrypted and batch chunks are not supported)`;
    if ((c.flags & RAFS_CHUNK_COMPRESSED) !== 0 && compressor === 'none')
        return `compressed in an image whose compressor is none`;
    return undefined;
}
/** A RAFS chunk index entry: the EROFS device (blob + 1) and the chunk's ci index in its blob. */
export function decodeRafsChunkIndexRef(advise, deviceId) {
    return { deviceId: deviceId & 0xff, ciIndex: (advise | ((deviceId >>> 8) << 16)) >>> 0 };
}
// ---- Encoding (darner's writer) ----------------------------------------------------------------
/** The extended superblock's flags for an image of these settings (as nydus-image sets them). */
export function encodeRafsFlags(s) {
    return ((s.compressor === 'zstd' ? FLAG_COMPRESSION_ZSTD : FLAG_COMPRESSION_NONE) |
        (s.digestAlgorithm === 'blake3' ? FLAG_DIGEST_BLAKE3 : FLAG_DIGEST_SHA256) |
        FLAG_EXPLICIT_UID_GID |
        (s.hasXattr ? FLAG_HAS_XATTR : 0) |
        FLAG_ENCRYPTION_NONE);
}
export function encodeRafsExtSuperblock(e, target, offset = RAFS_EXT_SUPERBLOCK_OFFSET) {
    requireBytes(target, offset, RAFS_EXT_SUPERBLOCK_SIZE, 'RAFS extended superblock');
    const v = viewOf(target);
    writeU64(v, offset, e.flags);
    writeU64(v, offset + 0x08, e.blobTableOffset);
    v.setUint32(offset + 0x10, e.blobTableSize, true);
    v.setUint32(offset + 0x14, e.chunkSize, true);
    writeU64(v, offset + 0x18, e.chunkTableOffset);
    writeU64(v, offset + 0x20, e.chunkTableSize);
    writeU64(v, offset + 0x28, e.prefetchTableOffset);
    v.setUint32(offset + 0x30, e.prefetchTableSize, true);
}
/** Size of one entry of a blob's chunk-info v1 array (blob.meta). */
export const RAFS_CHUNK_INFO_V1_SIZE = 16;
/**
 * A blob record as darner writes it. With `chunkInfoOffset` the blob carries its chunk-info
 * array (uncompressed) and header after the chunks (blob-meta.ts), marked ALIGNED | CAP_TAR_TOC
 * as nydus-image marks such blobs. Without it the blob holds only chunks and the record still
 * describes an array of chunkCount entries at the end of the chunk region (Nydus requires the
 * size to match the count), which is not there.
 */
export function encodeRafsBlobRecord(b, index, target, offset) {
    requireBytes(target, offset, RAFS_BLOB_RECORD_SIZE, 'RAFS blob record');
    target.fill(0, offset, offset + RAFS_BLOB_RECORD_SIZE);
    Buffer.from(target.buffer, target.byteOffset, target.byteLength).write(b.id, offset, 64, 'latin1');
    const v = viewOf(target);
    v.setUint32(offset + 0x40, index, true);
    v.setUint32(offset + 0x44, b.chunkSize, true);
    v.setUint32(offset + 0x48, b.chunkCount, true);
    v.setUint32(offset + 0x4c, b.compressionAlgo, true);
    v.setUint32(offset + 0x50, b.digestAlgo, true);
    v.setUint32(offset + 0x54, b.chunkInfoOffset === undefined ? BLOB_FEATURE_ALIGNED : BLOB_META_FEATURES, true);
    writeU64(v, offset + 0x58, b.compressedSize);
    writeU64(v, offset + 0x60, b.uncompressedSize);
    const ciSize = b.chunkCount * RAFS_CHUNK_INFO_V1_SIZE;
    v.setUint32(offset + 0x6c, 0, true); // ci_compressor: none
    writeU64(v, offset + 0x70, b.chunkInfoOffset ?? b.compressedSize);
    writeU64(v, offset + 0x78, ciSize);
    writeU64(v, offset + 0x80, ciSize);
}
/**
 * Where a darner-written blob record says the chunk data ends: its chunk-info offset when it
 * declares the blob meta (CAP_TAR_TOC), after checking that the array and header fill the blob to
 * its size exactly; undefined for a chunks-only blob (whose ci_offset must be its size), or the
 * rule broken.
 */
export function darnerBlobMetaOffset(b) {
    const ciSize = b.chunkCount * RAFS_CHUNK_INFO_V1_SIZE;
    if (b.ciCompressor !== 0)
        return { problem: `chunk-info array compressor ${b.ciCompressor} (darner writes it uncompressed)` };
    if (b.ciCompressedSize !== ciSize || b.ciUncompressedSize !== ciSize)
        return { problem: `chunk-info array sizes ${b.ciCompressedSize}/${b.ciUncompressedSize} for ${b.chunkCount} chunks (expected ${ciSize})` };
    if (b.features === BLOB_FEATURE_ALIGNED) {
        if (b.ciOffset !== b.compressedSize)
            return { problem: `chunk-info offset ${b.ciOffset} of a chunks-only blob is not its size ${b.compressedSize}` };
        return { chunkInfoOffset: undefined };
    }
    if (b.features !== BLOB_META_FEATURES)
        return { problem: `features ${hex(b.features)} (darner writes ${hex(BLOB_FEATURE_ALIGNED)} or ${hex(BLOB_META_FEATURES)})` };
    if (b.ciOffset + blobMetaSize(b.chunkCount) !== b.compressedSize)
        return { problem: `chunk-info array at ${b.ciOffset} and its header do not end the blob at ${b.compressedSize}` };
    return { chunkInfoOffset: b.ciOffset };
}
/** Blob-record codes of a compressor and a digest algorithm. */
export function rafsBlobCodes(compressor, digest) {
    return { compressionAlgo: compressor === 'zstd' ? 3 : 0, digestAlgo: digest === 'blake3' ? 0 : 1 };
}
/** A chunk-info record; crc32 is left 0 without the HAS_CRC32 flag (the digest is what is verified). */
export function encodeRafsChunkRecord(c, target, offset) {
    requireBytes(target, offset, RAFS_CHUNK_RECORD_SIZE, 'RAFS chunk record');
    target.fill(0, offset, offset + RAFS_CHUNK_RECORD_SIZE);
    target.set(c.digest.subarray(0, DIGEST_SIZE), offset);
    const v = viewOf(target);
    v.setUint32(offset + 0x20, c.blobIndex, true);
    v.setUint32(offset + 0x24, c.compressed ? RAFS_CHUNK_COMPRESSED : 0, true);
    v.setUint32(offset + 0x28, c.compressedSize, true);
    v.setUint32(offset + 0x2c, c.uncompressedSize, true);
    writeU64(v, offset + 0x30, c.compressedOffset);
    writeU64(v, offset + 0x38, c.uncompressedOffset);
    writeU64(v, offset + 0x40, c.fileOffset);
    v.setUint32(offset + 0x48, c.ciIndex, true);
}
/** The advise and device fields of a chunk index entry naming chunk-info `ciIndex` of device `deviceId`. */
export function encodeRafsChunkIndexRef(deviceId, ciIndex) {
    return { advise: ciIndex & 0xffff, deviceId: (deviceId & 0xff) | ((ciIndex >>> 16) << 8) };
}
//# sourceMappingURL=rafs-v6.js.map