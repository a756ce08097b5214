/**
 * Lazy loading, measured at the registry (a counting proxy in front of it): mounting and listing
 * a ≥100 MiB image fetch no data-blob byte (only manifest, config and the bootstrap layer);
 * reading one 100 KiB file fetches at most one chunk's worth; reading it again — through a new
 * mount, so the kernel's page cache cannot answer — fetches nothing.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const run = promisify(execFile);
const MiB = 1 << 20;
test('mount and ls -lR fetch no data; a 100 KiB file of a 100 MiB image costs at most one chunk; a second read costs nothing', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const small = pseudoRandomBytes(100 * 1024, 5);
    const layers = [
        [
            { type: 'dir', path: 'data' },
            { type: 'file', path: 'data/huge.bin', data: pseudoRandomBytes(100 * MiB, 4) },
            { type: 'file', path: 'data/small.bin', data: small },
            ...Array.from({ length: 50 }, (_, i) => ({ type: 'file', path: `data/many/f${i}`, data: `file ${i}\n` })),
        ],
    ];
    const image = await publishImage(registry.host, 'lazy', layers);
    const dataBlobs = new Set(image.summary.manifest.layers.filter((l) => l.annotations?.['containerd.io/snapshot/darner-blob'] === 'true').map((l) => l.digest));
    t.true(image.summary.outputBytes >= 100 * MiB, `the image is ${image.summary.outputBytes} bytes`);
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    const reference = image.darnerRef.replace(registry.host, proxy.host);
    const isData = (r) => r.kind === 'blob' && [...dataBlobs].some((d) => r.path.endsWith(`/blobs/${d}`));
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'lazy');
    await daemon.client.mount({ reference, mountpoint: mnt });
    const { stdout } = await run('ls', ['-lR', mnt], { maxBuffer: 16 << 20 });
    t.regex(stdout, /104857600 .* huge\.bin/);
    t.is(proxy.bytesServed(isData), 0, 'mount + ls -lR: no data blob byte');
    t.true(proxy.bytesServed('blob') > 0, 'the bootstrap layer and the config were fetched');
    t.true(proxy.requests.filter((r) => r.kind === 'blob').every((r) => !isData(r)));
    const got = await readFile(join(mnt, 'data/small.bin'));
    t.is(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(small).digest('hex'));
    // The read is answered as soon as its chunk is in; the rest of its request may still be coming.
    for (let i = 0; i < 500 && (await daemon.metric('darner_fetch_in_flight')) + (await daemon.metric('darner_fetch_queued')) > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const firstRead = proxy.bytesServed(isData);
    t.true(firstRead > 0 && firstRead <= MiB, `reading 100 KiB fetched ${firstRead} bytes (chunk size ${MiB})`);
    t.log(`100 KiB file: ${firstRead} data-blob bytes from the origin, of ${image.summary.outputBytes}`);
    // A second mount of the same image has no page cache: the read reaches the daemon, which has the chunk.
    const mnt2 = join(daemon.mountRoot, 'lazy-again');
    await daemon.client.mount({ reference, mountpoint: mnt2 });
    t.true((await readFile(join(mnt2, 'data/small.bin'))).equals(small));
    t.true((await readFile(join(mnt, 'data/small.bin'))).equals(small));
    t.is(proxy.bytesServed(isData), firstRead, 'reading it again fetched nothing');
});
//# sourceMappingURL=laziness.test.js.map