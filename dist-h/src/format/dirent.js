/**
 * EROFS directory blocks. Each 4 KiB logical block holds n 12-byte dirents, then their n names
 * (no NUL terminators); nameoff is relative to the block, nameoff[0] = 12·n gives the count, and a
 * name ends where the next begins (the last at the first NUL or the end of the block's data).
 * Names are sorted by unsigned byte compare across the whole directory, `.` and `..` included.
 */
import { MalformedBootstrapError } from '../errors.js';
import { BLOCK_SIZE, DIRENT_SIZE, FT_BLKDEV, FT_CHRDEV, FT_DIR, FT_FIFO, FT_REG_FILE, FT_SOCK, FT_SYMLINK, MAX_NAME_LENGTH, } from './constants.js';
import { isU16, isU64, isU8, readU64, requireBytes, viewOf, writeU64 } from './bytes.js';
export function decodeDirent(bytes, offset) {
    requireBytes(bytes, offset, DIRENT_SIZE, 'dirent');
    const v = viewOf(bytes);
    return { nid: readU64(v, offset), nameoff: v.getUint16(offset + 8, true), fileType: v.getUint8(offset + 10) };
}
export function encodeDirent(d, target, offset) {
    requireBytes(target, offset, DIRENT_SIZE, 'dirent');
    const v = viewOf(target);
    writeU64(v, offset, d.nid);
    v.setUint16(offset + 8, d.nameoff, true);
    v.setUint8(offset + 10, d.fileType);
    v.setUint8(offset + 11, 0);
}
/** The first rule a dirent breaks on its own, or undefined. */
export function validateDirent(d) {
    if (!isU64(d.nid))
        return `nid does not fit in 53 bits`;
    if (!isU16(d.nameoff))
        return `nameoff ${d.nameoff} does not fit in 16 bits`;
    if (!isU8(d.fileType) || d.fileType > FT_SYMLINK)
        return `unknown file type ${d.fileType}`;
    return undefined;
}
const FT_BY_KIND = {
    file: FT_REG_FILE,
    dir: FT_DIR,
    chardev: FT_CHRDEV,
    blockdev: FT_BLKDEV,
    fifo: FT_FIFO,
    socket: FT_SOCK,
    symlink: FT_SYMLINK,
};
const KIND_BY_FT = new Map(Object.entries(FT_BY_KIND).map(([k, ft]) => [ft, k]));
export function fileTypeOfKind(kind) {
    return FT_BY_KIND[kind];
}
/** The node kind of a dirent file type, or undefined for FT_UNKNOWN and unknown values. */
export function kindOfFileType(fileType) {
    return KIND_BY_FT.get(fileType);
}
/** Unsigned byte order of names, the order of entries in a directory. */
export function compareNames(a, b) {
    return Buffer.compare(a, b);
}
/**
 * Packs entries (already sorted) into blocks the way mkfs does: fill a block while its dirents
 * and names fit in 4096 bytes. Returns the index of the first entry of each block and the
 * directory's i_size (full blocks plus the bytes used in the last one).
 */
export function planDirectoryBlocks(nameLengths) {
    const blockStarts = [];
    let used = BLOCK_SIZE; // forces a new block for the first entry
    let fullBlocks = -1;
    nameLengths.forEach((len, i) => {
        const need = DIRENT_SIZE + len;
        if (used + need > BLOCK_SIZE) {
            blockStarts.push(i);
            fullBlocks += 1;
            used = 0;
        }
        used += need;
    });
    return { blockStarts, size: fullBlocks < 0 ? 0 : fullBlocks * BLOCK_SIZE + used };
}
/** Encodes one block's entries; the result is exactly the bytes used (the caller zero-pads). */
export function encodeDirectoryBlock(entries) {
    let size = entries.length * DIRENT_SIZE;
    for (const e of entries)
        size += e.name.length;
    if (size > BLOCK_SIZE)
        throw new RangeError(`directory block needs ${size} bytes`);
    const out = new Uint8Array(size);
    let nameoff = entries.length * DIRENT_SIZE;
    entries.forEach((e, i) => {
        encodeDirent({ nid: e.nid, nameoff, fileType: e.fileType }, out, i * DIRENT_SIZE);
        out.set(e.name, nameoff);
        nameoff += e.name.length;
    });
    return out;
}
/**
 * Decodes the directory block at `offset` holding `length` bytes of directory data (4096, or less
 * for the last block). Applies every per-block rule; the caller checks the order across blocks.
 * Names are subarrays of `bytes`.
 */
export function decodeDirectoryBlock(bytes, offset, length) {
    requireBytes(bytes, offset, length, 'directory block');
    if (length < DIRENT_SIZE)
        throw new MalformedBootstrapError(`directory block of ${length} bytes cannot hold a dirent`);
    const first = decodeDirent(bytes, offset);
    if (first.nameoff < DIRENT_SIZE || first.nameoff >= length || first.nameoff % DIRENT_SIZE !== 0)
        throw new MalformedBootstrapError(`first nameoff ${first.nameoff} is not a multiple of ${DIRENT_SIZE} in [${DIRENT_SIZE}, ${length})`);
    const count = first.nameoff / DIRENT_SIZE;
    const dirents = [];
    for (let i = 0; i < count; i++) {
        const d = i === 0 ? first : decodeDirent(bytes, offset + i * DIRENT_SIZE);
        const problem = validateDirent(d);
        if (problem !== undefined)
            throw new MalformedBootstrapError(`dirent ${i}: ${problem}`);
        const prev = dirents[i - 1];
        if (prev !== undefined && d.nameoff <= prev.nameoff)
            throw new MalformedBootstrapError(`dirent ${i}: nameoff ${d.nameoff} does not follow ${prev.nameoff}`);
        if (d.nameoff >= length)
            throw new MalformedBootstrapError(`dirent ${i}: nameoff ${d.nameoff} is past the block's ${length} bytes`);
        dirents.push(d);
    }
    const out = [];
    for (let i = 0; i < count; i++) {
        const d = dirents[i];
        const start = offset + d.nameoff;
        let end;
        const next = dirents[i + 1];
        if (next !== undefined) {
            end = offset + next.nameoff;
        }
        else {
            const nul = bytes.subarray(start, offset + length).indexOf(0);
            end = nul < 0 ? offset + length : start + nul;
        }
        const name = bytes.subarray(start, end);
        if (name.length === 0)
            throw new MalformedBootstrapError(`dirent ${i}: empty name`);
        if (name.length > MAX_NAME_LENGTH)
            throw new MalformedBootstrapError(`dirent ${i}: name is ${name.length} bytes (at most ${MAX_NAME_LENGTH})`);
        if (name.includes(0))
            throw new MalformedBootstrapError(`dirent ${i}: name contains NUL`);
        out.push({ name, nid: d.nid, fileType: d.fileType });
    }
    return out;
}
//# sourceMappingURL=dirent.js.map