/**
 * One directory, one process: `<dir>/lock` holds the owner's pid and its start time. A lock whose
 * process is gone, dead but not reaped yet, exiting or being SIGKILLed, or whose pid now names
 * another process, is taken over at once (process-liveness.ts); one held by a live process is
 * refused with the error the caller names (CacheLockedError by default). Used for the blob cache
 * (two daemons sharing one would each trust in-memory state, verified and ready bits, leases,
 * that the other changes under it) and the daemon's state directory (src/daemon/state-lock.ts).
 */
import { constants } from 'node:fs';
import { link, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CacheLockedError } from '../errors.js';
import { openPrivateFile } from './private-files.js';
import { processAlive, startTimeOf } from './process-liveness.js';
/** `pid starttime` (the start time may be missing: a lock written without /proc, or by an older version). */
export function parseLockText(text) {
    const m = /^(\d{1,10})(?: (\d{1,20}))?\n?$/.exec(text);
    if (m === null)
        return undefined;
    const pid = Number(m[1]);
    if (pid <= 0)
        return undefined;
    return m[2] === undefined ? { pid } : { pid, startTime: m[2] };
}
export async function lockDirectory(dir, options = {}) {
    const lockedError = options.lockedError ?? ((d, pid) => new CacheLockedError(d, pid));
    const path = join(dir, 'lock');
    const startTime = await startTimeOf(process.pid);
    // Written whole under a name of its own, then linked as `lock`: nobody ever reads a lock
    // that is still being written.
    const draft = join(dir, `lock.${process.pid}`);
    await unlink(draft).catch(() => undefined);
    const handle = await openPrivateFile(draft, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
    try {
        await handle.writeFile(startTime === undefined ? `${process.pid}\n` : `${process.pid} ${startTime}\n`);
    }
    finally {
        await handle.close();
    }
    try {
        return await takeLock(dir, path, draft, lockedError);
    }
    finally {
        await unlink(draft).catch(() => undefined);
    }
}
async function takeLock(dir, path, draft, lockedError) {
    for (let attempt = 0; attempt < 5; attempt++) {
        try {
            await link(draft, path);
            let released = false;
            return {
                async release() {
                    if (released)
                        return;
                    released = true;
                    await unlink(path).catch(() => undefined);
                },
            };
        }
        catch (err) {
            if (err.code !== 'EEXIST')
                throw err;
        }
        const owner = parseLockText((await readLock(path)) ?? '');
        if (owner !== undefined && (await processAlive(owner.pid, owner.startTime)))
            throw lockedError(dir, owner.pid);
        // Stale (its process is gone or dying), or not ours: remove it and try again.
        await unlink(path).catch(() => undefined);
    }
    throw lockedError(dir, -1);
}
/**
 * The lock's text; undefined when it is gone or not a file of ours (a symlink, another owner:
 * no owner then). Two links are normal for a moment (the draft is unlinked after the link).
 */
async function readLock(path) {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
    if (handle === undefined)
        return undefined;
    try {
        const st = await handle.stat();
        if (!st.isFile() || st.uid !== (process.geteuid?.() ?? 0))
            return undefined;
        return await handle.readFile('utf8');
    }
    catch {
        return undefined;
    }
    finally {
        await handle.close();
    }
}
//# sourceMappingURL=dir-lock.js.map