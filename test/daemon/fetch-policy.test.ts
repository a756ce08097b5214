/**
 * The fetch policy for cold reads through a daemon mount, in both mount modes, counted at the
 * registry: a read of one small file fetches a bounded number of bytes, its neighbours with it;
 * a large file read straight through gets growing read-ahead requests.
 *
 * The bound of one small file's read is `small_file_request` bytes in both modes: in erofs mode
 * the kernel reads the blob devices with direct I/O, so no readahead of the blob device runs on
 * past the file into what is stored after it (docs/daemon.md, "Mount modes"). A file read to its
 * end fetches nothing of the file stored after it.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import type { TarEntry } from '../harness/oci-image.js';
import { blobRanges, startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';

const KiB = 1024;
const SMALL_FILE_REQUEST = 256 * KiB;
const SEQUENTIAL_START = 128 * KiB;
const SEQUENTIAL_MAX = 1024 * KiB;
const CONFIG = [
  '[fetch]',
  `small_file = ${64 * KiB}`,
  `small_file_request = ${SMALL_FILE_REQUEST}`,
  `sequential_start = ${SEQUENTIAL_START}`,
  `sequential_read_ahead = ${SEQUENTIAL_MAX}`,
].join('\n');

const files = new Map<string, Buffer>();
const entries: TarEntry[] = [{ type: 'dir', path: 'lib' }];
for (let i = 0; i < 40; i++) {
  const path = `lib/m${String(i).padStart(2, '0')}.pyc`;
  files.set(path, pseudoRandomBytes(12 * KiB + i * 97, 400 + i));
  entries.push({ type: 'file', path, data: files.get(path)! });
}
files.set('lib/big.so', pseudoRandomBytes(4096 * KiB, 500));
entries.push({ type: 'file', path: 'lib/big.so', data: files.get('lib/big.so')! });
// Stored one after the other, each larger than `small_file` (no neighbours) and incompressible.
files.set('lib/tail-a.bin', pseudoRandomBytes(200 * KiB + 123, 600));
files.set('lib/tail-b.bin', pseudoRandomBytes(1024 * KiB, 601));
for (const path of ['lib/tail-a.bin', 'lib/tail-b.bin']) entries.push({ type: 'file', path, data: files.get(path)! });

for (const mode of ['erofs', 'fuse'] as const) {
  test.serial(`${mode} mode: one small file costs at most one bounded request; its neighbours come with it; a large file's read-ahead grows`, async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, 'policy', [entries], { chunkSize: 64 * KiB });
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    const daemon = await startDaemonProcess({ configToml: `${CONFIG}\n[fuse]\nmode = "${mode}"` });
    t.teardown(() => daemon.cleanup());
    const { mount } = await daemon.client.mount({ reference: image.darnerRef.replace(registry.host, proxy.host), mountpoint: join(daemon.mountRoot, mode) });
    const at = (path: string): string => join(mount.mountpoint, path);

    proxy.reset();
    t.true((await readFile(at('lib/m10.pyc'))).equals(files.get('lib/m10.pyc')!));
    const bound = SMALL_FILE_REQUEST;
    const served = proxy.bytesServed('blob');
    t.true(served <= bound, `one small file: ${served} bytes fetched, bound ${bound} (${JSON.stringify(blobRanges(proxy))})`);
    const requests = proxy.requests.length;
    for (const n of ['11', '12', '13']) t.true((await readFile(at(`lib/m${n}.pyc`))).equals(files.get(`lib/m${n}.pyc`)!));
    t.is(proxy.requests.length, requests, 'the next small files came with the first read');

    proxy.reset();
    t.true((await readFile(at('lib/big.so'))).equals(files.get('lib/big.so')!));
    const sizes = blobRanges(proxy).map(([start, end]) => end - start);
    t.true(sizes.length < (4096 * KiB) / (64 * KiB), `fewer requests than chunks: ${sizes.join(', ')}`);
    t.true(Math.max(...sizes) > SEQUENTIAL_START && Math.max(...sizes) <= Math.max(SEQUENTIAL_MAX, SMALL_FILE_REQUEST), `read-ahead grew: ${sizes.join(', ')}`);

    proxy.reset();
    const tailA = files.get('lib/tail-a.bin')!;
    t.true((await readFile(at('lib/tail-a.bin'))).equals(tailA));
    const tailServed = proxy.bytesServed('blob');
    // Incompressible chunks are stored as they are (at most a few bytes of framing each).
    t.true(tailServed <= tailA.length + 1024, `a file read to its end: ${tailServed} bytes fetched for its ${tailA.length} (${JSON.stringify(blobRanges(proxy))})`);
    await daemon.client.unmount(mount.id);
  });
}
