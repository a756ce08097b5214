import test from 'ava';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buffer as readAll } from 'node:stream/consumers';
import tar from 'tar-stream';
import { DockerArchive } from '../../src/blob/docker-archive.js';
import { BadRangeError, BadTarError, DigestMismatchError, NotFoundError, UnsupportedError } from '../../src/errors.js';
import { sha256Digest } from '../../src/digest.js';
import { digestHex } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { tarOf } from '../harness/images.js';
async function pack(members) {
    const p = tar.pack();
    for (const m of members) {
        if (m.linkname !== undefined)
            p.entry({ name: m.name, type: 'symlink', linkname: m.linkname });
        else
            p.entry({ name: m.name }, m.data);
    }
    p.finalize();
    const chunks = [];
    for await (const c of p)
        chunks.push(c);
    return Buffer.concat(chunks);
}
function configFor(diffIds) {
    return Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
}
/** `docker save` before docker 25: <id>/layer.tar, <hex>.json, a symlink for a repeated layer. */
async function oldFormat() {
    const l1 = await tarOf({ 'etc/hostname': 'old-format\n' });
    const l2 = await tarOf({ 'bin/tool': Buffer.alloc(3000, 7) });
    const layers = [l1, l2, l1]; // the third repeats the first: docker writes a symlink
    const config = configFor(layers.map((l) => sha256Digest(l)));
    const cfgName = `${digestHex(sha256Digest(config))}.json`;
    const ids = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
    const members = [
        { name: `${ids[0]}/`, data: Buffer.alloc(0) },
        { name: `${ids[0]}/VERSION`, data: Buffer.from('1.0') },
        { name: `${ids[0]}/layer.tar`, data: l1 },
        { name: `${ids[1]}/layer.tar`, data: l2 },
        { name: `${ids[2]}/layer.tar`, linkname: `../${ids[0]}/layer.tar` },
        { name: cfgName, data: config },
        {
            name: 'manifest.json',
            data: Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: ['example/old:1'], Layers: ids.map((id) => `${id}/layer.tar`) }])),
        },
        { name: 'repositories', data: Buffer.from('{}') },
    ].filter((m) => !m.name.endsWith('/'));
    return { archive: await pack(members), layers, config };
}
/** docker 25+: blobs/sha256/<hex> members; here with a gzip layer and a plain one, two images. */
async function newFormat() {
    const plain = await tarOf({ 'etc/os-release': 'new-format\n' });
    const gz = gzipSync(await tarOf({ 'usr/share/doc': 'compressed layer' }));
    const config = configFor([sha256Digest(plain), sha256Digest(await tarOf({ 'usr/share/doc': 'compressed layer' }))]);
    const config2 = configFor([sha256Digest(plain)]);
    const blobName = (b) => `blobs/sha256/${digestHex(sha256Digest(b))}`;
    const manifest = [
        { Config: blobName(config), RepoTags: ['registry.example.com/app:2', 'app:latest'], Layers: [blobName(plain), blobName(gz)] },
        { Config: blobName(config2), RepoTags: ['busybox:1.36'], Layers: [blobName(plain)] },
    ];
    const archive = await pack([
        { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
        { name: blobName(plain), data: plain },
        { name: blobName(gz), data: gz },
        { name: blobName(config), data: config },
        { name: blobName(config2), data: config2 },
        { name: 'index.json', data: Buffer.from('{"schemaVersion":2,"manifests":[]}') },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
    ]);
    return { archive, layers: [plain, gz], config, config2 };
}
async function writeTemp(t, bytes) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-archive-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'image.tar');
    await writeFile(path, bytes);
    return path;
}
test('old docker save layout: layer.tar members, a symlinked repeated layer', async (t) => {
    const { archive, layers, config } = await oldFormat();
    const a = await DockerArchive.open(await writeTemp(t, archive));
    t.teardown(() => a.close());
    const image = await a.loadImage();
    t.deepEqual(image.repoTags, ['example/old:1']);
    t.deepEqual(image.configDescriptor, { mediaType: MediaType.OCI_CONFIG, digest: sha256Digest(config), size: config.length });
    t.deepEqual(image.layers, layers.map((l) => ({ mediaType: MediaType.OCI_LAYER_TAR, digest: sha256Digest(l), size: l.length })));
    t.is(image.manifestDigest, sha256Digest(image.manifestBytes));
    t.deepEqual(JSON.parse(image.manifestBytes.toString()), image.manifest);
    for (const l of layers) {
        t.deepEqual(await readAll(a.openBlob(sha256Digest(l))), l);
        t.deepEqual(await a.readRange(sha256Digest(l), 512, 100), l.subarray(512, 612));
    }
    t.deepEqual(await a.readBlob(sha256Digest(config)), config);
    await t.throwsAsync(a.readRange(sha256Digest(layers[0]), layers[0].length - 1, 2), { instanceOf: BadRangeError });
    await t.throwsAsync(a.readRange(sha256Digest(Buffer.from('x')), 0, 1), { instanceOf: NotFoundError });
});
test('new docker save layout: blobs/sha256 members, gzip sniffed, images picked by name or index', async (t) => {
    const { archive, layers, config, config2 } = await newFormat();
    const a = await DockerArchive.open(await writeTemp(t, archive));
    t.teardown(() => a.close());
    t.throws(() => a.selectImage(), { instanceOf: NotFoundError, message: /holds 2 images; pick one with :NAME:TAG or :@N \(@0 \(registry.example.com\/app:2, app:latest\), @1 \(busybox:1.36\)\)/ });
    const first = await a.loadImage({ name: 'docker.io/library/app:latest' });
    t.is(first.configDescriptor.digest, sha256Digest(config));
    t.deepEqual(first.layers.map((l) => l.mediaType), [MediaType.OCI_LAYER_TAR, MediaType.OCI_LAYER_TAR_GZIP]);
    t.deepEqual(first.layers.map((l) => l.digest), layers.map((l) => sha256Digest(l)));
    t.deepEqual(await readAll(a.openBlob(sha256Digest(layers[1]))), layers[1]);
    const second = await a.loadImage({ index: 1 });
    t.is(second.configDescriptor.digest, sha256Digest(config2));
    t.is((await a.loadImage({ name: 'busybox:1.36' })).manifestDigest, second.manifestDigest);
    t.throws(() => a.selectImage({ name: 'nope:1' }), { instanceOf: NotFoundError });
    t.throws(() => a.selectImage({ index: 2 }), { instanceOf: NotFoundError });
});
test('hostile archives: truncated, compressed, lying names, missing members', async (t) => {
    const { archive } = await oldFormat();
    const truncated = await writeTemp(t, archive);
    await truncate(truncated, 3000);
    await t.throwsAsync(DockerArchive.open(truncated), { instanceOf: BadTarError, message: /past the end of the archive \(3000 bytes\)/ });
    await t.throwsAsync(DockerArchive.open(await writeTemp(t, gzipSync(archive))), { instanceOf: UnsupportedError, message: /compressed/ });
    await t.throwsAsync(DockerArchive.open(join(tmpdir(), 'darner-no-such-archive.tar')), { instanceOf: NotFoundError });
    // A blobs/sha256/<hex> member whose bytes are not <hex>.
    const layer = await tarOf({ f: 'x' });
    const config = configFor([sha256Digest(layer)]);
    const lying = await pack([
        { name: `blobs/sha256/${'0'.repeat(64)}`, data: layer },
        { name: 'cfg.json', data: config },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'cfg.json', Layers: [`blobs/sha256/${'0'.repeat(64)}`] }])) },
    ]);
    const l = await DockerArchive.open(await writeTemp(t, lying));
    t.teardown(() => l.close());
    await t.throwsAsync(l.loadImage(), { instanceOf: DigestMismatchError });
    // An uncompressed layer that is not the diff_id the config promises.
    const mismatched = await pack([
        { name: 'l.tar', data: layer },
        { name: 'cfg.json', data: configFor([sha256Digest(Buffer.from('other'))]) },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'cfg.json', Layers: ['l.tar'] }])) },
    ]);
    const m = await DockerArchive.open(await writeTemp(t, mismatched));
    t.teardown(() => m.close());
    await t.throwsAsync(m.loadImage(), { instanceOf: DigestMismatchError, message: /diff_id 0/ });
    const missing = await pack([
        { name: 'cfg.json', data: config },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'cfg.json', Layers: ['gone/layer.tar'] }])) },
    ]);
    const g = await DockerArchive.open(await writeTemp(t, missing));
    t.teardown(() => g.close());
    await t.throwsAsync(g.loadImage(), { instanceOf: NotFoundError, message: /no member "gone\/layer.tar"/ });
    const noManifest = await pack([{ name: 'x', data: Buffer.from('y') }]);
    await t.throwsAsync(DockerArchive.open(await writeTemp(t, noManifest)), { instanceOf: NotFoundError, message: /manifest.json/ });
});
//# sourceMappingURL=docker-archive.test.js.map