/**
 * overlayfs over a darner FUSE mount, as a container's rootfs is built: lowerdir = the mount,
 * upperdir/workdir = plain directories. The image's own deletions and opaque directories must
 * hold, copy-up must work, and whiteouts the overlay creates must hide lower files.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { access, appendFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRegistry } from '../harness/registry.js';
import { publishRichImage } from '../harness/rich-image.js';
import { startMountProcess } from './helpers/mounted.js';
const run = promisify(execFile);
test('overlayfs on the mount: image deletions and opaque dirs hold, copy-up and whiteouts work, the image stays unchanged', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishRichImage(registry.host);
    const dir = await mkdtemp(join(tmpdir(), 'darner-overlay-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(dir, d));
    for (const d of [lower, upper, work, merged])
        await mkdir(d);
    const mounted = await startMountProcess(image.darnerRef, lower);
    t.teardown(() => mounted.stop());
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
    // Registered after the FUSE teardown, so it runs first (ava runs teardowns in reverse order).
    t.teardown(() => run('umount', ['-l', merged]).then(() => undefined, () => undefined));
    // The image's own whiteouts: deleted entries stay absent through the overlay.
    await t.throwsAsync(access(join(merged, 'gone')), { code: 'ENOENT' });
    await t.throwsAsync(access(join(merged, 'sizes-whiteout-target')), { code: 'ENOENT' });
    // The image's opaque directory shows only what its upper layer put there.
    t.deepEqual((await readdir(join(merged, 'opaque'))).sort(), ['new1']);
    await writeFile(join(merged, 'opaque', 'from-container'), 'x');
    t.deepEqual((await readdir(join(merged, 'opaque'))).sort(), ['from-container', 'new1']);
    // Copy-up: modifying a lower file changes the overlay's view only.
    await appendFile(join(merged, 'etc/motd'), 'appended in the container\n');
    t.is(await readFile(join(merged, 'etc/motd'), 'utf8'), 'layer 2 changed this\nappended in the container\n');
    t.is(await readFile(join(lower, 'etc/motd'), 'utf8'), 'layer 2 changed this\n');
    t.is(await readFile(join(upper, 'etc/motd'), 'utf8'), 'layer 2 changed this\nappended in the container\n');
    // Copy-up of a large, multi-chunk file keeps every byte.
    const big = await readFile(join(lower, 'sizes/big'));
    await appendFile(join(merged, 'sizes/big'), 'tail');
    t.true((await readFile(join(merged, 'sizes/big'))).equals(Buffer.concat([big, Buffer.from('tail')])));
    // Deleting a lower file makes a whiteout in the upper dir, which hides it.
    await rm(join(merged, 'sizes/one'));
    await t.throwsAsync(access(join(merged, 'sizes/one')), { code: 'ENOENT' });
    const whiteout = await stat(join(upper, 'sizes/one'));
    t.true(whiteout.isCharacterDevice());
    t.is(whiteout.rdev, 0);
    t.is((await stat(join(lower, 'sizes/one'))).size, 1, 'the image still has it');
    // Deleting a lower directory and making it again gives an opaque directory in the upper dir.
    await rm(join(merged, 'replaced'), { recursive: true });
    await mkdir(join(merged, 'replaced'));
    t.deepEqual(await readdir(join(merged, 'replaced')), []);
    t.deepEqual((await readdir(join(lower, 'replaced'))).sort(), ['inside']);
    // Hard links and special files read through the overlay.
    t.is((await stat(join(merged, 'links/hard-1'))).ino, (await stat(join(merged, 'links/hard-2'))).ino);
    t.true((await stat(join(merged, 'special/fifo'))).isFIFO());
});
//# sourceMappingURL=overlay.test.js.map