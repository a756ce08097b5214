export const PIECE_LIST_MAGIC = Buffer.from('DPL1');
const HEADER = 4 + 8 + 4;
/** Smallest and largest piece (a power of two: pieces start on cache blocks). */
export const MIN_PIECE_SIZE = 1 << 16;
export const MAX_PIECE_SIZE = 1 << 26;
export const DEFAULT_PIECE_SIZE = 4 << 20;
/** Largest blob the mirror fetches in pieces (1 TiB): bounds a piece list to 8 MiB at the smallest piece. */
export const MAX_BLOB_SIZE = 2 ** 40;
export function validPieceSize(n) {
    return Number.isSafeInteger(n) && n >= MIN_PIECE_SIZE && n <= MAX_PIECE_SIZE && (n & (n - 1)) === 0;
}
export function pieceCount(size, pieceSize) {
    return Math.ceil(size / pieceSize);
}
/** Uncompressed (= stored) offset and length of piece `index`. */
export function pieceExtent(size, pieceSize, index) {
    const offset = index * pieceSize;
    return { offset, length: Math.min(pieceSize, size - offset) };
}
/** The chunk records of a blob's pieces (flags 0: stored raw; digest all zeros until known). */
export function pieceRecords(list) {
    return list.digests.map((digest, i) => {
        const { offset, length } = pieceExtent(list.size, list.pieceSize, i);
        return { blobIndex: 0, compressedOffset: offset, compressedSize: length, uncompressedOffset: offset, uncompressedSize: length, flags: 0, digest };
    });
}
/** Whether the list has a digest for every piece (a partial one has those of the first pieces only). */
export function isComplete(list) {
    return list.digests.length === pieceCount(list.size, list.pieceSize);
}
/** Encodes a whole list, or a partial one (its digests are those of the first pieces). */
export function encodePieceList(list) {
    const out = Buffer.alloc(HEADER + list.digests.length * 32);
    PIECE_LIST_MAGIC.copy(out, 0);
    out.writeBigUInt64BE(BigInt(list.size), 4);
    out.writeUInt32BE(list.pieceSize, 12);
    list.digests.forEach((d, i) => d.copy(out, HEADER + i * 32));
    return out;
}
/** Largest encoded piece list of a blob of `size` bytes (at the smallest piece size). */
export function maxPieceListBytes(size) {
    return HEADER + pieceCount(size, MIN_PIECE_SIZE) * 32;
}
/**
 * Parses untrusted piece-list bytes for a blob of `size` bytes; undefined when they are malformed
 * or describe another size.
 */
export function parsePieceList(bytes, size) {
    const list = parsePartialPieceList(bytes, size);
    return list !== undefined && isComplete(list) ? list : undefined;
}
/**
 * Parses untrusted bytes of a partial piece list (the first K ≤ N digests) for a blob of `size`
 * bytes; undefined when they are malformed or describe another size.
 */
export function parsePartialPieceList(bytes, size) {
    if (bytes.length < HEADER || bytes.length > maxPieceListBytes(MAX_BLOB_SIZE) || !bytes.subarray(0, 4).equals(PIECE_LIST_MAGIC))
        return undefined;
    const declared = bytes.readBigUInt64BE(4);
    const pieceSize = bytes.readUInt32BE(12);
    if (declared !== BigInt(size) || !validPieceSize(pieceSize) || size <= 0 || size > MAX_BLOB_SIZE)
        return undefined;
    const n = pieceCount(size, pieceSize);
    const k = (bytes.length - HEADER) / 32;
    if (!Number.isInteger(k) || k > n)
        return undefined;
    const digests = Array.from({ length: k }, (_, i) => Buffer.from(bytes.subarray(HEADER + i * 32, HEADER + (i + 1) * 32)));
    return { size, pieceSize, digests };
}
//# sourceMappingURL=pieces.js.map