/**
 * mount(2) and umount2(2) from the native addon, one at a time, and the unmount every kernel
 * mount of the daemon uses (image EROFS mounts, blob device mounts).
 */
import { MountError } from '../errors.js';
import { log } from '../log.js';
import { MNT_DETACH, umountFs } from '../native.js';
/**
 * mount(2) and umount2(2) hold a thread-pool thread while the kernel may wait on FUSE answers
 * that need the pool too (cache file reads): one at a time leaves the rest of the pool free.
 */
let syscallChain = Promise.resolve();
export function oneAtATime(fn) {
    const run = syscallChain.then(fn, fn);
    syscallChain = run.catch(() => undefined);
    return run;
}
/** Unmounts a kernel mount: at once when idle, else detached (the kernel frees it when its last user goes). */
export async function unmountKernel(mountpoint) {
    try {
        await oneAtATime(() => umountFs(mountpoint, 0));
    }
    catch (err) {
        const code = err.code;
        if (code === 'EINVAL' || code === 'ENOENT')
            return; // not mounted (any more)
        if (code !== 'EBUSY')
            throw new MountError(`cannot unmount ${mountpoint}: ${err.message}`, { cause: err });
        log.info({ mountpoint }, 'mount busy; detaching it');
        await oneAtATime(() => umountFs(mountpoint, MNT_DETACH));
    }
}
//# sourceMappingURL=mount-syscalls.js.map