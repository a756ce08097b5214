/**
 * The cache's files belong to the daemon's user alone (docs/cache.md, "Who may touch the cache"):
 * directories 0700, files 0600, whatever they were before (modes are corrected at open). Inside
 * the cache directory nothing is followed: every entry is opened with O_NOFOLLOW and checked on
 * its open descriptor (type, owner = this process's effective uid, one link), so a planted
 * symlink or hard link is refused instead of read or written through (UnsafeCacheFileError).
 * The cache directory itself may be reached through symlinks (a deployment's choice), but must
 * be a directory of the daemon's user.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CacheDirError, UnsafeCacheFileError } from '../errors.js';
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
function errnoOf(err) {
    return err.code;
}
function euid() {
    return process.geteuid?.() ?? 0;
}
/** Why `st` is not an entry the cache made itself (`kind`), or undefined when it is. */
export function entryProblem(st, kind, uid) {
    if (kind === 'file' ? !st.isFile() : !st.isDirectory())
        return `not a ${kind === 'file' ? 'regular file' : 'directory'}`;
    if (st.uid !== uid)
        return `owned by uid ${st.uid}, not the daemon's uid ${uid}`;
    if (kind === 'file' && st.nlink !== 1)
        return `a file with ${st.nlink} hard links`;
    return undefined;
}
/** Checks an open entry and gives it its private mode; closes it and throws when it is refused. */
async function checked(handle, path, kind) {
    try {
        const st = await handle.stat();
        const problem = entryProblem(st, kind, euid());
        if (problem !== undefined)
            throw new UnsafeCacheFileError(path, problem);
        const mode = kind === 'file' ? PRIVATE_FILE_MODE : PRIVATE_DIR_MODE;
        if ((st.mode & 0o7777) !== mode)
            await handle.chmod(mode);
        return handle;
    }
    catch (err) {
        await handle.close().catch(() => undefined);
        throw err;
    }
}
/**
 * Opens `path` inside the cache (never following a symlink at its last component), with
 * `flags` (O_CREAT creates it 0600), and checks it: a regular file of ours with one link.
 */
export async function openPrivateFile(path, flags) {
    let handle;
    try {
        handle = await open(path, flags | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
    }
    catch (err) {
        if (errnoOf(err) === 'ELOOP')
            throw new UnsafeCacheFileError(path, 'a symlink');
        throw err;
    }
    return checked(handle, path, 'file');
}
/** The whole of a private file, or undefined when it is missing or refused (for listings). */
export async function readPrivateFile(path) {
    const handle = await openPrivateFile(path, constants.O_RDONLY).catch(() => undefined);
    if (handle === undefined)
        return undefined;
    try {
        return await handle.readFile();
    }
    catch {
        return undefined;
    }
    finally {
        await handle.close();
    }
}
/** Creates directory `path` inside the cache (0700), or checks the one there: ours, not a symlink. */
export async function makePrivateDir(path) {
    await mkdir(path, { mode: PRIVATE_DIR_MODE }).catch((err) => (errnoOf(err) === 'EEXIST' ? undefined : Promise.reject(err)));
    let handle;
    try {
        handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    }
    catch (err) {
        const code = errnoOf(err);
        if (code !== 'ELOOP' && code !== 'ENOTDIR')
            throw err;
        // O_DIRECTORY answers ENOTDIR for a symlink too: say which it is.
        const link = await lstat(path).then((st) => st.isSymbolicLink(), () => false);
        throw new UnsafeCacheFileError(path, link ? 'a symlink' : 'not a directory');
    }
    await (await checked(handle, path, 'directory')).close();
}
/**
 * Creates the cache directory `dir` and its missing parents (those with mode 0755, like
 * mkdir -p), one level at a time: one error for a path that cannot be made (under /proc, a
 * file in the way, no permission), where a recursive mkdir(2) loop can spin forever. `dir`
 * itself must end up a directory of ours; it is given mode 0700.
 */
/** Checks that the cache directory `dir` exists (and is a directory of ours) without creating anything. */
export async function checkExistingCacheRoot(dir) {
    let handle;
    try {
        handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    }
    catch (err) {
        const why = errnoOf(err) === 'ENOENT' ? 'does not exist' : errnoOf(err) === 'ENOTDIR' ? 'is not a directory' : err.message;
        throw new CacheDirError(`the blob cache directory ${dir} ${why}`, { cause: err });
    }
    await checked(handle, dir, 'directory')
        .catch((err) => Promise.reject(err instanceof UnsafeCacheFileError ? new CacheDirError(err.message, { cause: err }) : err))
        .then((h) => h.close());
}
export async function makeCacheRoot(dir) {
    const missing = [];
    for (let at = dir;; at = dirname(at)) {
        const exists = await open(at, constants.O_RDONLY | constants.O_DIRECTORY).then((h) => h.close().then(() => true), (err) => {
            if (errnoOf(err) === 'ENOENT')
                return false;
            throw new CacheDirError(`cannot use ${at} for the blob cache ${dir}: ${err.message}`, { cause: err });
        });
        if (exists)
            break;
        missing.unshift(at);
        if (dirname(at) === at)
            break;
    }
    for (const at of missing) {
        await mkdir(at, { mode: at === dir ? PRIVATE_DIR_MODE : 0o755 }).catch((err) => {
            if (errnoOf(err) === 'EEXIST')
                return;
            const where = at === dir ? '' : ` (at ${at})`;
            throw new CacheDirError(`cannot create the blob cache directory ${dir}${where}: ${err.message}`, { cause: err });
        });
    }
    let handle;
    try {
        // The cache directory may be a symlink to where the deployment keeps it: followed here only.
        handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    }
    catch (err) {
        throw new CacheDirError(`cannot open the blob cache directory ${dir}: ${err.message}`, { cause: err });
    }
    await checked(handle, dir, 'directory')
        .catch((err) => Promise.reject(err instanceof UnsafeCacheFileError ? new CacheDirError(err.message, { cause: err }) : err))
        .then((h) => h.close());
}
//# sourceMappingURL=private-files.js.map