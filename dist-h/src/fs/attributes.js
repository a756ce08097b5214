import { BLOCK_SIZE, modeTypeOfKind } from '../format/index.js';
import { encodeRdev } from '../format/inode.js';
/**
 * Inode attributes of a bootstrap as FUSE answers them (pure). An image is immutable, so atime
 * and ctime are its mtime, as the kernel's EROFS driver reports them.
 */
/** st_ino and d_ino of an inode: its nid, as the kernel's EROFS driver numbers inodes. */
export function inodeNumber(nid) {
    // The binding carries st_ino in 32 bits; a bootstrap (at most 1 GiB, 32-byte slots) has
    // nids below 2^25, so this holds for every image darner reads.
    return nid >>> 0;
}
/**
 * Milliseconds since the epoch, the precision the binding carries (the nanoseconds below a
 * millisecond are lost). Times before 1970 cannot be expressed in its unsigned fields: they
 * become the epoch.
 */
export function timeMs(seconds, nanoseconds) {
    if (seconds < 0)
        return 0;
    return seconds * 1000 + Math.floor(nanoseconds / 1_000_000);
}
/** 512-byte blocks, as st_blocks counts them: the 4 KiB blocks the data would occupy. */
export function blockCount(kind, size) {
    if (kind !== 'file' && kind !== 'dir' && kind !== 'symlink')
        return 0;
    return Math.ceil(size / BLOCK_SIZE) * (BLOCK_SIZE / 512);
}
/** The full stat of an inode. */
export function statOf(inode) {
    const ms = timeMs(inode.mtime, inode.mtimeNsec);
    return {
        mode: inode.mode,
        uid: inode.uid,
        gid: inode.gid,
        size: inode.size,
        nlink: inode.nlink,
        ino: inodeNumber(inode.nid),
        // FUSE carries st_rdev in the 32-bit form the kernel decodes with new_decode_dev: EROFS's own.
        rdev: inode.kind === 'chardev' || inode.kind === 'blockdev' ? encodeRdev(inode.major, inode.minor) : 0,
        blksize: BLOCK_SIZE,
        blocks: blockCount(inode.kind, inode.size),
        atime: ms,
        mtime: ms,
        ctime: ms,
    };
}
/** What readdir reports per entry: the type (for d_type) and the inode number (for d_ino). */
export function entryStat(nid, kind) {
    return { mode: modeTypeOfKind(kind), ino: inodeNumber(nid) };
}
const U32_MAX = 0xffff_ffff;
/**
 * statfs of an image: its size is the uncompressed bytes of its blobs, nothing is free (the
 * filesystem is read-only), and it holds `inodes` inodes.
 */
export function statfsOf(totalBytes, inodes) {
    const blocks = Math.min(U32_MAX, Math.ceil(totalBytes / BLOCK_SIZE));
    return {
        bsize: BLOCK_SIZE,
        frsize: BLOCK_SIZE,
        blocks,
        bfree: 0,
        bavail: 0,
        files: Math.min(U32_MAX, inodes),
        ffree: 0,
        favail: 0,
        fsid: 0,
        flag: 1, // ST_RDONLY
        namemax: 255,
    };
}
//# sourceMappingURL=attributes.js.map