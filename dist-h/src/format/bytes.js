/**
 * Little-endian field access shared by the record codecs. 64-bit fields are carried as JavaScript
 * numbers: a stored value of 2^53 or more reads back as a number that is not a safe integer, which
 * every validate() rejects, so no precision is ever silently lost.
 */
import { MalformedBootstrapError } from '../errors.js';
const views = new WeakMap();
/** A DataView over exactly `bytes` (cached per array, since decoders run on every lookup). */
export function viewOf(bytes) {
    let v = views.get(bytes);
    if (v === undefined) {
        v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        views.set(bytes, v);
    }
    return v;
}
const TWO_32 = 0x1_0000_0000;
export function readU64(v, off) {
    return v.getUint32(off, true) + v.getUint32(off + 4, true) * TWO_32;
}
export function readI64(v, off) {
    return v.getUint32(off, true) + v.getInt32(off + 4, true) * TWO_32;
}
/** Writes a non-negative safe integer as u64. */
export function writeU64(v, off, value) {
    v.setUint32(off, value % TWO_32, true);
    v.setUint32(off + 4, Math.floor(value / TWO_32), true);
}
/** Writes a safe integer (possibly negative) as s64. */
export function writeI64(v, off, value) {
    v.setBigInt64(off, BigInt(value), true);
}
/**
 * Throws unless `[offset, offset + size)` lies inside `bytes`. Decoders call it first so that a
 * hostile offset can never surface as a RangeError.
 */
export function requireBytes(bytes, offset, size, what) {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > bytes.length) {
        throw new MalformedBootstrapError(`${what} at byte ${offset} (${size} bytes) runs past the end of the image (${bytes.length} bytes)`);
    }
}
export function isU8(n) {
    return Number.isInteger(n) && n >= 0 && n <= 0xff;
}
export function isU16(n) {
    return Number.isInteger(n) && n >= 0 && n <= 0xffff;
}
export function isU32(n) {
    return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}
/** A u64 field darner can represent exactly: 0 ≤ n < 2^53. */
export function isU64(n) {
    return Number.isSafeInteger(n) && n >= 0;
}
export function isI64(n) {
    return Number.isSafeInteger(n);
}
export function alignUp(n, unit) {
    return Math.ceil(n / unit) * unit;
}
export function hex(n) {
    return '0x' + n.toString(16);
}
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Decodes strict UTF-8, or returns undefined for invalid sequences. */
export function decodeUtf8(bytes) {
    try {
        return utf8.decode(bytes);
    }
    catch {
        return undefined;
    }
}
export function encodeUtf8(s) {
    return Buffer.from(s, 'utf8');
}
/** True when `s` survives a UTF-8 round trip (no lone surrogates). */
export function isWellFormedUtf8String(s) {
    return decodeUtf8(encodeUtf8(s)) === s;
}
export function toHex(bytes) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
//# sourceMappingURL=bytes.js.map