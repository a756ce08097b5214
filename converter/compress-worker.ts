import { parentPort } from 'node:worker_threads';
import zstdBinding from 'zstd-napi/binding.js';

/**
 * Compression worker: compresses batches of chunks with zstd. zstd writes into a scratch buffer
 * one byte smaller than the chunk, so it refuses (throws) when the chunk would not shrink, and the
 * chunk goes back raw: darner stores such chunks uncompressed. Compressed chunks go back in a
 * fresh buffer of exactly their size (transferred, not copied, to the main thread).
 */

export interface CompressRequest {
  level: number;
  chunks: Uint8Array[];
}

export interface CompressedResult {
  /** The stored bytes: a zstd frame when `compressed`, else the original bytes. */
  data: Uint8Array;
  compressed: boolean;
}

export interface CompressResponse {
  results: CompressedResult[];
}

// The binding is CommonJS (module.exports = native addon), so its classes come off the default export.
const cctx = new zstdBinding.CCtx();
let scratch = new Uint8Array(0);

function compressOne(data: Uint8Array, level: number): CompressedResult {
  if (data.byteLength <= 1) return { data, compressed: false };
  if (scratch.byteLength < data.byteLength - 1) scratch = new Uint8Array(data.byteLength);
  let size = 0;
  try {
    size = cctx.compress(scratch.subarray(0, data.byteLength - 1), data, level);
  } catch {
    // "Destination buffer is too small": the chunk does not shrink; keep it raw.
    return { data, compressed: false };
  }
  if (size <= 0 || size >= data.byteLength) return { data, compressed: false };
  return { data: scratch.slice(0, size), compressed: true };
}

parentPort?.on('message', (request: CompressRequest) => {
  const results = request.chunks.map((chunk) => compressOne(chunk, request.level));
  const response: CompressResponse = { results };
  parentPort?.postMessage(
    response,
    results.map((r) => r.data.buffer as ArrayBuffer),
  );
});
