import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import { DarnerError, DecompressError } from '../errors.js';
const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** Bytes sniffCompression looks at. */
const MAGIC_BYTES = 4;
export function sniffCompression(head) {
    if (GZIP_MAGIC.every((b, i) => head[i] === b))
        return 'gzip';
    if (ZSTD_MAGIC.every((b, i) => head[i] === b))
        return 'zstd';
    return 'none';
}
/**
 * Returns the uncompressed tar stream of a layer. Decompression failures (a truncated gzip, a
 * corrupt zstd frame) surface as DecompressError; errors of `input` (network, digest mismatch)
 * pass through unchanged.
 */
export function decompressLayer(input) {
    return Readable.from(decompressed(input), { objectMode: false, highWaterMark: 1 << 20 });
}
async function* decompressed(input) {
    // The iterator listens for `input`'s errors from here to the end: a verifying source can fail
    // in the same tick as its last bytes arrive (a small blob with a wrong digest), and an 'error'
    // event with no listener would take the whole process down.
    const chunks = input[Symbol.asyncIterator]();
    try {
        const head = [];
        let headBytes = 0;
        while (headBytes < MAGIC_BYTES) {
            const next = await chunks.next();
            if (next.done === true)
                break;
            head.push(next.value);
            headBytes += next.value.length;
        }
        if (headBytes === 0)
            return;
        const rest = async function* () {
            yield* head;
            for (let next = await chunks.next(); next.done !== true; next = await chunks.next())
                yield next.value;
        };
        const kind = sniffCompression(Buffer.concat(head, headBytes));
        if (kind === 'none') {
            yield* rest();
            return;
        }
        const decoder = kind === 'gzip' ? createGunzip({ chunkSize: 1 << 18 }) : new DecompressStream();
        // Errors of the input reach the loop below through the decoder, which pipeline destroys.
        const feeding = pipeline(rest(), decoder).catch(() => { });
        try {
            for await (const piece of decoder)
                yield piece;
            await feeding;
        }
        catch (err) {
            if (err instanceof DarnerError)
                throw err;
            throw new DecompressError(`${kind} layer data is corrupt or truncated (${err.message})`, { cause: err });
        }
        finally {
            decoder.destroy();
        }
    }
    finally {
        // Stops the input when the consumer stops early or anything failed.
        await chunks.return?.();
    }
}
//# sourceMappingURL=decompress.js.map