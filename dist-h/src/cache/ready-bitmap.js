/**
 * The `ready` file of a cached blob, pure: a 64-byte header, then one bit per 4 KiB block of the
 * blob's uncompressed space, set at the block where a ready chunk starts. Keying by block (not by
 * chunk-table index) keeps the bitmap valid for every image that uses the blob, whatever its
 * chunk table (images built with a chunk dictionary list only some chunks of a blob).
 *
 *   off size field
 *   0   8    magic "DRNREADY"
 *   8   4    version (1)
 *   12  4    block size (4096)
 *   16  8    blob compressed size
 *   24  8    blob uncompressed size
 *   32  4    CRC32C of bytes 0..32
 *   36  28   reserved, zero
 *   64  …    bitmap: block b is bit (b & 7) (least significant first) of byte 64 + (b >> 3)
 */
import { crc32c } from '../format/crc32c.js';
import { BLOCK_SIZE } from '../format/model.js';
export const READY_MAGIC = 'DRNREADY';
export const READY_VERSION = 1;
export const READY_HEADER_SIZE = 64;
/** Blocks (bits) of a blob's uncompressed space. */
export function blockCount(uncompressedSize) {
    return Math.ceil(uncompressedSize / BLOCK_SIZE);
}
export function encodeReadyHeader(h) {
    const b = Buffer.alloc(READY_HEADER_SIZE);
    b.write(READY_MAGIC, 0, 'latin1');
    b.writeUInt32LE(READY_VERSION, 8);
    b.writeUInt32LE(BLOCK_SIZE, 12);
    writeU64(b, 16, h.compressedSize);
    writeU64(b, 24, h.uncompressedSize);
    b.writeUInt32LE(crc32c(b.subarray(0, 32)), 32);
    return b;
}
/** The header, or a sentence saying why these bytes are not one. */
export function decodeReadyHeader(b) {
    if (b.byteLength < READY_HEADER_SIZE)
        return `${b.byteLength} bytes, shorter than the header`;
    const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    if (buf.toString('latin1', 0, 8) !== READY_MAGIC)
        return 'bad magic';
    if (buf.readUInt32LE(32) !== crc32c(buf.subarray(0, 32)))
        return 'header checksum mismatch';
    const version = buf.readUInt32LE(8);
    if (version !== READY_VERSION)
        return `version ${version}`;
    const blockSize = buf.readUInt32LE(12);
    if (blockSize !== BLOCK_SIZE)
        return `block size ${blockSize}`;
    const compressedSize = readU64(buf, 16);
    const uncompressedSize = readU64(buf, 24);
    if (compressedSize === undefined || uncompressedSize === undefined)
        return 'sizes beyond 2^53';
    return { compressedSize, uncompressedSize };
}
export function writeU64(b, at, value) {
    b.writeUInt32LE(value % 2 ** 32, at);
    b.writeUInt32LE(Math.floor(value / 2 ** 32), at + 4);
}
/** A u64 as a number, or undefined when it is not a safe integer. */
export function readU64(b, at) {
    const v = b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 2 ** 32;
    return Number.isSafeInteger(v) ? v : undefined;
}
/** An in-memory bitmap over blocks, tracking which bytes changed since the last `takeDirty`. */
export class BlockBitmap {
    bytes;
    blocks;
    #count;
    #dirtyLo = Infinity;
    #dirtyHi = -1;
    constructor(blocks, bytes) {
        this.blocks = blocks;
        this.bytes = new Uint8Array(Math.ceil(blocks / 8));
        if (bytes !== undefined)
            this.bytes.set(bytes.subarray(0, this.bytes.length));
        // Bits past the last block would name no block: drop them.
        const tail = blocks % 8;
        if (tail !== 0 && this.bytes.length > 0)
            this.bytes[this.bytes.length - 1] &= (1 << tail) - 1;
        this.#count = 0;
        for (const byte of this.bytes)
            this.#count += popcount8(byte);
    }
    /** Bits set. */
    get count() {
        return this.#count;
    }
    has(block) {
        if (!Number.isInteger(block) || block < 0 || block >= this.blocks)
            return false;
        return (this.bytes[block >> 3] & (1 << (block & 7))) !== 0;
    }
    /** Sets `block`; true when it was clear. */
    set(block) {
        this.#check(block);
        const i = block >> 3;
        const mask = 1 << (block & 7);
        if ((this.bytes[i] & mask) !== 0)
            return false;
        this.bytes[i] |= mask;
        this.#count += 1;
        this.#touch(i);
        return true;
    }
    /** Clears `block`; true when it was set. */
    clear(block) {
        this.#check(block);
        const i = block >> 3;
        const mask = 1 << (block & 7);
        if ((this.bytes[i] & mask) === 0)
            return false;
        this.bytes[i] &= ~mask;
        this.#count -= 1;
        this.#touch(i);
        return true;
    }
    /** Every set block, ascending. */
    *setBlocks() {
        for (let i = 0; i < this.bytes.length; i++) {
            let byte = this.bytes[i];
            while (byte !== 0) {
                const bit = 31 - Math.clz32(byte & -byte);
                yield i * 8 + bit;
                byte &= byte - 1;
            }
        }
    }
    /** The byte range changed since the last call ([start, end) of `bytes`), or undefined. */
    takeDirty() {
        if (this.#dirtyHi < 0)
            return undefined;
        const range = { start: this.#dirtyLo, end: this.#dirtyHi + 1 };
        this.#dirtyLo = Infinity;
        this.#dirtyHi = -1;
        return range;
    }
    #touch(i) {
        if (i < this.#dirtyLo)
            this.#dirtyLo = i;
        if (i > this.#dirtyHi)
            this.#dirtyHi = i;
    }
    #check(block) {
        if (!Number.isInteger(block) || block < 0 || block >= this.blocks)
            throw new RangeError(`block ${block} is outside the bitmap (${this.blocks} blocks)`);
    }
}
function popcount8(b) {
    let n = 0;
    for (let x = b; x !== 0; x &= x - 1)
        n += 1;
    return n;
}
//# sourceMappingURL=ready-bitmap.js.map