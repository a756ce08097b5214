import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import { DarnerError, DecompressError } from '../errors.js';

/**
 * Layer decompression by content, not by media type: registries and docker-archives mislabel
 * layers often enough (uncompressed tars called tar+gzip) that the first bytes are the only
 * reliable witness.
 */

export type LayerCompression = 'gzip' | 'zstd' | 'none';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

export function sniffCompression(head: Uint8Array): LayerCompression {
  if (GZIP_MAGIC.every((b, i) => head[i] === b)) return 'gzip';
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

/**
 * Returns the uncompressed tar stream of a layer. Decompression failures (a truncated gzip, a
 * corrupt zstd frame) surface as DecompressError; errors of `input` (network, digest mismatch)
 * pass through unchanged.
 */
export function decompressLayer(input: Readable): Readable {
  return Readable.from(decompressed(input), { objectMode: false, highWaterMark: 1 << 20 });
}

async function* decompressed(input: Readable): AsyncGenerator<Buffer> {
  const head = await peek(input);
  if (head === undefined) return;
  const kind = sniffCompression(head);
  if (kind === 'none') {
    yield* input;
    return;
  }
  const decoder = kind === 'gzip' ? createGunzip({ chunkSize: 1 << 18 }) : new DecompressStream();
  input.on('error', (err) => decoder.destroy(err));
  input.pipe(decoder);
  try {
    for await (const piece of decoder) yield piece as Buffer;
  } catch (err) {
    if (err instanceof DarnerError) throw err;
    throw new DecompressError(`${kind} layer data is corrupt or truncated (${(err as Error).message})`, { cause: err });
  } finally {
    input.unpipe(decoder);
    input.destroy();
    decoder.destroy();
  }
}

/** Waits for the first chunk of `input` and puts it back; undefined when the stream is empty. */
function peek(input: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
    };
    const onReadable = (): void => {
      const chunk = input.read() as Buffer | null;
      if (chunk === null) return;
      cleanup();
      input.unshift(chunk);
      resolve(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    input.on('readable', onReadable);
    input.once('end', onEnd);
    input.once('error', onError);
  });
}
