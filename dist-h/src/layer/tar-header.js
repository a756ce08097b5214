import { BadTarError } from '../errors.js';
export const TAR_BLOCK = 512;
/** The message of a header that fails the block-level checks (tar-stream's wording). */
export const CORRUPT_HEADER = 'tar stream is corrupt (Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?)';
const USTAR_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00]; // "ustar\0"
const GNU_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x20, 0x20, 0x00]; // "ustar  \0"
const MAGIC_OFFSET = 257;
/** Padding after `size` bytes of data up to the next block boundary. */
export function blockPadding(size) {
    const rest = size % TAR_BLOCK;
    return rest === 0 ? 0 : TAR_BLOCK - rest;
}
/**
 * Decodes a header block (exactly 512 bytes); null for an all-zero block (end-of-archive
 * marker or padding, skipped). Throws BadTarError for a bad checksum or an unknown format.
 */
export function decodeTarHeader(block) {
    if (block.byteLength !== TAR_BLOCK)
        throw new RangeError(`a tar header is ${TAR_BLOCK} bytes, not ${block.byteLength}`);
    let sum = 8 * 0x20; // the checksum field itself counts as spaces
    for (let i = 0; i < 148; i += 1)
        sum += block[i];
    for (let i = 156; i < TAR_BLOCK; i += 1)
        sum += block[i];
    if (sum === 8 * 0x20)
        return null;
    if (sum !== lenientNumber(block, 148, 8))
        throw new BadTarError(CORRUPT_HEADER);
    const flag = block[156];
    let typeflag = flag === 0 ? 0 : flag - 0x30;
    let name = latin1Field(block, 0, 100);
    if (hasMagic(block, USTAR_MAGIC)) {
        if (block[345] !== 0)
            name = `${latin1Field(block, 345, 155)}/${name}`;
    }
    else if (!hasMagic(block, GNU_MAGIC)) {
        throw new BadTarError('tar stream is corrupt (Invalid tar header: unknown format.)');
    }
    // Old tars mark directories by a trailing slash on a regular-file entry.
    if (typeflag === 0 && name.endsWith('/'))
        typeflag = 5;
    return {
        name,
        linkname: block[157] === 0 ? null : latin1Field(block, 157, 100),
        size: lenientNumber(block, 124, 12),
        type: typeOf(typeflag),
        raw: block,
    };
}
/** A GNU long name or link record: its bytes up to the first NUL, as latin1 text. */
export function decodeLongName(bytes) {
    return latin1Field(bytes, 0, bytes.byteLength);
}
function hasMagic(block, magic) {
    for (let i = 0; i < magic.length; i += 1)
        if (block[MAGIC_OFFSET + i] !== magic[i])
            return false;
    return true;
}
function latin1Field(bytes, offset, length) {
    let end = offset;
    const limit = offset + length;
    while (end < limit && bytes[end] !== 0)
        end += 1;
    return Buffer.from(bytes.buffer, bytes.byteOffset + offset, end - offset).toString('latin1');
}
/**
 * A numeric field as tar-stream reads it: base-256 when the high bit is set (0 for a marker
 * other than 0x80/0xff, which tar-stream also lets through), else octal digits after leading
 * spaces and NULs, up to a space (NaN when there are none that parse). The strict reading
 * (headerNumber) decides what is valid.
 */
function lenientNumber(block, offset, length) {
    const first = block[offset];
    if (first & 0x80) {
        if (first !== 0x80 && first !== 0xff)
            return 0;
        const positive = first === 0x80;
        let value = 0;
        for (let i = offset + 1; i < offset + length; i += 1)
            value = value * 256 + (positive ? block[i] : 0xff - block[i]);
        return positive ? value : -value;
    }
    let start = offset;
    const limit = offset + length;
    while (start < limit && block[start] === 0x20)
        start += 1;
    let end = start;
    while (end < limit && block[end] !== 0x20)
        end += 1;
    while (start < end && block[start] === 0)
        start += 1;
    if (start === end)
        return 0;
    return parseInt(Buffer.from(block.buffer, block.byteOffset + start, end - start).toString('latin1'), 8);
}
function typeOf(flag) {
    switch (flag) {
        case 0:
            return 'file';
        case 1:
            return 'link';
        case 2:
            return 'symlink';
        case 3:
            return 'character-device';
        case 4:
            return 'block-device';
        case 5:
            return 'directory';
        case 6:
            return 'fifo';
        case 7:
            return 'contiguous-file';
        case 72: // 'x'
            return 'pax-header';
        case 55: // 'g'
            return 'pax-global-header';
        case 27: // 'K'
            return 'gnu-long-link-path';
        case 28: // 'L'
        case 30: // 'N'
            return 'gnu-long-path';
        default:
            return null;
    }
}
//# sourceMappingURL=tar-header.js.map