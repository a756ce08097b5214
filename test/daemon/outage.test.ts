/**
 * Registry outage: cached files keep reading (through a second mount, so that the daemon's cache
 * rather than the kernel's page cache answers), an uncached read fails with EIO once the
 * configured fetch timeout has passed (not the much longer FUSE read timeout), and the same read
 * succeeds when the registry is back.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';

const FETCH_TIMEOUT_MS = 3000;
const FUSE_READ_TIMEOUT_MS = 60_000;

test('registry down: cached files read, uncached reads fail with EIO after the fetch timeout, and work again when it is back', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const cachedData = pseudoRandomBytes(1 << 20, 31);
  const uncachedData = pseudoRandomBytes(1 << 20, 32);
  // Separate layers (blobs): in erofs mode the kernel's readahead on a blob device may run past
  // the end of cached.bin into what is stored next (docs/daemon.md), fetching part of
  // uncached.bin before the outage.
  const image = await publishImage(registry.host, 'outage', [[{ type: 'file', path: 'cached.bin', data: cachedData }], [{ type: 'file', path: 'uncached.bin', data: uncachedData }]]);
  const daemon = await startDaemonProcess({
    configToml: `[fetch]\ntimeout_ms = ${FETCH_TIMEOUT_MS}\nretry_base_delay_ms = 50\nretry_max_delay_ms = 500\n[fuse]\nread_timeout_ms = ${FUSE_READ_TIMEOUT_MS}\n`,
  });
  t.teardown(() => daemon.cleanup());
  const first = join(daemon.mountRoot, 'first');
  const second = join(daemon.mountRoot, 'second');
  await daemon.client.mount({ reference: image.darnerRef, mountpoint: first });
  await daemon.client.mount({ reference: image.darnerRef, mountpoint: second });
  t.true((await readFile(join(first, 'cached.bin'))).equals(cachedData));

  await registry.kill();
  t.true((await readFile(join(second, 'cached.bin'))).equals(cachedData), 'a cached file reads with the registry down');
  const started = Date.now();
  await t.throwsAsync(readFile(join(second, 'uncached.bin')), { code: 'EIO' });
  const took = Date.now() - started;
  t.log(`the uncached read failed after ${took} ms (fetch timeout ${FETCH_TIMEOUT_MS} ms)`);
  t.true(took < 2 * FETCH_TIMEOUT_MS, 'one fetch timeout ended it (the kernel\'s retry of its readahead was answered at once)');
  t.true((await daemon.metric('darner_fuse_read_errors_total', { reason: 'CHUNK_UNAVAILABLE' })) >= 1);

  await registry.start();
  // A mount answers a read inside a range that failed less than 250 ms ago at once (ImageFs
  // failedReadMemoryMs): let that pass, as any real outage does.
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.true((await readFile(join(first, 'uncached.bin'))).equals(uncachedData), 'the same read succeeds once the registry is back');
  t.true((await readFile(join(second, 'uncached.bin'))).equals(uncachedData));
});
