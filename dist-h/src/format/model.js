/**
 * The in-memory model of a darner image's metadata: the file tree plus the blob and chunk tables.
 * The converter builds it, the bootstrap writer encodes it, and the bootstrap reader answers the
 * same questions from the encoded bytes. Pure data: no I/O here.
 */
/** Size of an EROFS block and the alignment of every chunk in a blob's uncompressed space. */
export const BLOCK_SIZE = 4096;
/** The smallest and largest chunk sizes darner writes (both inclusive, powers of two). */
export const MIN_CHUNK_SIZE = 4096;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
/** Chunk flag: the stored bytes are one zstd frame (otherwise they are the raw bytes). */
export const CHUNK_FLAG_ZSTD = 0x1;
export const HOLE = -1;
//# sourceMappingURL=model.js.map