import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Fuse from 'fuse-native';
import { MountError } from '../errors.js';
import { log } from '../log.js';
import { Errno, errnoOf, reasonOf } from './errno.js';
/** darner's FUSE mounts have this filesystem type in mountinfo (libfuse's `fuse.` + the `subtype` option). */
export const DARNER_FUSE_TYPE = 'fuse.darner';
const run = promisify(execFile);
/** The binding, with mount options it has no setting for (`ro`, `use_ino`, `subtype=`…). */
class OptionsFuse extends Fuse {
    #extraOptions;
    constructor(mountpoint, ops, opts, extraOptions) {
        super(mountpoint, ops, opts);
        this.#extraOptions = extraOptions;
    }
    _fuseOptions() {
        const base = super._fuseOptions();
        const extra = this.#extraOptions.join(',');
        if (extra === '')
            return base;
        return base === '' ? `-o${extra}` : `${base},${extra}`;
    }
}
class DarnerFuse extends OptionsFuse {
    #imageFs;
    constructor(mountpoint, ops, opts, imageFs, extraOptions) {
        super(mountpoint, ops, opts, extraOptions);
        this.#imageFs = imageFs;
    }
    // The binding answers a getxattr with a buffer too small by truncating the value and a size
    // query of listxattr with 128 bytes to spare; these two answer as getxattr(2) promises.
    _op_getxattr(signal, path, name, valueBuf) {
        let result;
        try {
            const reply = this.#imageFs.getxattr(path, name, valueBuf.length);
            if (reply.bytes !== undefined)
                valueBuf.set(reply.bytes);
            result = reply.result;
        }
        catch (err) {
            result = answerError('getxattr', path, err);
        }
        signal(result, valueBuf.buffer);
    }
    _op_listxattr(signal, path, listBuf) {
        let result;
        try {
            const reply = this.#imageFs.listxattr(path, listBuf.length);
            if (reply.bytes !== undefined)
                listBuf.set(reply.bytes);
            result = reply.result;
        }
        catch (err) {
            result = answerError('listxattr', path, err);
        }
        signal(result, listBuf.buffer);
    }
}
/** errno for a failed metadata operation; EIO (a broken bootstrap record) is logged. */
function answerError(op, path, err) {
    const errno = errnoOf(err);
    if (errno === Errno.EIO)
        log.warn({ op, path, reason: reasonOf(err), err: err?.message }, 'FUSE operation failed');
    return errno;
}
/** Every modifying operation, answered EROFS: the mounts are of immutable, read-only data. */
function readOnlyRefusals() {
    const erofs = (...args) => args[args.length - 1](Errno.EROFS);
    return {
        write: erofs,
        create: erofs,
        truncate: erofs,
        ftruncate: erofs,
        utimens: erofs,
        chown: erofs,
        chmod: erofs,
        mknod: erofs,
        setxattr: erofs,
        removexattr: erofs,
        unlink: erofs,
        rename: erofs,
        link: erofs,
        symlink: erofs,
        mkdir: erofs,
        rmdir: erofs,
    };
}
/**
 * The operations registered with libfuse. Each one costs a round trip to the JavaScript thread
 * per call, so those that carry nothing for an immutable read-only image are left out and
 * libfuse answers them itself: open/release and opendir/releasedir succeed without a handle
 * (reads name their file by path, which ImageFs resolves through its path cache), and the kernel
 * stops sending flush/fsync after their first ENOSYS. What open checked stays true: the mount is
 * `ro` (the kernel refuses opens for writing or truncating with EROFS before FUSE sees them),
 * only regular files reach FUSE's open, and only directories its opendir. Measured with
 * `find | xargs cat` over 2,000 small cached files: a quarter less time (docs/benchmarking.md).
 */
