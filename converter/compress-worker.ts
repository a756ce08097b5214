import { parentPort } from 'node:worker_threads';
import zstdBinding from 'zstd-napi/binding.js';

/**
 * Compression worker: compresses batches of chunks with zstd, in place. zstd writes into a
 * scratch buffer one byte smaller than the chunk, so it refuses (throws) when the chunk would not
 * shrink, and the chunk goes back raw: darner stores such chunks uncompressed. A compressed
 * chunk is copied back over the start of its own buffer, so every chunk travels in one buffer
 * (transferred, not copied, both ways) that the main thread can reuse.
 */

export interface CompressRequest {
  level: number;
  chunks: Uint8Array[];
}

export interface CompressedResult {
  /** The stored bytes, a view on the request's buffer: a zstd frame when `compressed`, else the original bytes. */
  data: Uint8Array;
  compressed: boolean;
}

export interface CompressResponse {
  results: CompressedResult[];
}

// The binding is CommonJS (module.exports = native addon), so its classes come off the default export.
const cctx = new zstdBinding.CCtx();
let scratch = new Uint8Array(0);

function compressInPlace(data: Uint8Array, level: number): CompressedResult {
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
  data.set(scratch.subarray(0, size));
  return { data: data.subarray(0, size), compressed: true };
}

parentPort?.on('message', (request: CompressRequest) => {
  const results = request.chunks.map((chunk) => compressInPlace(chunk, request.level));
  const response: CompressResponse = { results };
  parentPort?.postMessage(
    response,
    results.map((r) => r.data.buffer as ArrayBuffer),
  );
});
