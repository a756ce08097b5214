import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { openImageSource } from '../../src/blob/image-store.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { chainIds } from '../../snapshotter/pull/pull-plan.js';
import { pullImage } from '../../snapshotter/pull/pull.js';
import { snapshotsClient } from '../harness/snapshotter.js';
import { blobBytesServed, blobRequests, convertToRegistry, layeredImage, startPullEnv } from './env.js';
// Lazy pulls of a converted darner image into containerd through the darner snapshotter, with no
// daemon: the data layers become remote snapshots without one byte of them leaving the registry,
// and the bootstrap layer is unpacked like any layer.
const run = promisify(execFile);
async function convertedImage(env) {
    const image = await layeredImage();
    const summary = await convertToRegistry(image, env.dir, `${env.registry.host}/test/app:conv`);
    const data = summary.manifest.layers.filter((l) => l.mediaType === MediaType.DARNER_BLOB).map((l) => l.digest);
    const bootstrap = summary.manifest.layers[summary.manifest.layers.length - 1];
    const ref = `${env.proxy.host}/test/app:conv`;
    const source = await openImageSource(ref);
    const resolved = await source.resolve();
    await source.close();
    env.proxy.reset();
    return { ref, data, bootstrap, chains: chainIds(resolved.config.rootfs.diff_ids), manifestDigest: summary.manifestDigest };
}
/** The snapshotter's own records and directories for a pulled darner image. */
async function checkBackend(t, env, img) {
    const client = snapshotsClient(env.sn.address);
    t.teardown(() => client.close());
    const infos = (await client.list()).infos;
    for (const [i, blob] of img.data.entries()) {
        const info = infos.find((s) => s.name === img.chains[i]);
        t.truthy(info, `data layer ${i} is a snapshot named by its chain ID`);
        t.is(info?.kind, 'COMMITTED');
        t.is(info?.labels['containerd.io/snapshot/remote'], 'true');
        t.is(info?.labels['containerd.io/snapshot/darner.blob'], blob);
        t.is(info?.labels['containerd.io/snapshot/darner.image'], `${env.proxy.host}/test/app@${img.manifestDigest}`);
    }
    const bootFiles = fs
        .readdirSync(path.join(env.sn.root, 'snapshots'))
        .map((id) => path.join(env.sn.root, 'snapshots', id, 'fs', 'image', 'image.boot'))
        .filter((f) => fs.existsSync(f));
    t.is(bootFiles.length, 1, 'exactly one snapshot holds the unpacked bootstrap');
    const loaded = await loadImageBootstrap(`${env.registry.host}/test/app:conv`, {});
    await loaded.source.close();
    t.true(fs.readFileSync(bootFiles[0]).equals(loaded.bootstrapBytes));
    const ls = await env.ctd.ctr(['snapshots', '--snapshotter', 'darner', 'ls']);
    for (const chain of img.chains)
        t.regex(ls, new RegExp(`^${chain}\\s.*Committed`, 'm'));
}
test('darner pull: data layers are remote and never fetched, the bootstrap layer is unpacked', async (t) => {
    const env = await startPullEnv(t);
    const img = await convertedImage(env);
    t.is(img.data.length, 3);
    const result = await pullImage(img.ref, env.pullOptions);
    t.deepEqual(result.layers.map((l) => l.result), ['remote', 'remote', 'remote', 'unpacked']);
    t.deepEqual(result.layers.map((l) => l.chainId), img.chains);
    t.is(blobRequests(env.proxy, img.data), 0, 'no request for any data blob reached the registry');
    t.is(blobBytesServed(env.proxy, [img.bootstrap.digest]), img.bootstrap.size, 'the bootstrap layer was fetched once');
    t.is(result.fetchedBytes, img.bootstrap.size);
    await checkBackend(t, env, img);
    t.regex(await env.ctd.ctr(['images', 'ls', '-q']), new RegExp(`^${img.ref.replace(/\./g, '\\.')}$`, 'm'));
    // Pulling again: every layer is there already.
    env.proxy.reset();
    const again = await pullImage(img.ref, env.pullOptions);
    t.deepEqual(again.layers.map((l) => l.result), ['present', 'present', 'present', 'present']);
    t.is(blobRequests(env.proxy, [...img.data, img.bootstrap.digest]), 0);
});
test('ctr-remote images rpull: the snapshotter reads stargz labels the same way', async (t) => {
    const env = await startPullEnv(t);
    const img = await convertedImage(env);
    await run('ctr-remote', ['--address', env.ctd.address, 'images', 'rpull', '--plain-http', '--snapshotter', 'darner', img.ref], { timeout: 120_000 });
    t.is(blobRequests(env.proxy, img.data), 0, 'no request for any data blob reached the registry');
    t.is(blobBytesServed(env.proxy, [img.bootstrap.digest]), img.bootstrap.size);
    await checkBackend(t, env, img);
});
test('darner pull of a darner image into a snapshotter that cannot serve it fails at once, naming the reason', async (t) => {
    const env = await startPullEnv(t);
    const img = await convertedImage(env);
    const err = await t.throwsAsync(pullImage(img.ref, { ...env.pullOptions, snapshotter: 'overlayfs' }));
    t.regex(err?.message ?? '', /is a darner data blob, and snapshotter "overlayfs" did not take it as a remote layer/);
    t.is(blobRequests(env.proxy, img.data), 0);
    t.notRegex(await env.ctd.ctr(['snapshots', '--snapshotter', 'overlayfs', 'ls']), /extract-/, 'the prepared snapshot was removed');
    t.is(await env.ctd.ctr(['images', 'ls', '-q']), '', 'no image record for a failed pull');
});
test("containerd's own pull into overlayfs refuses a darner data blob by its media type instead of unpacking it", async (t) => {
    const env = await startPullEnv(t);
    const img = await convertedImage(env);
    const err = await t.throwsAsync(run('ctr', ['--address', env.ctd.address, 'images', 'pull', '--plain-http', '--snapshotter', 'overlayfs', img.ref], { timeout: 120_000 }));
    const output = `${err?.stderr ?? ''}${err?.message ?? ''}`;
    t.log(output.split('\n').filter((l) => /error|fail/i.test(l)).join('\n'));
    t.regex(output, /failed to get stream processor for application\/vnd\.oci\.image\.layer\.darner\.blob\.v1: no processor for media-type/);
    t.notRegex(await env.ctd.ctr(['snapshots', '--snapshotter', 'overlayfs', 'ls']), /Committed/, 'no layer was unpacked');
});
//# sourceMappingURL=darner-image.test.js.map