import { availableParallelism } from 'node:os';

/**
 * How much memory a conversion's chunk pipeline may hold, as a function of its settings (pure
 * but for the CPU count). The converter's memory is:
 * - the batch buffers (batch-buffers.ts): `batchCount × batchBytes`, twice that when chunks are
 *   compressed (each batch has an output buffer of its size);
 * - one zstd compression context and one frame per thread of the native pool (one thread per
 *   CPU): about `ZSTD_CCTX_BYTES + chunkSize` each;
 * - the merged tree and the chunk table, which grow with the image's entries (bounded by
 *   --max-entries, TREE_BYTES_PER_ENTRY each) and unique chunks (TABLE_BYTES_PER_CHUNK each), not its bytes;
 * - the layer's bytes as streams hand them over (read, download and gunzip buffers): each is
 *   copied into a batch at once, but its memory returns only when V8 collects it, which V8 does
 *   when such external memory has grown by its soft limit (V8_EXTERNAL_GARBAGE_BYTES), or the
 *   converter after every GC_PACE_BYTES of input when it may (gc-pacer.ts); an uncompressed
 *   layer in a local file is read through one reused buffer instead (layer-file.ts), which leaves
 *   only the framer's small event lists for the collector (LOCAL_FILE_GARBAGE_BYTES);
 * - Node itself and the loaded modules (about 65 MiB of RSS with the convert process's V8 flags,
 *   40 MiB of it the mapped binaries).
 * docs/converter.md states the resulting bound.
 */

/** A batch holds at least this many bytes of chunks: enough chunks for every native thread. */
export const MIN_BATCH_BYTES = 4 << 20;

/** zstd's compression context at levels up to 3 for chunks up to 1 MiB, with room to spare. */
export const ZSTD_CCTX_BYTES = 4 << 20;

/** Memory of one entry of the merged tree, at most (docs/converter.md, --max-entries). */
export const TREE_BYTES_PER_ENTRY = 1536;

/** Memory of one unique chunk: its record, its digest and its deduplication index entry. */
export const TABLE_BYTES_PER_CHUNK = 256;

/** V8 starts collecting when external (Buffer) memory has grown this much since its last collection. */
export const V8_EXTERNAL_GARBAGE_BYTES = 64 << 20;

/** Stream buffers between the layer file (or download) and the tar reader at one time, with room to spare. */
export const STREAM_BUFFER_BYTES = 16 << 20;

/** A local plain layer's read buffer and the framer's event lists awaiting a collection, with room to spare. */
export const LOCAL_FILE_GARBAGE_BYTES = 16 << 20;

export interface BatchLayout {
  batchBytes: number;
  batchCount: number;
}

/**
 * Batch buffers for a chunk size and a bound on chunk bytes in memory (`maxInFlightBytes`,
 * default two batches): at least two batches (one filling while one is in work).
 */
export function batchLayout(chunkSize: number, maxInFlightBytes?: number): BatchLayout {
  const batchBytes = Math.max(MIN_BATCH_BYTES, chunkSize);
  const batchCount = Math.max(2, Math.floor((maxInFlightBytes ?? 2 * batchBytes) / batchBytes));
  return { batchBytes, batchCount };
}

/**
 * Bytes the chunk pipeline may hold beyond Node, the tree and the chunk table: batch buffers,
 * zstd contexts and the stream buffers that wait for the garbage collector. `gcPaceBytes`: the
 * converter collects after that many bytes of input (gc-pacer.ts, `darner convert`), so at most
 * that many spent stream buffers wait, plus those still in the streams; without it, V8's limit.
 */
export function chunkPipelineBytes(layout: BatchLayout, chunkSize: number, compressed: boolean, threads = availableParallelism(), gcPaceBytes?: number): number {
  const buffers = layout.batchCount * layout.batchBytes * (compressed ? 2 : 1);
  const native = compressed ? threads * (ZSTD_CCTX_BYTES + chunkSize) : 0;
  const garbage = gcPaceBytes !== undefined ? Math.min(gcPaceBytes + STREAM_BUFFER_BYTES, V8_EXTERNAL_GARBAGE_BYTES) : V8_EXTERNAL_GARBAGE_BYTES;
  return buffers + native + garbage;
}

/** chunkPipelineBytes for an uncompressed layer read from a local file (no stream buffers). */
export function localFilePipelineBytes(layout: BatchLayout, chunkSize: number, compressed: boolean, threads = availableParallelism()): number {
  const buffers = layout.batchCount * layout.batchBytes * (compressed ? 2 : 1);
  const native = compressed ? threads * (ZSTD_CCTX_BYTES + chunkSize) : 0;
  return buffers + native + LOCAL_FILE_GARBAGE_BYTES;
}
