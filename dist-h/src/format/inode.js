import { COMPACT_INODE_SIZE, DATALAYOUT_CHUNK_BASED, DATALAYOUT_FLAT_INLINE, DATALAYOUT_FLAT_PLAIN, EXTENDED_INODE_SIZE, INODE_DATALAYOUT_MASK, INODE_DATALAYOUT_SHIFT, INODE_FORMAT_KNOWN_MASK, INODE_VERSION_EXTENDED, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, } from './constants.js';
import { hex, isI64, isU16, isU32, isU64, readI64, readU64, requireBytes, viewOf, writeI64, writeU64 } from './bytes.js';
export function isExtended(format) {
    return (format & INODE_VERSION_EXTENDED) !== 0;
}
export function datalayoutOf(format) {
    return (format >> INODE_DATALAYOUT_SHIFT) & INODE_DATALAYOUT_MASK;
}
export function makeFormat(extended, datalayout) {
    return (extended ? INODE_VERSION_EXTENDED : 0) | (datalayout << INODE_DATALAYOUT_SHIFT);
}
/** Size of the inode core for an i_format value: 32 or 64. */
export function inodeCoreSize(format) {
    return isExtended(format) ? EXTENDED_INODE_SIZE : COMPACT_INODE_SIZE;
}
/** Decodes the inode at `offset` (its first two bytes say whether it is 32 or 64 bytes long). */
export function decodeInode(bytes, offset) {
    requireBytes(bytes, offset, COMPACT_INODE_SIZE, 'inode');
    const v = viewOf(bytes);
    const format = v.getUint16(offset, true);
    if (!isExtended(format)) {
        return {
            format,
            xattrIcount: v.getUint16(offset + 0x02, true),
            mode: v.getUint16(offset + 0x04, true),
            reserved: 0,
            nlink: v.getUint16(offset + 0x06, true),
            size: v.getUint32(offset + 0x08, true),
            mtime: v.getUint32(offset + 0x0c, true),
            mtimeNsec: 0,
            u: v.getUint32(offset + 0x10, true),
            ino: v.getUint32(offset + 0x14, true),
            uid: v.getUint16(offset + 0x18, true),
            gid: v.getUint16(offset + 0x1a, true),
        };
    }
    requireBytes(bytes, offset, EXTENDED_INODE_SIZE, 'extended inode');
    return {
        format,
        xattrIcount: v.getUint16(offset + 0x02, true),
        mode: v.getUint16(offset + 0x04, true),
        reserved: v.getUint16(offset + 0x06, true),
        size: readU64(v, offset + 0x08),
        u: v.getUint32(offset + 0x10, true),
        ino: v.getUint32(offset + 0x14, true),
        uid: v.getUint32(offset + 0x18, true),
        gid: v.getUint32(offset + 0x1c, true),
        mtime: readI64(v, offset + 0x20),
        mtimeNsec: v.getUint32(offset + 0x28, true),
        nlink: v.getUint32(offset + 0x2c, true),
    };
}
/** Writes a compact or extended inode (as its format says); reserved bytes are zeroed. */
export function encodeInode(rec, target, offset) {
    const size = inodeCoreSize(rec.format);
    requireBytes(target, offset, size, 'inode');
    target.fill(0, offset, offset + size);
    const v = viewOf(target);
    v.setUint16(offset + 0x00, rec.format, true);
    v.setUint16(offset + 0x02, rec.xattrIcount, true);
    v.setUint16(offset + 0x04, rec.mode, true);
    v.setUint32(offset + 0x10, rec.u, true);
    v.setUint32(offset + 0x14, rec.ino, true);
    if (!isExtended(rec.format)) {
        v.setUint16(offset + 0x06, rec.nlink, true);
        v.setUint32(offset + 0x08, rec.size, true);
        v.setUint32(offset + 0x0c, rec.mtime, true);
        v.setUint16(offset + 0x18, rec.uid, true);
        v.setUint16(offset + 0x1a, rec.gid, true);
    }
    else {
        v.setUint16(offset + 0x06, rec.reserved, true);
        writeU64(v, offset + 0x08, rec.size);
        v.setUint32(offset + 0x18, rec.uid, true);
        v.setUint32(offset + 0x1c, rec.gid, true);
        writeI64(v, offset + 0x20, rec.mtime);
        v.setUint32(offset + 0x28, rec.mtimeNsec, true);
        v.setUint32(offset + 0x2c, rec.nlink, true);
    }
}
/** The first rule an inode record breaks, or undefined. */
export function validateInode(rec) {
    if ((rec.format & ~INODE_FORMAT_KNOWN_MASK) !== 0)
        return `i_format ${hex(rec.format)} has unknown bits`;
    const layout = datalayoutOf(rec.format);
    if (layout !== DATALAYOUT_FLAT_PLAIN && layout !== DATALAYOUT_FLAT_INLINE && layout !== DATALAYOUT_CHUNK_BASED)
        return `data layout ${layout} not supported (compressed or undefined)`;
    if (kindOfMode(rec.mode) === undefined)
        return `mode ${rec.mode.toString(8)} has an unknown file type`;
    if (rec.xattrIcount === 1)
        return `xattr icount 1 (a header without entries) is invalid`;
    const extended = isExtended(rec.format);
    if (extended && rec.reserved !== 0)
        return `reserved field at +6 is ${rec.reserved} (must be 0)`;
    if (!isU16(rec.xattrIcount) || !isU16(rec.mode))
        return `icount or mode does not fit in 16 bits`;
    if (!isU32(rec.u) || !isU32(rec.ino))
        return `i_u or i_ino does not fit in 32 bits`;
    const small = extended ? isU32 : isU16;
    if (!small(rec.nlink))
        return `nlink ${rec.nlink} out of range`;
    if (!small(rec.uid) || !small(rec.gid))
        return `uid/gid out of range`;
    if (!(extended ? isU64 : isU32)(rec.size))
        return `size ${rec.size} out of range`;
    if (extended) {
        if (!isI64(rec.mtime))
            return `mtime does not fit in 53 bits`;
        if (!Number.isInteger(rec.mtimeNsec) || rec.mtimeNsec < 0 || rec.mtimeNsec >= 1_000_000_000)
            return `mtime nanoseconds ${rec.mtimeNsec} out of range`;
    }
    else {
        if (!isU32(rec.mtime))
            return `mtime offset out of range`;
        if (rec.mtimeNsec !== 0)
            return `compact inode cannot hold mtime nanoseconds`;
    }
    return undefined;
}
const KIND_BY_TYPE = new Map([
    [S_IFREG, 'file'],
    [S_IFDIR, 'dir'],
    [S_IFLNK, 'symlink'],
    [S_IFCHR, 'chardev'],
    [S_IFBLK, 'blockdev'],
    [S_IFIFO, 'fifo'],
    [S_IFSOCK, 'socket'],
]);
/** The node kind of an st_mode value, or undefined for an unknown type. */
export function kindOfMode(mode) {
    return KIND_BY_TYPE.get(mode & S_IFMT);
}
const TYPE_BY_KIND = {
    file: S_IFREG,
    dir: S_IFDIR,
    symlink: S_IFLNK,
    chardev: S_IFCHR,
    blockdev: S_IFBLK,
    fifo: S_IFIFO,
    socket: S_IFSOCK,
};
/** The st_mode type bits of a node kind. */
export function modeTypeOfKind(kind) {
    return TYPE_BY_KIND[kind];
}
/** Largest major and minor that EROFS's 32-bit rdev (Linux new_encode_dev) can hold. */
export const MAX_DEVICE_MAJOR = 0xfff;
export const MAX_DEVICE_MINOR = 0xfffff;
/** Linux new_encode_dev: (minor & 0xff) | major << 8 | (minor & ~0xff) << 12. */
export function encodeRdev(major, minor) {
    return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}
export function decodeRdev(rdev) {
    return { major: (rdev & 0xfff00) >>> 8, minor: ((rdev & 0xff) | ((rdev >>> 12) & 0xfff00)) >>> 0 };
}
//# sourceMappingURL=inode.js.map