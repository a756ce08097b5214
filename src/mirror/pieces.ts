/**
 * Pieces of a plain blob (an OCI layer, a file), pure. A blob that darner did not convert has no
 * chunk table; the mirror cuts it into fixed-size pieces and treats each piece as a chunk stored
 * raw (stored offset = uncompressed offset, no compression), so the blob cache, the peer server,
 * the announcer and the scheduler handle it exactly like a converted blob's chunks. A piece's
 * digest (sha256 of its bytes) comes from its piece list: written by the first node that fetched
 * the whole blob from the origin and checked it against the blob's digest, then passed from peer
 * to peer with the bytes.
 *
 * Piece list wire form (served by peers, kept beside the cache), all integers big-endian:
 *   magic "DPL1" | u64 blob size | u32 piece size | N × 32-byte sha256, N = ceil(size / piece size)
 * A partial list (a peer still fetching the blob: the pieces it verified so far, in order) has the
 * same form with K ≤ N digests: those of the first K pieces.
 */
import type { ChunkRecord } from '../format/model.js';

export const PIECE_LIST_MAGIC = Buffer.from('DPL1');
const HEADER = 4 + 8 + 4;
/** Smallest and largest piece (a power of two: pieces start on cache blocks). */
export const MIN_PIECE_SIZE = 1 << 16;
export const MAX_PIECE_SIZE = 1 << 26;
export const DEFAULT_PIECE_SIZE = 4 << 20;
/** Largest blob the mirror fetches in pieces (1 TiB): bounds a piece list to 8 MiB at the smallest piece. */
export const MAX_BLOB_SIZE = 2 ** 40;

export interface PieceList {
  size: number;
  pieceSize: number;
  /** One sha256 per piece, in order. */
  digests: Buffer[];
}

export function validPieceSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= MIN_PIECE_SIZE && n <= MAX_PIECE_SIZE && (n & (n - 1)) === 0;
}

export function pieceCount(size: number, pieceSize: number): number {
  return Math.ceil(size / pieceSize);
}

/** Uncompressed (= stored) offset and length of piece `index`. */
export function pieceExtent(size: number, pieceSize: number, index: number): { offset: number; length: number } {
  const offset = index * pieceSize;
  return { offset, length: Math.min(pieceSize, size - offset) };
}

/** The chunk records of a blob's pieces (flags 0: stored raw; digest all zeros until known). */
export function pieceRecords(list: PieceList): ChunkRecord[] {
  return list.digests.map((digest, i) => {
    const { offset, length } = pieceExtent(list.size, list.pieceSize, i);
    return { blobIndex: 0, compressedOffset: offset, compressedSize: length, uncompressedOffset: offset, uncompressedSize: length, flags: 0, digest };
  });
}

/** Whether the list has a digest for every piece (a partial one has those of the first pieces only). */
export function isComplete(list: PieceList): boolean {
  return list.digests.length === pieceCount(list.size, list.pieceSize);
}

/** Encodes a whole list, or a partial one (its digests are those of the first pieces). */
export function encodePieceList(list: PieceList): Buffer {
  const out = Buffer.alloc(HEADER + list.digests.length * 32);
  PIECE_LIST_MAGIC.copy(out, 0);
  out.writeBigUInt64BE(BigInt(list.size), 4);
  out.writeUInt32BE(list.pieceSize, 12);
  list.digests.forEach((d, i) => d.copy(out, HEADER + i * 32));
  return out;
}

/** Largest encoded piece list of a blob of `size` bytes (at the smallest piece size). */
export function maxPieceListBytes(size: number): number {
  return HEADER + pieceCount(size, MIN_PIECE_SIZE) * 32;
}

/**
 * Parses untrusted piece-list bytes for a blob of `size` bytes; undefined when they are malformed
 * or describe another size.
 */
export function parsePieceList(bytes: Buffer, size: number): PieceList | undefined {
  const list = parsePartialPieceList(bytes, size);
  return list !== undefined && isComplete(list) ? list : undefined;
}

/**
 * Parses untrusted bytes of a partial piece list (the first K ≤ N digests) for a blob of `size`
 * bytes; undefined when they are malformed or describe another size.
 */
export function parsePartialPieceList(bytes: Buffer, size: number): PieceList | undefined {
  if (bytes.length < HEADER || bytes.length > maxPieceListBytes(MAX_BLOB_SIZE) || !bytes.subarray(0, 4).equals(PIECE_LIST_MAGIC)) return undefined;
  const declared = bytes.readBigUInt64BE(4);
  const pieceSize = bytes.readUInt32BE(12);
  if (declared !== BigInt(size) || !validPieceSize(pieceSize) || size <= 0 || size > MAX_BLOB_SIZE) return undefined;
  const n = pieceCount(size, pieceSize);
  const k = (bytes.length - HEADER) / 32;
  if (!Number.isInteger(k) || k > n) return undefined;
  const digests = Array.from({ length: k }, (_, i) => Buffer.from(bytes.subarray(HEADER + i * 32, HEADER + (i + 1) * 32)));
  return { size, pieceSize, digests };
}
