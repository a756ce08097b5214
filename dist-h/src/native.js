/**
 * Typed access to darner's Rust addon (native/, napi-rs). The addon is loaded on first use, not
 * at import, so commands that never digest, touch xattrs or mount (`darner --help`) work without
 * it.
 * When it is absent every function here throws NativeMissingError (code NATIVE_MISSING).
 *
 * What crosses the boundary and why it is native: docs/native.md.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NativeMissingError } from './errors.js';
// Compiled to dist/src/native.js, so the loader napi generates is two levels up.
const LOADER_URL = new URL('../../native/index.cjs', import.meta.url);
let addon;
/** The loaded addon; throws NativeMissingError when it has not been built or does not load. */
export function nativeAddon() {
    if (addon === undefined) {
        const loaderPath = fileURLToPath(LOADER_URL);
        try {
            addon = createRequire(import.meta.url)(loaderPath);
        }
        catch (err) {
            const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
            throw new NativeMissingError(`darner's native addon could not be loaded from ${loaderPath} (${reason}); ` +
                'build it with `npm run build:native`', { cause: err });
        }
    }
    return addon;
}
/** The addon's own version (native/Cargo.toml); throws NativeMissingError when it does not load. */
export function nativeVersion() {
    return nativeAddon().version();
}
/** True when the addon loads (for diagnostics such as `darner check`). */
export function nativeAvailable() {
    try {
        nativeAddon();
        return true;
    }
    catch {
        return false;
    }
}
/**
 * Digests (32 bytes each) of `chunks`, in order, computed in parallel off the JavaScript thread.
 * The chunks must not be modified until the promise settles. Bad arguments reject.
 */
export function digestBatch(algorithm, chunks) {
    try {
        return nativeAddon().digestBatch(algorithm, chunks);
    }
    catch (err) {
        return Promise.reject(err);
    }
}
/**
 * Digests of consecutive slices of `data` (slice i is `lengths[i]` bytes, starting where slice
 * i - 1 ended), off the JavaScript thread. Lengths summing past `data.length` reject with code
 * ERR_OUT_OF_RANGE; bytes after the last slice are ignored.
 */
export function digestRanges(algorithm, data, lengths) {
    try {
        return nativeAddon().digestRanges(algorithm, data, lengths);
    }
    catch (err) {
        return Promise.reject(err);
    }
}
/**
 * zstd-compresses (at `level`, 1..22) the chunks of `data` at `ranges` (offset, length pairs),
 * in parallel off the JavaScript thread, writing them back to back into `out`, which must hold
 * the ranges' total length: a chunk that would not shrink is copied raw (flags 0). Neither
 * buffer may be touched until the promise settles. Bad arguments reject.
 */
export function compressRanges(level, data, ranges, out) {
    try {
        return nativeAddon().compressRanges(level, data, ranges, out);
    }
    catch (err) {
        return Promise.reject(err);
    }
}
/**
 * Decodes and digests a batch of chunks cut from one buffer of stored (blob) bytes, in parallel
 * off the JavaScript thread. `layout` holds four numbers per chunk: offset in `stored`, stored
 * size, uncompressed size, flags (bit 0: zstd frame, else raw bytes); `digests` the expected
 * 32-byte digests back to back. A zstd frame may never produce more than its uncompressed size
 * (the output is allocated from the sizes given, never from the frame). Bad arguments reject with
 * ERR_OUT_OF_RANGE / ERR_INVALID_ARG_VALUE; bad chunks do not reject, they get a status.
 */
export function decodeVerifyBatch(algorithm, stored, layout, digests) {
    try {
        return nativeAddon().decodeVerifyBatch(algorithm, stored, layout, digests);
    }
    catch (err) {
        return Promise.reject(err);
    }
}
/** The digest of `data` on the calling thread: for small inputs (a few hundred KiB at most). */
export function digestSync(algorithm, data) {
    return nativeAddon().digestSync(algorithm, data);
}
// Extended attributes, never following a final symlink. Failures throw errors shaped like Node's
// fs errors (`code` ENOENT, ENOTSUP, EPERM, ...).
/** The value of xattr `name` of `path`, or null when the file has none by that name. */
export function lgetxattr(path, name) {
    return nativeAddon().lgetxattr(path, name);
}
/** The xattr names of `path`. */
export function llistxattr(path) {
    return nativeAddon().llistxattr(path);
}
/** Creates or replaces xattr `name` of `path`. */
export function lsetxattr(path, name, value) {
    nativeAddon().lsetxattr(path, name, value);
}
/** Removes xattr `name` of `path` (code ENODATA when it has none). */
export function lremovexattr(path, name) {
    nativeAddon().lremovexattr(path, name);
}
/**
 * mknod(2): a character or block device (mode includes fs.constants.S_IFCHR / S_IFBLK, needs
 * CAP_MKNOD), a fifo (S_IFIFO) or a socket file (S_IFSOCK). The umask applies to the permissions.
 */
