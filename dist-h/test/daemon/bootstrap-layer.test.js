/**
 * The bootstrap layer is the root of a darner image's trust chain. A layer whose bytes are not
 * its digest's is refused before any of it is used, by the daemon and by every command that opens
 * darner images, in one line, and the daemon stays up; a layer with more entries after image.boot
 * is legitimate and works; the config's diff_ids must match the layers.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DaemonApiError } from '../../src/errors.js';
import { bootstrapLayer, pushBootstrapVariant } from '../harness/bootstrap-variants.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes, sha256 } from '../harness/layer-tar.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const exec = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const MiB = 1 << 20;
async function darner(...args) {
    try {
        const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { timeout: 180_000 });
        return { code: 0, stdout, stderr };
    }
    catch (err) {
        const e = err;
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
}
function refusedInOneLine(t, what, r, pattern) {
    t.is(r.code, 1, `${what}: exit code (stderr: ${r.stderr})`);
    const lines = r.stderr.trim().split('\n').filter((l) => !/^(convert|check): /.test(l)); // progress lines without a TTY
    t.is(lines.length, 1, `${what}: one line: ${r.stderr}`);
    t.regex(lines[0] ?? '', /^darner: /, what);
    t.regex(lines[0] ?? '', pattern, what);
}
async function mountError(p) {
    try {
        await p;
    }
    catch (err) {
        if (err instanceof DaemonApiError)
            return err;
        throw err;
    }
    throw new Error('the mount was expected to fail');
}
/** Flips one byte of a blob in the registry's own storage, `fromEnd` bytes before its end. */
async function flipByte(registry, digest, fromEnd) {
    const path = registry.blobDataPath(digest);
    const size = (await readFile(path)).length;
    const fh = await open(path, 'r+');
    try {
        const at = size - fromEnd;
        const { buffer } = await fh.read(Buffer.alloc(1), 0, 1, at);
        await fh.write(Buffer.from([buffer[0] ^ 0x5a]), 0, 1, at);
    }
    finally {
        await fh.close();
    }
}
let registry;
let image;
/** image.boot, then a 4 MiB entry: legitimate. */
let trailing;
/** The same shape with one byte flipped in the registry's storage, inside the entry after image.boot. */
let tampered;
/** The image's own (small) bootstrap layer shape, one byte flipped in its middle. */
let tamperedSmall;
const hello = 'hello from the good image\n';
const data = pseudoRandomBytes(300_000, 3);
test.before(async () => {
    registry = await startRegistry();
    image = await publishImage(registry.host, 'boot', [
        [
            { type: 'file', path: 'hello', data: hello },
            { type: 'file', path: 'data.bin', data },
        ],
    ]);
    const after = (seed) => [{ type: 'file', path: 'image/trailing.bin', data: pseudoRandomBytes(4 * MiB, seed) }];
    trailing = await pushBootstrapVariant(registry.host, 'boot', 'darner', 'trailing', (boot) => bootstrapLayer(boot, after(5)));
    tampered = await pushBootstrapVariant(registry.host, 'boot', 'darner', 'tampered', (boot) => bootstrapLayer(boot, after(6)));
    await flipByte(registry, tampered.layerDigest, 4096);
    tamperedSmall = await pushBootstrapVariant(registry.host, 'boot', 'darner', 'tampered-small', (boot) => bootstrapLayer(boot, [], [{ type: 'dir', path: 'image' }]));
    await flipByte(registry, tamperedSmall.layerDigest, Math.floor(tamperedSmall.layerSize / 2));
});
test.after.always(async () => {
    await registry?.stop();
});
async function daemonWithGoodMount(t) {
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const good = join(daemon.mountRoot, 'good');
    await daemon.client.mount({ reference: image.darnerRef, mountpoint: good });
    return { daemon, good };
}
test.serial('bytes after image.boot: a legitimate layer mounts and unmounts, a tampered one is refused in one line and the daemon stays up', async (t) => {
    const { daemon, good } = await daemonWithGoodMount(t);
    const mnt = join(daemon.mountRoot, 'trailing');
    const mounted = await daemon.client.mount({ reference: trailing.reference, mountpoint: mnt });
    t.true(mounted.created);
    t.is(await readFile(join(mnt, 'hello'), 'utf8'), hello);
    t.true((await readFile(join(mnt, 'data.bin'))).equals(data));
    const umount = await darner('umount', '--daemon', daemon.socket, mnt);
    t.is(umount.code, 0, umount.stderr);
    t.regex(umount.stdout, /unmounted/);
    const refused = await mountError(daemon.client.mount({ reference: tampered.reference, mountpoint: join(daemon.mountRoot, 'tampered') }));
    t.is(refused.code, 'DIGEST_MISMATCH');
    t.regex(refused.message, new RegExp(`bootstrap layer.*expected ${tampered.layerDigest}`));
    t.false(refused.message.includes('\n'));
    t.is((await daemon.client.status()).pid, daemon.pid);
    t.is(await readFile(join(good, 'hello'), 'utf8'), hello, 'the other mount still reads');
    t.deepEqual((await daemon.client.listMounts()).map((m) => m.mountpoint), [good]);
});
test.serial('a tampered small bootstrap layer, 20 times: refused every time, the daemon never goes down', async (t) => {
    const { daemon, good } = await daemonWithGoodMount(t);
    for (let i = 0; i < 20; i++) {
        const refused = await mountError(daemon.client.mount({ reference: tamperedSmall.reference, mountpoint: join(daemon.mountRoot, `small-${i}`) }));
        t.is(refused.code, 'DIGEST_MISMATCH', `try ${i}: ${refused.message}`);
    }
    t.is((await daemon.client.status()).pid, daemon.pid);
    t.is(daemon.exitCode, null);
    t.is(await readFile(join(good, 'hello'), 'utf8'), hello);
});
test.serial('every command refuses a tampered bootstrap layer in one line; a legitimate one with trailing entries works', async (t) => {
    const work = await mkdtemp(join(tmpdir(), 'darner-boot-'));
    t.teardown(() => rm(work, { recursive: true, force: true }));
    const verbs = [
        ['inspect', ['inspect', tampered.reference]],
        ['check', ['check', image.sourceRef, tampered.reference]],
        ['expand', ['expand', tampered.reference, join(work, 'expanded')]],
        ['convert --chunk-dict', ['convert', '--chunk-dict', tampered.reference, image.sourceRef, `${registry.host}/boot:with-dict`]],
    ];
    for (const [what, args] of verbs)
        refusedInOneLine(t, what, await darner(...args), /bootstrap layer: digest mismatch.*\[DIGEST_MISMATCH\]/);
    refusedInOneLine(t, 'inspect (small)', await darner('inspect', tamperedSmall.reference), /\[DIGEST_MISMATCH\]/);
    const inspected = await darner('inspect', '--json', trailing.reference);
    t.is(inspected.code, 0, inspected.stderr);
    t.is(JSON.parse(inspected.stdout).blobs.length, image.summary.blobs);
    const checked = await darner('check', image.sourceRef, trailing.reference);
    t.is(checked.code, 0, checked.stderr);
    t.regex(checked.stdout, /^identical/);
});
test.serial('a config whose diff_ids do not match the layers is refused in one line, by the commands and the daemon', async (t) => {
    // A layer of its own (a blob shared with another variant would be the tampered one).
    const asIs = async (boot) => bootstrapLayer(boot, [{ type: 'file', path: 'image/note', data: 'diff_id test\n' }]);
    const badBlob = await pushBootstrapVariant(registry.host, 'boot', 'darner', 'bad-blob-diff-id', asIs, (config) => {
        config.rootfs.diff_ids[0] = sha256(Buffer.from('not the blob'));
    });
    const badBootstrap = await pushBootstrapVariant(registry.host, 'boot', 'darner', 'bad-bootstrap-diff-id', asIs, (config) => {
        config.rootfs.diff_ids[config.rootfs.diff_ids.length - 1] = sha256(Buffer.from('not the tar'));
    });
    refusedInOneLine(t, 'data blob diff_id', await darner('inspect', badBlob.reference), /diff_id 0 is .* must be its digest .*\[BAD_MANIFEST\]/);
    refusedInOneLine(t, 'bootstrap diff_id', await darner('inspect', badBootstrap.reference), /uncompressed bootstrap layer \(the config's diff_id\): digest mismatch.*\[DIGEST_MISMATCH\]/);
    const { daemon } = await daemonWithGoodMount(t);
    t.is((await mountError(daemon.client.mount({ reference: badBlob.reference, mountpoint: join(daemon.mountRoot, 'a') }))).code, 'BAD_MANIFEST');
    t.is((await mountError(daemon.client.mount({ reference: badBootstrap.reference, mountpoint: join(daemon.mountRoot, 'b') }))).code, 'DIGEST_MISMATCH');
    t.is((await daemon.client.listMounts()).length, 1);
});
//# sourceMappingURL=bootstrap-layer.test.js.map