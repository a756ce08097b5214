/**
 * The `chunks` file of a cached blob, pure: an append-only log with one 64-byte record per chunk
 * committed to the cache — where its stored bytes are, its flags and its digest. The ready bitmap
 * stays the only word on whether a chunk is ready; the log tells the P2P peer which stored bytes
 * a ready chunk occupies (a peer is asked for compressed byte ranges, and has no bootstrap for
 * every blob it holds) and lets it re-verify them before serving.
 *
 *   off size field
 *   0   4    block: uncompressed offset / 4096
 *   4   4    uncompressed size
 *   8   8    compressed offset
 *   16  4    compressed size
 *   20  1    chunk flags (bit 0 zstd)
 *   21  1    digest algorithm: 1 blake3, 2 sha256
 *   22  2    reserved, zero
 *   24  32   digest of the uncompressed bytes
 *   56  4    CRC32C of bytes 0..56
 *   60  4    reserved, zero
 *
 * A torn last record (a crash while appending) fails its length or checksum and is skipped.
 */
import { crc32c } from '../format/crc32c.js';
import { BLOCK_SIZE } from '../format/model.js';
import { readU64, writeU64 } from './ready-bitmap.js';
export const CHUNK_LOG_RECORD_SIZE = 64;
const ALGORITHM_CODES = { blake3: 1, sha256: 2 };
export function encodeChunkLogRecord(record, algorithm) {
    const b = Buffer.alloc(CHUNK_LOG_RECORD_SIZE);
    b.writeUInt32LE(record.uncompressedOffset / BLOCK_SIZE, 0);
    b.writeUInt32LE(record.uncompressedSize, 4);
    writeU64(b, 8, record.compressedOffset);
    b.writeUInt32LE(record.compressedSize, 16);
    b.writeUInt8(record.flags, 20);
    b.writeUInt8(ALGORITHM_CODES[algorithm], 21);
    b.set(record.digest, 24);
    b.writeUInt32LE(crc32c(b.subarray(0, 56)), 56);
    return b;
}
/**
 * Every intact record of `bytes` (a whole log) whose chunk lies within a blob of the given sizes,
 * in log order; records that fail their checksum, name an unknown algorithm or lie outside the
 * blob are skipped and counted.
 */
export function decodeChunkLog(bytes, blob) {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const chunks = [];
    let skipped = 0;
    const whole = buf.length - (buf.length % CHUNK_LOG_RECORD_SIZE);
    if (whole !== buf.length)
        skipped += 1;
    for (let at = 0; at < whole; at += CHUNK_LOG_RECORD_SIZE) {
        const r = buf.subarray(at, at + CHUNK_LOG_RECORD_SIZE);
        const compressedOffset = readU64(r, 8);
        const code = r.readUInt8(21);
        const algorithm = code === 1 ? 'blake3' : code === 2 ? 'sha256' : undefined;
        const record = {
            blobIndex: 0,
            uncompressedOffset: r.readUInt32LE(0) * BLOCK_SIZE,
            uncompressedSize: r.readUInt32LE(4),
            compressedOffset: compressedOffset ?? -1,
            compressedSize: r.readUInt32LE(16),
            flags: r.readUInt8(20),
            digest: new Uint8Array(r.subarray(24, 56)),
        };
        const ok = r.readUInt32LE(56) === crc32c(r.subarray(0, 56)) &&
            algorithm !== undefined &&
            record.compressedOffset >= 0 &&
            record.uncompressedSize > 0 &&
            record.compressedSize > 0 &&
            record.uncompressedOffset + record.uncompressedSize <= blob.uncompressedSize &&
            record.compressedOffset + record.compressedSize <= blob.compressedSize;
        if (ok)
            chunks.push({ record, algorithm });
        else
            skipped += 1;
    }
    return { chunks, skipped };
}
/**
 * Whether stored bytes [offset, offset + length) are covered, without a gap, by `extents`
 * (stored ranges sorted by start, not overlapping). Pure; returns the covering extents' indices
 * [first, last] or undefined.
 */
export function coveringExtents(extents, offset, length) {
    if (length <= 0)
        return undefined;
    // The last extent starting at or before `offset`.
    let lo = 0;
    let hi = extents.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (extents[mid].start <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    const first = lo - 1;
    if (first < 0 || extents[first].end <= offset)
        return undefined;
    const end = offset + length;
    let i = first;
    while (extents[i].end < end) {
        const next = extents[i + 1];
        if (next === undefined || next.start !== extents[i].end)
            return undefined;
        i += 1;
    }
    return [first, i];
}
//# sourceMappingURL=chunk-log.js.map