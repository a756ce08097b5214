import zstdBinding from 'zstd-napi/binding.js';
import { CorruptChunkError } from './errors.js';
import { CHUNK_FLAG_ZSTD } from './format/model.js';
/**
 * Turns a chunk's stored bytes (as they sit in the data blob) back into its uncompressed bytes.
 * The stored bytes are untrusted (registry, peer, cache): the output buffer is allocated from the
 * chunk table's uncompressedSize — never from sizes inside the zstd frame — so a hostile frame
 * cannot make us allocate more, and anything but exactly that many bytes is an error. The caller
 * still verifies the digest.
 */
// The binding is CommonJS (module.exports = the native addon), so classes come off the default.
let dctx;
export function decodeStoredChunk(record, stored, what = 'chunk') {
    if (stored.byteLength !== record.compressedSize) {
        throw new CorruptChunkError(`${what}: got ${stored.byteLength} stored bytes, expected ${record.compressedSize}`);
    }
    if ((record.flags & CHUNK_FLAG_ZSTD) === 0) {
        if (stored.byteLength !== record.uncompressedSize) {
            throw new CorruptChunkError(`${what}: raw chunk is ${stored.byteLength} bytes, expected ${record.uncompressedSize}`);
        }
        return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    }
    dctx ??= new zstdBinding.DCtx();
    const out = Buffer.allocUnsafe(record.uncompressedSize);
    let size;
    try {
        size = dctx.decompress(out, stored);
    }
    catch (err) {
        // A failed call can leave the context mid-frame; start the next one from a fresh context.
        dctx = undefined;
        throw new CorruptChunkError(`${what}: zstd frame does not decode (${err.message})`);
    }
    if (size !== record.uncompressedSize) {
        throw new CorruptChunkError(`${what}: zstd frame decodes to ${size} bytes, expected ${record.uncompressedSize}`);
    }
    return out;
}
//# sourceMappingURL=chunk-codec.js.map