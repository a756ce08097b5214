/**
 * Nydus's own tools on darner's bootstraps, where they are installed: `nydus-image check` loads
 * each bootstrap with the loader nydusd uses, and nydusd mounts one over its blobs and shows its
 * tree, and reads an image `darner convert` wrote, every file's bytes through the chunk-info
 * arrays at the end of its blobs. Without the binaries on PATH each test says so in its log and checks nothing else; the
 * structural rules are checked without them in rafs-rules.test.ts.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sourceImageTree } from '../../converter/check.js';
import { convertImage } from '../../converter/convert.js';
import { chunkDigests } from '../../src/digest.js';
import { writeBootstrap } from '../../src/format/index.js';
import { compareTrees, formatDifference, treeFromDirectory } from '../../src/fstree/index.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { lgetxattr, llistxattr } from '../../src/native.js';
import { buildOciImage, writeOciLayout } from '../harness/oci-image.js';
import { richImageLayers } from '../harness/test-images.js';
import { basicModel, multiblobModel } from '../../fixtures/make-bootstraps.js';
import { tempDir } from './helpers/mount.js';
import { richModel } from './helpers/rich-model.js';
function onPath(name) {
    return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}
function skipped(t, tool) {
    if (onPath(tool))
        return false;
    t.log(`SKIPPED: ${tool} is not on PATH, so this test checked nothing`);
    t.pass();
    return true;
}
const models = { basic: basicModel, multiblob: multiblobModel, rich: () => richModel(4096) };
for (const [name, model] of Object.entries(models)) {
    test(`nydus-image check accepts darner's ${name} bootstrap`, (t) => {
        if (skipped(t, 'nydus-image'))
            return;
        const dir = tempDir(t, 'nydus-check');
        const boot = join(dir, 'image.boot');
        writeFileSync(boot, writeBootstrap(model()));
        const run = spawnSync('nydus-image', ['check', '--bootstrap', boot, '--log-level', 'warn'], { encoding: 'utf8', timeout: 120_000 });
        t.log(run.stdout.split('\n').slice(0, 5).join('\n'));
        t.is(run.status, 0, run.stderr);
    });
}
/** Starts nydusd (FUSE, localfs backend over `blobDir`) on `boot`; resolves once `mnt` is mounted. */
async function startNydusd(t, dir, boot, blobDir, mnt) {
    mkdirSync(mnt, { recursive: true });
    mkdirSync(join(dir, 'cache'), { recursive: true });
    const config = {
        device: { backend: { type: 'localfs', config: { dir: blobDir } }, cache: { type: 'blobcache', config: { work_dir: join(dir, 'cache') } } },
        mode: 'direct',
        digest_validate: false,
        enable_xattr: true,
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const daemon = spawn('nydusd', ['--config', join(dir, 'config.json'), '--mountpoint', mnt, '--bootstrap', boot, '--rlimit-nofile', '0', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    daemon.stderr.on('data', (d) => (stderr += d.toString()));
    const stop = () => {
        spawnSync('umount', [mnt]);
        daemon.kill();
    };
    // Mounted once /proc/self/mounts lists the mount point (bounded by attempts, not by time).
    let mounted = false;
    for (let i = 0; i < 600 && !mounted && daemon.exitCode === null; i++) {
        mounted = readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === mnt);
        if (!mounted)
            await sleep(100);
    }
    t.teardown(stop);
    return { stop, mounted, stderr: () => stderr };
}
test("nydusd mounts darner's bootstrap and lists the model's tree", async (t) => {
    if (skipped(t, 'nydusd'))
        return;
    const dir = tempDir(t, 'nydusd');
    const meta = basicModel();
    const boot = join(dir, 'image.boot');
    writeFileSync(boot, writeBootstrap(meta));
    mkdirSync(join(dir, 'blobs'));
    const nydusd = await startNydusd(t, dir, boot, join(dir, 'blobs'), join(dir, 'mnt'));
    t.true(nydusd.mounted, `nydusd did not mount: ${nydusd.stderr()}`);
    if (!nydusd.mounted)
        return;
    t.deepEqual(readdirSync(join(dir, 'mnt')).sort(), [...meta.root.entries.keys()].sort());
});
for (const digestAlgorithm of ['blake3', 'sha256']) {
    test.serial(`nydusd reads a converted image (${digestAlgorithm}) through its blobs' chunk-info arrays: the tree and every byte equal the OCI source`, async (t) => {
        if (skipped(t, 'nydusd') || skipped(t, 'nydus-image'))
            return;
        const dir = tempDir(t, 'nydusd-convert');
        const image = await buildOciImage({ name: 'nydusd/rich:1', layers: richImageLayers() });
        await writeOciLayout(image, join(dir, 'src'));
        const target = `oci:${join(dir, 'out')}:darner`;
        await convertImage(`oci:${join(dir, 'src')}`, target, { digestAlgorithm });
        const loaded = await loadImageBootstrap(target, {});
        t.teardown(() => loaded.source.close());
        const boot = join(dir, 'image.boot');
        writeFileSync(boot, loaded.bootstrapBytes);
        t.true(loaded.bootstrap.blobs.length > 1 && loaded.bootstrap.blobs.every((b) => b.chunkInfoOffset !== undefined), 'every blob carries its chunk-info array');
        const check = spawnSync('nydus-image', ['check', '--bootstrap', boot, '--log-level', 'warn'], { encoding: 'utf8', timeout: 120_000 });
        t.is(check.status, 0, check.stderr);
        // localfs finds a blob as <dir>/<blob id>: the OCI layout's blobs/sha256 directory.
        const mnt = join(dir, 'mnt');
        const nydusd = await startNydusd(t, dir, boot, join(dir, 'out', 'blobs', 'sha256'), mnt);
        t.true(nydusd.mounted, `nydusd did not mount: ${nydusd.stderr()}`);
        if (!nydusd.mounted)
            return;
        const like = { chunkSize: loaded.bootstrap.chunkSize, digestAlgorithm: 'sha256' };
        const expected = await sourceImageTree(`oci:${join(dir, 'src')}`, like, {});
        const mounted = await treeFromDirectory(mnt, { chunkSize: like.chunkSize, digest: (chunks) => chunkDigests('sha256', chunks), xattrs: xattrsOf });
        t.deepEqual(compareTrees(expected, mounted).map(formatDifference), [], nydusd.stderr());
        t.true(expected.size > 40);
    });
}
function xattrsOf(path) {
    const out = new Map();
    for (const name of llistxattr(path)) {
        const value = lgetxattr(path, name);
        if (value)
            out.set(name, value);
    }
    return out;
}
//# sourceMappingURL=nydus-tools.test.js.map