export function mknod(path, mode, major, minor) {
    nativeAddon().mknod(path, mode, major, minor);
}
// mount(2) and umount2(2). They run on libuv's threadpool, never on the JavaScript thread: the
// kernel may read files of a FUSE filesystem this process serves while the call runs (EROFS
// file-backed mounts open their `device=` files), and only the JavaScript thread can answer.
// Each call in flight holds one of libuv's threads (4 unless UV_THREADPOOL_SIZE says otherwise),
// which the FUSE answers may need for their own fs reads: keep mounts and unmounts serialized.
// Failures reject with errors shaped like Node's fs errors: `code` the errno name (ENOENT,
// ENODEV, ENOTBLK, EINVAL, EPERM, ...), `syscall`, `path` and, for mount, `dest`.
/** mount(2) flag: mount read-only. */
export const MS_RDONLY = 1;
/** umount2(2) flag: detach now, finish when the mount is no longer busy (`umount -l`). */
export const MNT_DETACH = 2;
/**
 * mount(2): mounts `source` (a block device, or a regular file where the filesystem takes one:
 * EROFS since Linux 6.12 mounts an image file directly, with no loop device) of type `fstype` on
 * `target`. `flags` are MS_* bits (a whole number below 2^32), `data` the comma-separated options
 * ('' for none), e.g. `device=/blobs/0,device=/blobs/1` for EROFS's extra devices. A NUL byte in
 * a string rejects with ERR_INVALID_ARG_VALUE, bad flags with ERR_OUT_OF_RANGE. The message
 * names both paths: `ENOENT: no such file or directory, mount '/img' -> '/mnt'`.
 */
export function mountFs(source, target, fstype, flags, data) {
    try {
        return nativeAddon().mountFs(source, target, fstype, flags, data);
    }
    catch (err) {
        return Promise.reject(err);
    }
}
/**
 * umount2(2) of `target` with `flags` (1 for MNT_FORCE, MNT_DETACH, or 0). A directory that is not a
 * mount point rejects with code EINVAL: `EINVAL: invalid argument, umount2 '/mnt'`.
 */
export function umountFs(target, flags) {
    try {
        return nativeAddon().umountFs(target, flags);
    }
    catch (err) {
        return Promise.reject(err);
    }
}
/**
 * Mounts and serves blob device files at `mountpoint` (fstype fuse.darner, source darner-blobs):
 * file `i` is `sizes[i]` bytes; reads of pages marked with `mark` are answered from
 * `cachePaths[i]` on the server's own threads, the others call `onRead`, which must answer each
 * with `reply` or `replyError`. Synchronous (FUSE's mount does not wait for the server).
 */
export function startBlobDevices(mountpoint, sizes, cachePaths, onRead) {
    return nativeAddon().startBlobDevices(mountpoint, sizes, cachePaths, onRead);
}
/**
 * Serves blob devices on a FUSE connection an earlier daemon mounted (`fd`: its /dev/fuse file,
 * from the fd keeper; owned by the server from now on) and has the kernel resend the requests
 * the earlier daemon read and never answered.
 */
export function resumeBlobDevices(fd, sizes, cachePaths, onRead) {
    return nativeAddon().resumeBlobDevices(fd, sizes, cachePaths, onRead);
}
/** The fd keeper's calls (native/src/fdkeeper.rs); each throws with an errno code (ENOENT, ECONNREFUSED) when no keeper answers. */
export const fdKeeper = {
    /** Runs the keeper on `socketPath` (blocks this thread; the process exits when a quit finds it empty). */
    run: (socketPath) => nativeAddon().runFdKeeper(socketPath),
    takeAll: (socketPath) => nativeAddon().keeperTakeAll(socketPath),
    drop: (socketPath, name) => nativeAddon().keeperDrop(socketPath, name),
    quit: (socketPath) => nativeAddon().keeperQuit(socketPath),
    closeFd: (fd) => nativeAddon().closeFd(fd),
};
//# sourceMappingURL=native.js.map