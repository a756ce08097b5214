import { open } from 'node:fs/promises';
import { Sha256Hasher } from '../src/digest.js';
import { DigestMismatchError, SizeMismatchError } from '../src/errors.js';
import { sniffCompression } from '../src/layer/decompress.js';

/**
 * An uncompressed layer stored in a local file (an `oci:` source), read into one buffer that is
 * reused for every read and hashed on the way: no fresh Buffer per read for the collector to
 * find later. The consumer must be done with each piece before it asks for the next (the native
 * framer copies what it keeps before it returns). The digest is checked after the last piece,
 * as a verifying stream checks it at its end.
 */

/** Bytes per read. */
export const LAYER_READ_BYTES = 1 << 20;

/** Whether the file at `path` holds an uncompressed tar (judged by its first bytes, as decompressLayer does). */
export async function isPlainLayerFile(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await file.read(head, 0, head.byteLength, 0);
    return bytesRead > 0 && sniffCompression(head.subarray(0, bytesRead)) === 'none';
  } finally {
    await file.close();
  }
}

export async function* verifiedLayerFile(path: string, what: string, digest: string, size: number, buffer: Buffer): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  const hasher = new Sha256Hasher();
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, null);
      if (bytesRead === 0) break;
      const piece = buffer.subarray(0, bytesRead);
      hasher.update(piece);
      if (hasher.size > size) throw new SizeMismatchError(what, size, hasher.size, 'at least ');
      yield piece;
    }
  } finally {
    await file.close();
  }
  if (hasher.size !== size) throw new SizeMismatchError(what, size, hasher.size);
  const actual = `sha256:${hasher.hex()}`;
  if (actual !== digest) throw new DigestMismatchError(what, digest, actual);
}
