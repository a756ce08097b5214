import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { chunkDigests } from '../../../src/digest.js';
import type { ChunkDigestAlgorithm } from '../../../src/format/model.js';
import { treeFromDirectory, type FsTree } from '../../../src/fstree/index.js';
import { lgetxattr, llistxattr } from '../../../src/native.js';

const run = promisify(execFile);

/** Extended attributes of `path` (not following symlinks), read through the kernel. */
export function xattrsOf(path: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of llistxattr(path)) {
    const value = lgetxattr(path, name);
    if (value !== null) out.set(name, value);
  }
  return out;
}

/** The FsTree of a mounted directory, with the chunking of the image it is compared with. */
export function mountedTree(dir: string, like: { chunkSize: number; digestAlgorithm: ChunkDigestAlgorithm }): Promise<FsTree> {
  return treeFromDirectory(dir, {
    chunkSize: like.chunkSize,
    digest: (chunks) => chunkDigests(like.digestAlgorithm, chunks),
    xattrs: xattrsOf,
  });
}

/** Lazily unmounts `dir`, ignoring "not mounted". */
export async function forceUnmount(dir: string): Promise<void> {
  await run('fusermount', ['-uz', dir]).catch(() => run('umount', ['-l', dir]).catch(() => {}));
}

export interface MountProcess {
  mountpoint: string;
  child: ChildProcess;
  /** Everything the child wrote to stderr (its logs). */
  readonly stderr: string;
  /** SIGTERM, wait for the exit (SIGKILL and a lazy unmount after 10 s). Idempotent. */
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./mount-process.js', import.meta.url));

/** Starts mount-process.js for `reference` at `mountpoint` and waits until it is mounted. */
export async function startMountProcess(reference: string, mountpoint: string): Promise<MountProcess> {
  const child = spawn(process.execPath, [SCRIPT, reference, mountpoint], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DARNER_LOG_LEVEL: 'warn' } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped: Promise<void> | undefined;
  const handle: MountProcess = {
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
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<boolean>((resolve) => {
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
export function atFusePrecision(tree: FsTree): FsTree {
  const out: FsTree = new Map();
  for (const [path, entry] of tree) out.set(path, { ...entry, mtimeNsec: entry.mtimeNsec - (entry.mtimeNsec % 1_000_000) });
  return out;
}
