import test from 'ava';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { OciLayout } from '../../src/blob/oci-layout.js';
import { BadRangeError, DigestMismatchError, NotFoundError, SizeMismatchError } from '../../src/errors.js';
import { sha256Digest } from '../../src/digest.js';
import { Annotation, MediaType } from '../../src/oci/image-spec.js';
import { makeTestImage } from '../harness/images.js';
async function tempDir(t) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-layout-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return dir;
}
test('write an image and read it back', async (t) => {
    const dir = join(await tempDir(t), 'out');
    const layout = await OciLayout.create(dir);
    const image = await makeTestImage({ layers: [{ a: 'one' }, { b: 'two' }] });
    await writeFile(join(dir, '..', 'layer1'), image.layers[1].bytes);
    await layout.writeBlob(image.config.desc, image.config.bytes);
    await layout.writeBlob(image.layers[0].desc, () => Readable.from([image.layers[0].bytes]));
    await layout.writeBlob(image.layers[1].desc, { path: join(dir, '..', 'layer1') });
    const digest = await layout.putManifest(image.manifest.bytes, MediaType.OCI_MANIFEST, 'v1');
    t.is(digest, image.manifest.desc.digest);
    t.deepEqual(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    const reopened = await OciLayout.open(dir);
    const entry = await reopened.findManifest('v1');
    t.deepEqual(entry, { ...image.manifest.desc, annotations: { [Annotation.REF_NAME]: 'v1' } });
    t.deepEqual(await reopened.findManifest(), entry);
    t.deepEqual(await reopened.readBlob(image.manifest.desc.digest), image.manifest.bytes);
    for (const b of image.blobs) {
        t.deepEqual(await readAll(await reopened.openBlob(b.desc.digest, b.desc.size)), b.bytes);
        t.deepEqual(await reopened.readRange(b.desc.digest, 1, 5), b.bytes.subarray(1, 6));
    }
    const last = image.config.bytes.length;
    await t.throwsAsync(reopened.readRange(image.config.desc.digest, last - 2, 5), { instanceOf: BadRangeError });
    await t.throwsAsync(reopened.readRange(sha256Digest(Buffer.from('absent')), 0, 1), { instanceOf: NotFoundError });
    await t.throwsAsync(reopened.openBlob(image.config.desc.digest, image.config.desc.size + 1), { instanceOf: SizeMismatchError });
    await t.throwsAsync(reopened.findManifest('v2'), { instanceOf: NotFoundError, message: /no image tagged "v2" \(tags: v1\)/ });
});
test('tags move; untagged manifests are added once; streams of unknown digest', async (t) => {
    const layout = await OciLayout.create(await tempDir(t));
    const a = Buffer.from(JSON.stringify({ schemaVersion: 2, a: 1 }));
    const b = Buffer.from(JSON.stringify({ schemaVersion: 2, b: 1 }));
    await layout.putManifest(a, MediaType.OCI_MANIFEST, 'latest');
    await layout.putManifest(b, MediaType.OCI_MANIFEST, 'latest');
    await layout.putManifest(a, MediaType.OCI_MANIFEST);
    await layout.putManifest(a, MediaType.OCI_MANIFEST);
    const index = await layout.readIndex();
    t.deepEqual(index.manifests.map((d) => [d.digest, d.annotations?.[Annotation.REF_NAME]]), [
        [sha256Digest(b), 'latest'],
        [sha256Digest(a), undefined],
    ]);
    await t.throwsAsync(layout.findManifest(), { instanceOf: NotFoundError, message: /holds 2 images/ });
    const stored = await layout.writeBlobStream(Readable.from([Buffer.from('abc'), Buffer.from('def')]));
    t.deepEqual(stored, { digest: sha256Digest(Buffer.from('abcdef')), size: 6 });
    t.true(await layout.hasBlob(stored.digest));
});
test('a failed blob write leaves no blob, no temp file and index.json untouched', async (t) => {
    const dir = await tempDir(t);
    const layout = await OciLayout.create(dir);
    const good = Buffer.from(JSON.stringify({ schemaVersion: 2 }));
    await layout.putManifest(good, MediaType.OCI_MANIFEST, 'v1');
    const indexBefore = await readFile(join(dir, 'index.json'));
    const blobsBefore = await readdir(join(dir, 'blobs', 'sha256'));
    const bytes = Buffer.from('the real layer');
    const digest = sha256Digest(bytes);
    // Wrong bytes for the digest.
    await t.throwsAsync(layout.writeBlob({ digest, size: bytes.length }, () => Readable.from([Buffer.from('the fake layer')])), { instanceOf: DigestMismatchError });
    // A stream that dies halfway.
    const dying = () => new Readable({
        read() {
            this.push(bytes.subarray(0, 4));
            this.destroy(new Error('source went away'));
        },
    });
    await t.throwsAsync(layout.writeBlob({ digest, size: bytes.length }, dying), { message: 'source went away' });
    // Too many bytes.
    await t.throwsAsync(layout.writeBlob({ digest, size: 3 }, bytes), { instanceOf: SizeMismatchError });
    t.false(await layout.hasBlob(digest));
    t.deepEqual(await readdir(join(dir, 'blobs', 'sha256')), blobsBefore);
    t.deepEqual(await readFile(join(dir, 'index.json')), indexBefore);
});
test('a corrupted blob in a layout fails verification; a directory that is not a layout is refused', async (t) => {
    const dir = await tempDir(t);
    const layout = await OciLayout.create(dir);
    const bytes = Buffer.from('layout blob');
    const digest = sha256Digest(bytes);
    await layout.writeBlob({ digest, size: bytes.length }, bytes);
    await writeFile(layout.blobPath(digest), Buffer.from('layout blOb'));
    await t.throwsAsync(readAll(await layout.openBlob(digest, bytes.length)), { instanceOf: DigestMismatchError });
    await t.throwsAsync(layout.readBlob(digest), { instanceOf: DigestMismatchError });
    await t.throwsAsync(OciLayout.open(await tempDir(t)), { instanceOf: NotFoundError, message: /is not an OCI image layout/ });
});
//# sourceMappingURL=oci-layout.test.js.map