/**
 * The blob cache's safety promises, end to end through a daemon process in erofs mode: unmounts
 * close every cache file (gc then frees the disk), the cache is private to the daemon's user, the
 * native server answers only chunks verified since the start, a dead owner's lock does not keep a
 * restarted daemon out, and a cache write failure (a full disk) is counted while reads go on.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { open, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';

const run = promisify(execFile);
const MiB = 1 << 20;
const EROFS = '[fuse]\nmode = "erofs"';
const DATA = pseudoRandomBytes(3 * MiB + 777, 31);

/** The targets of the open file descriptors of process `pid`. */
async function openFiles(pid: number): Promise<string[]> {
  const dir = `/proc/${pid}/fd`;
  const names = await readdir(dir);
  const targets = await Promise.all(names.map((n) => readlink(join(dir, n)).catch(() => '')));
  return targets.filter((t) => t !== '');
}

async function publish(t: { teardown(fn: () => Promise<void>): void }, repo: string): Promise<string> {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const image = await publishImage(registry.host, repo, [[{ type: 'file', path: 'f.bin', data: DATA }]]);
  return image.darnerRef;
}

test('erofs mode: unmounts close the cache files; after gc no deleted file stays open and the fd count is back to its baseline', async (t) => {
  const reference = await publish(t, 'fds');
  const daemon = await startDaemonProcess({ configToml: EROFS });
  t.teardown(() => daemon.cleanup());
  const mnt = join(daemon.mountRoot, 'm');
  // A first cycle opens what stays open for the daemon's life (thread pool, the registry client).
  const cycle = async (): Promise<void> => {
    const { mount } = await daemon.client.mount({ reference, mountpoint: mnt });
    t.is(mount.mode, 'erofs');
    t.true((await readFile(join(mnt, 'f.bin'))).equals(DATA));
    await daemon.client.unmount(mount.id);
  };
  await cycle();
  await daemon.client.cacheGc([]);
  const baseline = (await openFiles(daemon.pid)).length;
  for (let i = 0; i < 5; i++) await cycle();
  const gc = await daemon.client.cacheGc([]);
  t.is(gc.removed.length, 1, 'the unmounted blob is collected');
  const after = await openFiles(daemon.pid);
  t.deepEqual(after.filter((f) => f.endsWith(' (deleted)')), [], 'no deleted file is still open');
  t.deepEqual(after.filter((f) => f.startsWith(daemon.cacheDir)), [], 'no file of the cache is open but the lock');
  t.is(after.length, baseline, `fds: ${after.join(', ')}`);
});