function operations(fs) {
    return {
        init: (cb) => cb(0),
        getattr(path, cb) {
            try {
                cb(0, fs.getattr(path));
            }
            catch (err) {
                cb(answerError('getattr', path, err));
            }
        },
        readdir(path, cb) {
            try {
                const { names, stats } = fs.readdir(path);
                cb(0, names, stats);
            }
            catch (err) {
                cb(answerError('readdir', path, err));
            }
        },
        readlink(path, cb) {
            try {
                cb(0, fs.readlink(path));
            }
            catch (err) {
                cb(answerError('readlink', path, err));
            }
        },
        read(path, fd, buf, len, pos, cb) {
            fs.read(fd, path, len, pos).then((data) => {
                data.copy(buf);
                cb(data.length);
            }, (err) => cb(errnoOf(err)));
        },
        // Present so that the binding registers them; DarnerFuse answers both itself.
        getxattr: (_path, _name, _position, cb) => cb(Errno.EIO),
        listxattr: (_path, cb) => cb(Errno.EIO),
        statfs(_path, cb) {
            try {
                cb(0, fs.statfs());
            }
            catch (err) {
                cb(answerError('statfs', _path, err));
            }
        },
        access(path, mode, cb) {
            try {
                fs.access(path, mode);
                cb(0);
            }
            catch (err) {
                cb(answerError('access', path, err));
            }
        },
        ...readOnlyRefusals(),
    };
}
/**
 * Mounts `fs` at `mountpoint` (an existing, empty directory with nothing mounted on it).
 * Resolves once the kernel has the mount.
 */
export async function mountImageFs(mountpoint, fs, options = {}) {
    const timeout = options.cacheTimeout ?? 86400;
    const fsname = options.fsname ?? 'darner';
    if (!/^[A-Za-z0-9._:@+-]+$/.test(fsname))
        throw new MountError(`fsname ${JSON.stringify(fsname)} has characters a mount option cannot carry`);
    const fuse = new DarnerFuse(mountpoint, operations(fs), {
        allowOther: options.allowOther ?? true,
        maxRead: options.maxRead ?? 131072,
        kernelCache: true,
        entryTimeout: timeout,
        attrTimeout: timeout,
        debug: options.debug ?? false,
        // Metadata answers are synchronous; reads carry their own deadline (ImageFs).
        timeout: false,
    }, fs, ['ro', 'use_ino', 'default_permissions', `negative_timeout=${timeout}`, `fsname=${fsname}`, `subtype=${DARNER_FUSE_TYPE.slice('fuse.'.length)}`]);
    return mountFuse(fuse, () => fs.close());
}
/**
 * Mounts `fuse` (resolving once the kernel has the mount) and returns its handle; unmount()
 * calls `closed` once the mount is gone.
 */
async function mountFuse(fuse, closed) {
    await new Promise((resolve, reject) => {
        fuse.mount((err) => (err ? reject(new MountError(`cannot mount at ${fuse.mnt}: ${err.message}`, { cause: err })) : resolve()));
    });
    let unmounted;
    return {
        mountpoint: fuse.mnt,
        unmount() {
            unmounted ??= (async () => {
                try {
                    await new Promise((resolve, reject) => fuse.unmount((err) => (err ? reject(err) : resolve())));
                }
                catch (err) {
                    // fusermount refused (e.g. already gone): make sure nothing stays mounted.
                    log.debug({ mountpoint: fuse.mnt, err: err.message }, 'fusermount failed; unmounting with umount -l');
                    await detachMount(fuse.mnt);
                }
                finally {
                    closed();
                }
            })();
            return unmounted;
        },
    };
}
/**
 * Lazily unmounts whatever is mounted at `mountpoint` (a live or a dead FUSE mount: the kernel
 * detaches it now and frees it when its last user lets go). Resolves when nothing is mounted
 * there any more, or when nothing was.
 */
export async function detachMount(mountpoint) {
    try {
        await run('fusermount', ['-uz', mountpoint]);
        return;
    }
    catch {
        // not a FUSE mount, or fusermount missing: fall back to umount(8).
    }
    try {
        await run('umount', ['-l', mountpoint]);
    }
    catch (err) {
        const stderr = String(err.stderr ?? '');
        if (/not mounted|no mount point/i.test(stderr))
            return;
        throw new MountError(`cannot unmount ${mountpoint}: ${stderr.trim() || err.message}`, { cause: err });
    }
}
//# sourceMappingURL=fuse-mount.js.map