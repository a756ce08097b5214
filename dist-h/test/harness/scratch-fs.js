/**
 * A loop-mounted ext4 filesystem for benchmark data (containerd roots, caches, big blobs), so
 * that runs do not depend on the state of the root filesystem (ext4 without a journal here:
 * after a large delete, creating files is 3–5× slower for a while).
 *
 *   const scratch = await createScratchFs({ sizeGiB: 4 });
 *   // ... use scratch.dir ...
 *   await scratch.destroy();     // unmounts and removes the image; safe twice
 *
 * The image is sparse (`truncate`), so it takes only what is written. The mount point is
 * `<parent>/darner-scratch-<pid>-<seq>` and the image the same name plus `.img`: after a crash
 * the next harness process unmounts and removes both (netlab.ts cleanupStale).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, SCRATCH_PREFIX, nextLabId, run, runQuietSync } from './netlab.js';
export async function createScratchFs(options) {
    if (!(options.sizeGiB > 0))
        throw new RangeError(`sizeGiB must be > 0, got ${options.sizeGiB}`);
    const id = nextLabId();
    const lab = new Lab();
    const dir = join(options.parent ?? tmpdir(), `${SCRATCH_PREFIX}${id.file}`);
    const image = `${dir}.img`;
    lab.onDestroy('scratch image', () => rmSync(image, { force: true }));
    lab.onDestroy('scratch mount point', () => rmSync(dir, { recursive: true, force: true }));
    lab.onDestroy('scratch mount', () => {
        if (!isMounted(dir))
            return;
        runQuietSync('umount', [dir]);
        // Busy (a process still inside): detach now, the kernel frees it when the last user goes.
        if (isMounted(dir))
            runQuietSync('umount', ['-l', dir]);
    });
    try {
        mkdirSync(dir);
        await run('truncate', ['-s', String(Math.round(options.sizeGiB * 1024 ** 3)), image]);
        // The new sparse file reads as zeros: nothing to discard, and no inode tables to zero, so
        // noinit_itable keeps ext4's lazy-init thread from writing in the background of a benchmark.
        await run('mkfs.ext4', ['-F', '-q', '-E', 'lazy_itable_init=1,lazy_journal_init=1,nodiscard', image]);
        await run('mount', ['-o', 'loop,noinit_itable', image, dir]);
    }
    catch (err) {
        await lab.destroy();
        throw err;
    }
    return { dir, image, destroy: () => lab.destroy() };
}
function isMounted(dir) {
    return runQuietSync('findmnt', ['-n', '-o', 'TARGET', '--mountpoint', dir]).trim() === dir;
}
//# sourceMappingURL=scratch-fs.js.map