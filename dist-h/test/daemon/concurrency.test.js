/**
 * Concurrency: 16 processes read overlapping files at once — files that share chunks (copies,
 * and files whose halves are another file's), through two mounts of the same image — and all
 * get the right bytes, while the origin serves every chunk once: no two blob range requests
 * overlap.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const run = promisify(execFile);
const MiB = 1 << 20;
function parseRange(header) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(header ?? '');
    return m ? [Number(m[1]), Number(m[2]) + 1] : undefined;
}
test('16 concurrent readers of files sharing chunks get the right bytes; the origin serves each chunk once', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const base = pseudoRandomBytes(6 * MiB, 41);
    const other = pseudoRandomBytes(6 * MiB, 42);
    const files = {
        base,
        copy1: base,
        copy2: base,
        'front-half': Buffer.concat([base.subarray(0, 3 * MiB), other.subarray(0, 3 * MiB)]),
        'back-half': Buffer.concat([other.subarray(3 * MiB), base.subarray(3 * MiB)]),
        other,
    };
    const image = await publishImage(registry.host, 'concurrent', [Object.entries(files).map(([name, data]) => ({ type: 'file', path: name, data }))]);
    t.is(image.summary.uniqueChunks, 12, 'six files, twelve distinct chunks');
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    const reference = image.darnerRef.replace(registry.host, proxy.host);
    const daemon = await startDaemonProcess({ configToml: '[fetch]\nmax_concurrent = 8\n' });
    t.teardown(() => daemon.cleanup());
    const mounts = [join(daemon.mountRoot, 'a'), join(daemon.mountRoot, 'b')];
    for (const m of mounts)
        await daemon.client.mount({ reference, mountpoint: m });
    proxy.reset();
    const names = Object.keys(files);
    const readers = Array.from({ length: 16 }, (_, i) => ({ mount: mounts[i % 2], name: names[i % names.length] }));
    const sums = await Promise.all(readers.map(({ mount, name }) => run('sha256sum', [join(mount, name)]).then(({ stdout }) => stdout.split(' ')[0])));
    readers.forEach(({ mount, name }, i) => t.is(sums[i], createHash('sha256').update(files[name]).digest('hex'), `${mount}/${name}`));
    const ranges = proxy.requests
        .filter((r) => r.kind === 'blob' && r.method === 'GET' && r.range !== undefined)
        .map((r) => parseRange(r.range))
        .filter((r) => r !== undefined)
        .sort((a, b) => a[0] - b[0]);
    t.true(ranges.length > 0);
    for (let i = 1; i < ranges.length; i++) {
        t.true(ranges[i][0] >= ranges[i - 1][1], `range ${ranges[i]} overlaps ${ranges[i - 1]}`);
    }
    const served = ranges.reduce((n, [a, b]) => n + (b - a), 0);
    const readBytes = readers.reduce((n, { name }) => n + files[name].length, 0);
    t.log(`${ranges.length} range requests, ${served} bytes from the origin, for 16 readers of ${readBytes} bytes`);
    t.true(served <= 12 * MiB + 4096, 'no more than the twelve chunks');
    t.is(await daemon.metric('darner_fuse_read_errors_total'), 0);
});
//# sourceMappingURL=concurrency.test.js.map