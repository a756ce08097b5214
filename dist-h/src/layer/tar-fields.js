import { BadTarError } from '../errors.js';
/**
 * Checks on the fields of one tar header (pure). Names reach this module as "byte strings" (one
 * char per byte, as tar-header.ts decodes them with latin1) so that nothing is lost before they are
 * judged: a name that is not UTF-8 is refused rather than folded into U+FFFD, where two different
 * names would become one.
 */
// fatal: invalid sequences throw instead of becoming U+FFFD; ignoreBOM: a leading EF BB BF is
// part of the name, not a marker to strip.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const NON_ASCII = /[^\u0000-\u007f]/;
function isAscii(bytes) {
    for (let i = 0; i < bytes.byteLength; i += 1)
        if (bytes[i] >= 0x80)
            return false;
    return true;
}
/** The UTF-8 text of `bytes`, or undefined when they are not valid UTF-8. */
export function utf8OrUndefined(bytes) {
    // ASCII (most names and PAX keys) is its own UTF-8: no decoder call for it.
    if (isAscii(bytes))
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    try {
        return strictUtf8.decode(bytes);
    }
    catch {
        return undefined;
    }
}
/** The name held in a byte string (one char per byte) as UTF-8 text; BadTarError when it is not UTF-8. */
export function utf8Name(byteString, what) {
    if (!NON_ASCII.test(byteString))
        return byteString;
    const bytes = Buffer.from(byteString, 'latin1');
    const text = utf8OrUndefined(bytes);
    if (text === undefined)
        throw new BadTarError(`${what} "${escapeBytes(bytes)}" is not valid UTF-8`);
    return text;
}
/** Printable ASCII as is; every other byte (and `\`, `"`) as \xNN. For names that are not UTF-8. */
export function escapeBytes(bytes, max = 200) {
    let out = '';
    for (const b of bytes.subarray(0, max)) {
        out += b >= 0x20 && b < 0x7f && b !== 0x5c && b !== 0x22 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    }
    return bytes.length > max ? `${out}…` : out;
}
/** A name for messages: control characters escaped, cut at 200 characters. */
export function printable(name) {
    const shown = name.length > 200 ? `${name.slice(0, 200)}…` : name;
    return shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
/** Where the numeric fields sit in a 512-byte tar header, and how wide they are. */
export const NUMERIC_FIELDS = {
    mode: [100, 8],
    uid: [108, 8],
    gid: [116, 8],
    size: [124, 12],
    mtime: [136, 12],
    devmajor: [329, 8],
    devminor: [337, 8],
};
/**
 * A numeric field of a raw tar header, decoded strictly: octal digits padded with spaces or NULs,
 * or GNU base-256 (first byte 0x80 for positive, 0xff for a two's-complement negative). The block
 * reader (tar-header.ts, tar-stream's rules) is lenient here (a negative base-256 size of all
 * ones reads as 0, trailing garbage after octal digits is ignored), so the fields are decoded
 * again from the header bytes. Negative values are
 * accepted only where `allowNegative` says (mtime before 1970); every value must be a 53-bit
 * integer within `min..max`.
 */
export function headerNumber(header, field, range, name) {
    const [offset, length] = NUMERIC_FIELDS[field];
    const bytes = header.subarray(offset, offset + length);
    const min = range.min ?? 0;
    const bad = (why) => new BadTarError(`entry "${printable(name)}" has an invalid ${field} field (${why}; allowed ${min}..${range.max})`);
    let value;
    const first = bytes[0] ?? 0;
    if (first & 0x80) {
        if (first !== 0x80 && first !== 0xff)
            throw bad(`base-256 marker 0x${first.toString(16)}`);
        const negative = first === 0xff;
        let magnitude = 0n;
        for (const b of bytes.subarray(1))
            magnitude = (magnitude << 8n) | BigInt(negative ? 0xff - b : b);
        const big = negative ? -magnitude - 1n : magnitude;
        if (big < BigInt(Number.MIN_SAFE_INTEGER) || big > BigInt(Number.MAX_SAFE_INTEGER))
            throw bad(`base-256 value ${big}`);
        value = Number(big);
    }
    else {
        value = octalField(bytes);
        if (Number.isNaN(value))
            throw bad(`not octal: "${escapeBytes(bytes)}"`);
    }
    if (!Number.isSafeInteger(value) || value < min || value > range.max)
        throw bad(String(value));
    return value;
}
/**
 * Octal digits padded with spaces or NULs on either side (`[ \0]*[0-7]*[ \0]*`), read without
 * allocating (six fields of every entry); NaN for anything else.
 */
function octalField(bytes) {
    let i = 0;
    const n = bytes.byteLength;
    while (i < n && (bytes[i] === 0x20 || bytes[i] === 0))
        i += 1;
    let value = 0;
    while (i < n && bytes[i] >= 0x30 && bytes[i] <= 0x37) {
        value = value * 8 + (bytes[i] - 0x30);
        i += 1;
    }
    while (i < n && (bytes[i] === 0x20 || bytes[i] === 0))
        i += 1;
    return i === n ? value : NaN;
}
/** A decimal PAX number (uid, gid, size): digits only, at most `max`. */
export function paxNumber(text, key, max, name) {
    const value = /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value > max) {
        throw new BadTarError(`entry "${printable(name)}": bad PAX ${key} "${printable(text)}" (allowed 0..${max})`);
    }
    return value;
}
//# sourceMappingURL=tar-fields.js.map