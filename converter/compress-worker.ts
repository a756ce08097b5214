import { parentPort } from 'node:worker_threads';
import zstdBinding from 'zstd-napi/binding.js';

/**
 * Compression worker: compresses one chunk per message with zstd. The output buffer is one byte
 * smaller than the input, so zstd itself refuses (throws) when the chunk would not shrink, and
 * the chunk is sent back raw; darner stores such chunks uncompressed.
 */

export interface CompressRequest {
  id: number;
  level: number;
  data: Uint8Array;
}

export interface CompressResponse {
  id: number;
  /** The stored bytes: a zstd frame when `compressed`, else the original bytes. */
  data: Uint8Array;
  compressed: boolean;
}

// The binding is CommonJS (module.exports = native addon), so its classes come off the default export.
const cctx = new zstdBinding.CCtx();

parentPort?.on('message', (request: CompressRequest) => {
  const { id, level, data } = request;
  let response: CompressResponse = { id, data, compressed: false };
  if (data.byteLength > 1) {
    const out = new Uint8Array(new ArrayBuffer(data.byteLength - 1));
    try {
      const size = cctx.compress(out, data, level);
      if (size > 0 && size < data.byteLength) response = { id, data: out.subarray(0, size), compressed: true };
    } catch {
      // "Destination buffer is too small": the chunk does not shrink; keep it raw.
    }
  }
  parentPort?.postMessage(response, [response.data.buffer as ArrayBuffer]);
});
