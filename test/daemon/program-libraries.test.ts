/**
 * A program's libraries are fetched when its first chunk arrives (src/fetch/program-libraries.ts),
 * counted at the registry: after a read of the program's first 4 KiB, its interpreter,
 * /etc/ld.so.cache, the library it names (through a versioned symlink), the library that one
 * names, and the rest of the program arrive without another read; reading them then sends no
 * request. A file no one names is not fetched. With `sequential_read_ahead = 0` none of it happens.
 */
import test from 'ava';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDaemonProcess } from '../harness/daemon.js';
import { elfFile } from '../harness/elf-file.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import type { TarEntry } from '../harness/oci-image.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';

const KiB = 1024;
const PROGRAM = 'usr/bin/prog';
// The program's dynamic section near its end, in a later chunk than its first, as in a large program.
const files: Record<string, Buffer> = {
  'etc/ld.so.cache': pseudoRandomBytes(10 * KiB, 1),
  'lib64/ld-linux-x86-64.so.2': pseudoRandomBytes(100 * KiB, 2),
  [PROGRAM]: elfFile({ size: 1024 * KiB, interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libfoo.so.1'], dynamicAt: 1000 * KiB, seed: 3 }),
  'usr/lib/libbar.so': pseudoRandomBytes(100 * KiB, 4),
  'usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3': elfFile({ size: 200 * KiB, needed: ['libbar.so'], seed: 5 }),
  'usr/share/unrelated.bin': pseudoRandomBytes(300 * KiB, 6),
};
const entries: TarEntry[] = [
  ...['etc', 'lib64', 'usr', 'usr/bin', 'usr/lib', 'usr/lib/x86_64-linux-gnu', 'usr/share'].map((path): TarEntry => ({ type: 'dir', path })),
  ...Object.entries(files).map(([path, data]): TarEntry => ({ type: 'file', path, data })),
  { type: 'symlink', path: 'usr/lib/x86_64-linux-gnu/libfoo.so.1', target: 'libfoo.so.1.2.3' },
];
const named = Object.keys(files).filter((p) => p !== 'usr/share/unrelated.bin');
const namedBytes = named.reduce((sum, p) => sum + files[p]!.length, 0);

for (const [mode, config, follows] of [
  ['erofs', '', true],
  ['fuse', '', true],
  ['erofs', '[fetch]\nsequential_read_ahead = 0', false],
] as const) {
  test.serial(`${mode} mode${config === '' ? '' : ', read-ahead off'}: a program's first chunk ${follows ? 'brings' : 'does not bring'} its loader, libraries and rest`, async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, 'programs', [entries], { chunkSize: 64 * KiB });
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    const daemon = await startDaemonProcess({ configToml: `${config}\n[fuse]\nmode = "${mode}"` });
    t.teardown(() => daemon.cleanup());
    const { mount } = await daemon.client.mount({ reference: image.darnerRef.replace(registry.host, proxy.host), mountpoint: join(daemon.mountRoot, 'm') });
    const at = (path: string): string => join(mount.mountpoint, path);

    proxy.reset();
    const handle = await open(at(PROGRAM));
    const head = Buffer.alloc(4 * KiB);
    await handle.read(head, 0, head.length, 0);
    await handle.close();
    t.true(head.equals(files[PROGRAM]!.subarray(0, head.length)));
    if (follows) {
      // Incompressible: stored as they are. Waits for the fetches, bounded.
      for (let i = 0; i < 300 && proxy.bytesServed('blob') < namedBytes; i++) await sleep(100);
      t.true(proxy.bytesServed('blob') >= namedBytes, `${proxy.bytesServed('blob')} of ${namedBytes} bytes fetched`);
      const requests = proxy.requests.length;
      for (const path of named) t.true((await readFile(at(path))).equals(files[path]!), path);
      t.is(proxy.requests.length, requests, 'the files the program names were all fetched already');
    } else {
      await sleep(1000);
      t.true(proxy.bytesServed('blob') <= 64 * KiB, `only the chunk read: ${proxy.bytesServed('blob')} bytes`);
    }
    const before = proxy.requests.length;
    t.true((await readFile(at('usr/share/unrelated.bin'))).equals(files['usr/share/unrelated.bin']!));
    t.true(proxy.requests.length > before, 'a file no one names was not fetched');
    await daemon.client.unmount(mount.id);
  });
}
