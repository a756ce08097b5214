import { BadRangeError, SizeMismatchError } from '../errors.js';
import { readFully } from '../util/read-fully.js';
/** Checks offset/length against a blob of `size` bytes; throws a BAD_RANGE error naming `what`. */
export function checkRange(what, offset, length, size) {
    const ok = Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 0 && offset + length <= size;
    if (!ok)
        throw new BadRangeError(`${what}: range ${offset}+${length} is outside the blob (${size} bytes)`);
}
/** Reads exactly `length` bytes at `position`; a short file is a SizeMismatchError. */
export async function readExactly(fh, position, length, what) {
    const out = await readFully(fh, length, position);
    if (out.length < length)
        throw new SizeMismatchError(`${what} (file ended early)`, position + length, position + out.length);
    return out;
}
//# sourceMappingURL=file-range.js.map