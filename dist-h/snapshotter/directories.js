import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { readMountInfo } from '../src/util/mountinfo.js';
import { mountPointsUnder } from './mountinfo.js';
/**
 * Crash-safe removal of snapshot directories (docs/snapshotter.md, "Crash safety"): each is first
 * renamed aside to `rm-<name>-…` (synchronously, in one step, so an id handed out again never
 * loses its new directory to a slow deletion) and then deleted. A directory with a mount point
 * inside is skipped and logged; the next Cleanup retries.
 */
export async function deleteSnapshotDirectories(snapshotsDir, names, log) {
    if (names.length === 0)
        return;
    const mountinfo = readMountInfo();
    const doomed = [];
    for (const name of names) {
        const dir = path.join(snapshotsDir, name);
        const busy = mountPointsUnder(dir, mountinfo);
        if (busy.length > 0) {
            log.warn({ dir, mounts: busy }, 'not deleting a snapshot directory that has mounts inside');
            continue;
        }
        let target = dir;
        if (!name.startsWith('rm-')) {
            target = path.join(snapshotsDir, `rm-${name}-${randomBytes(4).toString('hex')}`);
            try {
                fs.renameSync(dir, target);
            }
            catch (err) {
                if (err.code === 'ENOENT')
                    continue;
                log.warn({ err, dir }, 'cannot move a snapshot directory aside');
                continue;
            }
        }
        doomed.push(target);
    }
    for (const dir of doomed) {
        try {
            await fsp.rm(dir, { recursive: true, force: true });
        }
        catch (err) {
            log.warn({ err, dir }, 'failed to delete a snapshot directory');
        }
    }
}
/** fsync of a directory, so a rename inside it is on disk. */
export function fsyncDirectory(dir) {
    const fd = fs.openSync(dir, 'r');
    try {
        fs.fsyncSync(fd);
    }
    finally {
        fs.closeSync(fd);
    }
}
//# sourceMappingURL=directories.js.map