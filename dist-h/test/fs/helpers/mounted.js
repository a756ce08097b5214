import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { chunkDigests } from '../../../src/digest.js';
import { treeFromDirectory } from '../../../src/fstree/index.js';
import { lgetxattr, llistxattr } from '../../../src/native.js';
const run = promisify(execFile);
/** Extended attributes of `path` (not following symlinks), read through the kernel. */
export function xattrsOf(path) {
    const out = new Map();
    for (const name of llistxattr(path)) {
        const value = lgetxattr(path, name);
        if (value !== null)
            out.set(name, value);
    }
    return out;
}
/** The FsTree of a mounted directory, with the chunking of the image it is compared with. */
export function mountedTree(dir, like) {
    return treeFromDirectory(dir, {
        chunkSize: like.chunkSize,
        digest: (chunks) => chunkDigests(like.digestAlgorithm, chunks),
        xattrs: xattrsOf,
    });
}
/** Lazily unmounts `dir`, ignoring "not mounted". */
export async function forceUnmount(dir) {
    await run('fusermount', ['-uz', dir]).catch(() => run('umount', ['-l', dir]).catch(() => { }));
}
const SCRIPT = fileURLToPath(new URL('./mount-process.js', import.meta.url));
/** Starts mount-process.js for `reference` at `mountpoint` and waits until it is mounted. */
export async function startMountProcess(reference, mountpoint) {
    const child = spawn(process.execPath, [SCRIPT, reference, mountpoint], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DARNER_LOG_LEVEL: 'warn' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let stopped;
    const handle = {
        mountpoint,
        child,
        get stderr() {
            return stderr;
        },
        stop() {
            stopped ??= (async () => {
                if (child.exitCode === null && child.signalCode === null) {
                    child.kill('SIGTERM');
                    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
                    await exited;
                    clearTimeout(timer);
                }
                await forceUnmount(mountpoint);
            })();
            return stopped;
        },
    };
    const lines = createInterface({ input: child.stdout });
    const ready = await new Promise((resolve) => {
        lines.once('line', () => resolve(true));
        child.once('exit', () => resolve(false));
    });
    if (!ready) {
        await handle.stop();
        throw new Error(`mount process exited before mounting:\n${stderr}`);
    }
    return handle;
}
/**
 * `tree` with mtimes cut to whole milliseconds: fuse-native carries times in milliseconds, so a
 * FUSE mount shows exactly that much of a nanosecond mtime (src/fs/attributes.ts timeMs).
 */
export function atFusePrecision(tree) {
    const out = new Map();
    for (const [path, entry] of tree)
        out.set(path, { ...entry, mtimeNsec: entry.mtimeNsec - (entry.mtimeNsec % 1_000_000) });
    return out;
}
//# sourceMappingURL=mounted.js.map