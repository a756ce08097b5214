import { Transform } from 'node:stream';
import { DigestMismatchError, SizeMismatchError } from '../errors.js';
import { Sha256Hasher } from '../digest.js';
/**
 * A pass-through stream that hashes what flows through it and fails unless the bytes have the
 * expected digest (and size, when given). It fails as soon as more bytes than `size` arrive, and
 * at the end on a short stream or a wrong digest — so a consumer that reads to the end has either
 * the promised bytes or an error (DigestMismatchError / SizeMismatchError).
 */
export class VerifyingStream extends Transform {
    what;
    digest;
    size;
    hasher = new Sha256Hasher();
    constructor(what, digest, size) {
        super();
        this.what = what;
        this.digest = digest;
        this.size = size;
    }
    _transform(chunk, _encoding, callback) {
        this.hasher.update(chunk);
        if (this.size !== undefined && this.hasher.size > this.size) {
            callback(new SizeMismatchError(this.what, this.size, this.hasher.size, 'at least '));
            return;
        }
        callback(null, chunk);
    }
    _flush(callback) {
        if (this.size !== undefined && this.hasher.size !== this.size) {
            callback(new SizeMismatchError(this.what, this.size, this.hasher.size));
            return;
        }
        const actual = this.hasher.digest();
        callback(actual === this.digest ? null : new DigestMismatchError(this.what, this.digest, actual));
    }
}
//# sourceMappingURL=verify.js.map