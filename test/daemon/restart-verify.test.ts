/**
 * After a daemon restart every cached chunk is verified again on its first read. The blob devices
 * are read with direct I/O, one small file (one chunk) at a time, so the server verifies and marks
 * the cached chunks stored after each forwarded read as well (blob-device-server.ts): reading 300
 * small files after a restart goes through JavaScript a few times, not once per file. Counted
 * with the daemon's own read counter (reads answered by JavaScript).
 */
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDaemonProcess, type DaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import type { TarEntry } from '../harness/oci-image.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';

const FILES = 300;
const names = Array.from({ length: FILES }, (_, i) => `d/f${String(i).padStart(3, '0')}`);
const data = names.map((_, i) => pseudoRandomBytes(9000 + i * 13, i));
const entries: TarEntry[] = [{ type: 'dir', path: 'd' }, ...names.map((path, i): TarEntry => ({ type: 'file', path, data: data[i]! }))];

async function javascriptReads(daemon: DaemonProcess): Promise<number> {
  const text = await (await fetch(`http://${daemon.metricsAddress}/metrics`)).text();
  return Number(/^darner_fetch_read_duration_seconds_count (\d+)/m.exec(text)?.[1] ?? NaN);
}

test('after a restart, 300 cached small files are verified in a few forwarded reads, not one per file', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const image = await publishImage(registry.host, 'restart-verify', [entries], { chunkSize: 1 << 20 });
  const configToml = '[fuse]\nmode = "erofs"';
  let daemon = await startDaemonProcess({ configToml });
  t.teardown(() => daemon.cleanup());
  const { mount } = await daemon.client.mount({ reference: image.darnerRef, mountpoint: join(daemon.mountRoot, 'm') });
  const readAll = async (): Promise<void> => {
    for (let i = 0; i < FILES; i++) t.true((await readFile(join(mount.mountpoint, names[i]!))).equals(data[i]!));
  };
  await readAll();

  const dir = daemon.dir;
  await daemon.stop();
  daemon = await startDaemonProcess({ dir, configToml });
  for (let i = 0; i < 200 && (await daemon.client.listMounts()).length === 0; i++) await sleep(100);
  await writeFile('/proc/sys/vm/drop_caches', '3');
  const before = await javascriptReads(daemon);
  await readAll();
  const forwarded = (await javascriptReads(daemon)) - before;
  // 3.3 MB of files, verified 1 MiB ahead of each forwarded read: a handful.
  t.true(forwarded <= FILES / 10, `${forwarded} reads through JavaScript for ${FILES} files`);
});
