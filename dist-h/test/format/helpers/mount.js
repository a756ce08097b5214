/**
 * Kernel mounts for tests: read-only loop devices and `mount -t erofs`, undone in t.teardown
 * (unmount first, then detach the loop devices) whether the test passes or not.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
export function tempDir(t, prefix) {
    const dir = mkdtempSync(join(tmpdir(), `darner-${prefix}-`));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
}
export function attachLoop(t, file) {
    const dev = execFileSync('losetup', ['-f', '--show', '-r', file], { encoding: 'utf8' }).trim();
    t.teardown(() => {
        execFileSync('losetup', ['-d', dev]);
    });
    return dev;
}
/** Mounts `bootstrap` (with `blobs` as extra devices, in order) at a new directory; returns it. */
export function mountErofs(t, bootstrap, blobs, dir) {
    const devices = blobs.map((b) => attachLoop(t, b));
    const boot = attachLoop(t, bootstrap);
    const mnt = join(dir, 'mnt');
    execFileSync('mkdir', ['-p', mnt]);
    const options = ['ro', ...devices.map((d) => `device=${d}`)].join(',');
    execFileSync('mount', ['-t', 'erofs', '-o', options, boot, mnt]);
    // Registered after the loop teardowns, so it runs before them (ava runs teardowns last-in first-out).
    t.teardown(() => {
        execFileSync('umount', [mnt]);
    });
    return mnt;
}
//# sourceMappingURL=mount.js.map