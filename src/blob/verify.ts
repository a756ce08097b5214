import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, SizeMismatchError } from '../errors.js';
import { Sha256Hasher } from '../digest.js';

/**
 * A pass-through stream that hashes what flows through it and fails unless the bytes have the
 * expected digest (and size, when given). It fails as soon as more bytes than `size` arrive, and
 * at the end on a short stream or a wrong digest — so a consumer that reads to the end has either
 * the promised bytes or an error (DigestMismatchError / SizeMismatchError).
 */
export class VerifyingStream extends Transform {
  private readonly hasher = new Sha256Hasher();

  constructor(
    private readonly what: string,
    private readonly digest: string,
    private readonly size?: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hasher.update(chunk);
    if (this.size !== undefined && this.hasher.size > this.size) {
      callback(new SizeMismatchError(this.what, this.size, this.hasher.size, 'at least '));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.size !== undefined && this.hasher.size !== this.size) {
      callback(new SizeMismatchError(this.what, this.size, this.hasher.size));
      return;
    }
    const actual = this.hasher.digest();
    callback(actual === this.digest ? null : new DigestMismatchError(this.what, this.digest, actual));
  }
}
