import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer as readAll } from 'node:stream/consumers';
import { openImageSource, openImageTarget } from '../../src/blob/image-store.js';
import { RegistryClient } from '../../src/blob/registry.js';
import { InvalidManifestError, NoMatchingPlatformError, UnsupportedError } from '../../src/errors.js';
import { sha256Digest } from '../../src/digest.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { makeIndex, makeTestImage, tarOf } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import tar from 'tar-stream';
let registry;
let client;
let amd;
let arm;
let armv7;
const opts = { dockerConfigPath: null };
test.before(async () => {
    registry = await startRegistry();
    client = new RegistryClient(registry.host, opts);
    amd = await makeTestImage({ layers: [{ 'amd.txt': 'amd64' }, { 'common.txt': 'shared' }] });
    arm = await makeTestImage({ layers: [{ 'arm.txt': 'arm64' }], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    armv7 = await makeTestImage({
        layers: [{ 'arm.txt': 'armv7' }],
        platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
        mediaType: MediaType.DOCKER_MANIFEST,
    });
    for (const image of [amd, arm, armv7]) {
        for (const b of image.blobs)
            await client.pushBlob('store/multi', b.desc, b.bytes);
        await client.putManifest('store/multi', image.manifest.desc.digest, image.manifest.bytes, image.manifest.desc.mediaType);
    }
    const index = makeIndex([
        { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
        { image: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { image: armv7, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    ]);
    await client.putManifest('store/multi', 'v1', index.bytes, MediaType.OCI_INDEX);
    await client.putManifest('store/multi', 'amd-only', amd.manifest.bytes, MediaType.OCI_MANIFEST);
});
test.after.always(async () => {
    await client?.close();
    await registry?.stop();
});
async function source(t, ref, platform) {
    const s = await openImageSource(ref, { ...opts, ...(platform ? { platform } : {}) });
    t.teardown(() => s.close());
    return s;
}
async function target(t, ref) {
    const s = await openImageTarget(ref, opts);
    t.teardown(() => s.close());
    return s;
}
async function tempDir(t) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-store-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return dir;
}
test('multi-platform index: the platform picks the manifest; the host platform by default', async (t) => {
    const ref = `docker://${registry.host}/store/multi:v1`;
    const picked = await (await source(t, ref, 'linux/arm64')).resolve();
    t.is(picked.manifestDigest, arm.manifest.desc.digest);
    t.is(picked.config.architecture, 'arm64');
    t.truthy(picked.indexDigest);
    const v7 = await (await source(t, ref)).resolve('linux/arm/v7');
    t.is(v7.manifestDigest, armv7.manifest.desc.digest);
    t.is(v7.manifestMediaType, MediaType.DOCKER_MANIFEST);
    if (process.arch === 'x64') {
        const host = await (await source(t, ref)).resolve();
        t.is(host.manifestDigest, amd.manifest.desc.digest);
    }
    const err = await t.throwsAsync((await source(t, ref, 'linux/s390x')).resolve(), { instanceOf: NoMatchingPlatformError });
    t.is(err.message, 'no image for platform linux/s390x (available: linux/amd64, linux/arm64, linux/arm/v7)');
});
test('a nested index is followed to the image; an empty index says it lists no manifests', async (t) => {
    const inner = makeIndex([
        { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
        { image: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ]);
    await client.putManifest('store/multi', inner.desc.digest, inner.bytes, MediaType.OCI_INDEX);
    const outer = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [inner.desc] }));
    await client.putManifest('store/multi', 'nested', outer, MediaType.OCI_INDEX);
    const ref = `docker://${registry.host}/store/multi:nested`;
    const picked = await (await source(t, ref)).resolve('linux/arm64');
    t.is(picked.manifestDigest, arm.manifest.desc.digest);
    t.is(picked.indexDigest, sha256Digest(outer));
    t.is((await (await source(t, ref)).resolve('linux/amd64')).manifestDigest, amd.manifest.desc.digest);
    const empty = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [] }));
    await client.putManifest('store/multi', 'empty', empty, MediaType.OCI_INDEX);
    await t.throwsAsync((await source(t, `${registry.host}/store/multi:empty`)).resolve('linux/amd64'), {
        instanceOf: InvalidManifestError,
        message: `docker://${registry.host}/store/multi:empty: index ${sha256Digest(empty)}: the index lists no manifests`,
    });
});
test('a registry source gives verified blobs, range reads and a BlobReader', async (t) => {
    const s = await source(t, `${registry.host}/store/multi@${amd.manifest.desc.digest}`);
    const image = await s.resolve();
    t.deepEqual(image.manifestBytes, amd.manifest.bytes);
    t.deepEqual(image.configBytes, amd.config.bytes);
    t.deepEqual(image.config.rootfs.diff_ids, amd.layers.map((l) => l.diffId));
    const layer = amd.layers[1];
    t.deepEqual(await readAll(await s.openBlob(layer.desc)), layer.bytes);
    t.deepEqual(await s.readBlob(layer.desc), layer.bytes);
    t.deepEqual(await s.blobReader().readRange(layer.desc.digest, 3, 10), layer.bytes.subarray(3, 13));
});
test('registry → OCI layout → registry round trip keeps every digest', async (t) => {
    const dir = await tempDir(t);
    const src = await source(t, `docker://${registry.host}/store/multi:amd-only`);
    const image = await src.resolve();
    const layoutTarget = await target(t, `oci:${dir}:copied`);
    // Blobs first (streamed from the source, verified on both sides), the manifest and tag last.
    for (const desc of [image.configDescriptor, ...image.layers])
        await layoutTarget.putBlob(desc, () => src.openBlob(desc));
    t.is(await layoutTarget.putManifest(image.manifestBytes, image.manifestMediaType), image.manifestDigest);
    const fromLayout = await source(t, `oci:${dir}:copied`);
    const again = await fromLayout.resolve();
    t.is(again.manifestDigest, image.manifestDigest);
    const first = image.layers[0];
    t.deepEqual(await fromLayout.blobReader().readRange(first.digest, 2, 8), await src.readRange(first.digest, 2, 8));
    // Back into another repository of the registry: mount what the registry has, upload the rest.
    const regTarget = await target(t, `docker://${registry.host}/store/copy:v2`);
    for (const desc of [again.configDescriptor, ...again.layers]) {
        if (!(await regTarget.mountBlob(desc.digest, 'store/multi'))) {
            await regTarget.putBlob(desc, { path: join(dir, 'blobs', 'sha256', desc.digest.slice(7)) });
        }
    }
    t.is(await regTarget.putManifest(again.manifestBytes, again.manifestMediaType), image.manifestDigest);
    const back = await (await source(t, `docker://${registry.host}/store/copy:v2`)).resolve();
    t.is(back.manifestDigest, image.manifestDigest);
});
test('docker-archive source → registry target; docker-archive is not a target', async (t) => {
    const dir = await tempDir(t);
    const layer = await tarOf({ 'hello.txt': 'from docker save' });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] } }));
    const p = tar.pack();
    p.entry({ name: 'abc/layer.tar' }, layer);
    p.entry({ name: 'config.json' }, config);
    p.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'config.json', RepoTags: ['hello:1'], Layers: ['abc/layer.tar'] }]));
    p.finalize();
    const chunks = [];
    for await (const c of p)
        chunks.push(c);
    const path = join(dir, 'hello.tar');
    await writeFile(path, Buffer.concat(chunks));
    const s = await source(t, `docker-archive:${path}:hello:1`);
    const image = await s.resolve();
    t.is(image.layers[0].digest, sha256Digest(layer));
    t.is(image.manifestMediaType, MediaType.OCI_MANIFEST);
    const to = await target(t, `${registry.host}/store/from-archive:1`);
    for (const desc of [image.configDescriptor, ...image.layers]) {
        const bytes = await readAll(await s.openBlob(desc));
        await to.putBlob(desc, bytes);
    }
    await to.putManifest(image.manifestBytes, image.manifestMediaType);
    const pulled = await (await source(t, `${registry.host}/store/from-archive:1`)).resolve();
    t.is(pulled.manifestDigest, image.manifestDigest);
    t.deepEqual(pulled.configBytes, config);
    await t.throwsAsync(openImageTarget(`docker-archive:${path}`), { instanceOf: UnsupportedError });
});
test('an OCI layout whose index.json lists one manifest per platform is resolved by platform', async (t) => {
    const dir = await tempDir(t);
    const to = await target(t, `oci:${dir}`);
    const layoutIndex = [];
    for (const [image, platform] of [[amd, { os: 'linux', architecture: 'amd64' }], [arm, { os: 'linux', architecture: 'arm64' }]]) {
        for (const b of image.blobs)
            await to.putBlob(b.desc, b.bytes);
        layoutIndex.push({ image, platform });
    }
    const index = makeIndex(layoutIndex);
    // index.json itself lists one manifest per platform, without tags (as buildx writes an OCI export).
    await writeFile(join(dir, 'index.json'), index.bytes);
    for (const { image } of layoutIndex)
        await writeFile(join(dir, 'blobs', 'sha256', image.manifest.desc.digest.slice(7)), image.manifest.bytes);
    t.is((await (await source(t, `oci:${dir}`, 'linux/arm64')).resolve()).manifestDigest, arm.manifest.desc.digest);
    t.is((await (await source(t, `oci:${dir}`, 'linux/amd64')).resolve()).manifestDigest, amd.manifest.desc.digest);
    // Only attestations: said so, naming the layout.
    const unknown = { os: 'unknown', architecture: 'unknown' };
    await writeFile(join(dir, 'index.json'), makeIndex([{ image: amd, platform: unknown }, { image: arm, platform: unknown }]).bytes);
    await t.throwsAsync((await source(t, `oci:${dir}`, 'linux/amd64')).resolve(), {
        instanceOf: InvalidManifestError,
        message: `oci:${dir}: index.json: the index lists no image manifests (only attestations)`,
    });
});
//# sourceMappingURL=image-store.test.js.map