/**
 * One daemon per state directory: `<state_dir>/lock`, the same lock as the blob cache's
 * (src/cache/dir-lock.ts: pid and start time, a dead owner's lock taken over at once). Two
 * daemons on one state directory would share one P2P host id and each restore the other's
 * mounts. A daemon that replaces another one in place (a live upgrade) starts beside it and
 * waits, with `waitMs`, for the old one to release the lock.
 *
 *   const lock = await acquireStateLock(stateDir);            // StateLockedError when held
 *   const lock = await acquireStateLock(stateDir, { waitMs: 30_000 });
 *   await lock.release();
 */
import { lockDirectory } from '../cache/dir-lock.js';
import { StateLockedError } from '../errors.js';
/** Takes the state directory's lock (the directory must exist); StateLockedError when a live daemon holds it. */
export async function acquireStateLock(dir, options = {}) {
    const deadline = Date.now() + (options.waitMs ?? 0);
    const pollMs = options.pollMs ?? 100;
    for (;;) {
        try {
            return await lockDirectory(dir, { lockedError: (d, pid) => new StateLockedError(d, pid) });
        }
        catch (err) {
            if (!(err instanceof StateLockedError) || Date.now() + pollMs > deadline)
                throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}
//# sourceMappingURL=state-lock.js.map