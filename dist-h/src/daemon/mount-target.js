/**
 * Checks of a mount point a client names, before anything is created or mounted there: mounting
 * over a non-empty directory would hide its content, a path through a symlink mounts somewhere
 * other than where it says, and a missing parent means a mistyped path (only the last component
 * is ever created).
 */
import { lstat, mkdir, readdir, realpath, statfs } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolvePath, sep } from 'node:path';
import { MountpointBusyError, MountTargetError } from '../errors.js';
import { DARNER_FUSE_TYPE, detachMount } from '../fs/index.js';
import { log } from '../log.js';
import { readMounts } from '../util/mountinfo.js';
/** The prefixes of an absolute path, shortest first: /a/b/c → /a, /a/b, /a/b/c. */
export function pathPrefixes(absolute) {
    const parts = absolute.split(sep).filter((p) => p !== '');
    return parts.map((_, i) => sep + parts.slice(0, i + 1).join(sep));
}
/**
 * Refuses `mountpoint` (MountTargetError) unless every component exists and is a directory reached
 * without a symlink, except a missing last component, and the directory is empty. A directory
 * whose filesystem no longer answers (ENOTCONN: a dead FUSE mount) is left to the mount step.
 */
export async function checkMountTarget(mountpoint) {
    const absolute = resolvePath(mountpoint);
    const prefixes = pathPrefixes(absolute);
    for (const [i, prefix] of prefixes.entries()) {
        const last = i === prefixes.length - 1;
        let info;
        try {
            info = await lstat(prefix);
        }
        catch (err) {
            const code = err.code;
            if (code === 'ENOENT' && last)
                return;
            if (code === 'ENOENT')
                throw new MountTargetError(`cannot mount at ${absolute}: ${prefix} does not exist`);
            throw err;
        }
        if (info.isSymbolicLink())
            throw new MountTargetError(`cannot mount at ${absolute}: ${prefix} is a symbolic link`);
        if (!info.isDirectory())
            throw new MountTargetError(`cannot mount at ${absolute}: ${prefix} is not a directory`);
    }
    let entries;
    try {
        entries = await readdir(absolute);
    }
    catch (err) {
        if (err.code === 'ENOTCONN')
            return;
        throw err;
    }
    if (entries.length > 0)
        throw new MountTargetError(`cannot mount at ${absolute}: the directory is not empty (mounting would hide its content)`);
}
/** `path` with its parent's symlinks resolved (as /proc/self/mountinfo names mount points). */
export async function canonicalPath(path) {
    const absolute = resolvePath(path);
    const parent = dirname(absolute);
    return join(await realpath(parent).catch(() => parent), basename(absolute));
}
/**
 * Makes `mountpoint` ready to mount on: created if missing; a dead darner FUSE mount on it
 * (its daemon was killed: ENOTCONN) is detached; anything else mounted there makes it busy.
 */
export async function prepareMountpoint(mountpoint) {
    const mounted = (await readMounts()).filter((m) => m.mountPoint === mountpoint);
    if (mounted.length > 0) {
        // statfs always reaches the filesystem (attributes may still be cached by the kernel).
        const dead = await statfs(mountpoint).then(() => false, (err) => err.code === 'ENOTCONN');
        if (!dead || !mounted.every((m) => m.fsType === DARNER_FUSE_TYPE)) {
            throw new MountpointBusyError(`${mountpoint} is already a mount point (${mounted.map((m) => m.fsType).join(', ')})`);
        }
        log.warn({ mountpoint }, 'detaching a dead darner mount');
        await detachMount(mountpoint);
    }
    await mkdir(mountpoint, { recursive: true });
}
//# sourceMappingURL=mount-target.js.map