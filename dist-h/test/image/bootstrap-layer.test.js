/** Taking the bootstrap out of a bootstrap layer's bytes: the whole tar is read and checked. */
import test from 'ava';
import { gzipSync } from 'node:zlib';
import { DigestMismatchError, InvalidManifestError, MalformedBootstrapError } from '../../src/errors.js';
import { bootstrapFromLayerBytes } from '../../src/image/bootstrap-layer.js';
import { buildLayerTar, compressLayer, pseudoRandomBytes, sha256 } from '../harness/layer-tar.js';
const boot = pseudoRandomBytes(10_000, 1);
const bootEntry = { type: 'file', path: 'image/image.boot', data: boot };
test('image.boot with entries before and after it, in every compression', async (t) => {
    const tar = await buildLayerTar([{ type: 'dir', path: 'image' }, bootEntry, { type: 'file', path: 'image/after', data: pseudoRandomBytes(300_000, 2) }]);
    for (const kind of ['gzip', 'zstd', 'none']) {
        const layer = compressLayer(tar, kind);
        t.true((await bootstrapFromLayerBytes(layer.blob, layer.diffId, 'img')).equals(boot), kind);
    }
});
test("the uncompressed tar must match the config's diff_id, bytes after the end-of-archive included", async (t) => {
    const tar = await buildLayerTar([bootEntry]);
    await t.throwsAsync(bootstrapFromLayerBytes(gzipSync(tar), sha256(Buffer.from('other')), 'img'), {
        instanceOf: DigestMismatchError,
        message: /^img: uncompressed bootstrap layer \(the config's diff_id\): digest mismatch/,
    });
    // More zero blocks after the end-of-archive, as some tar writers pad.
    const withTail = Buffer.concat([tar, Buffer.alloc(10_240)]);
    await t.throwsAsync(bootstrapFromLayerBytes(gzipSync(withTail), sha256(tar), 'img'), { instanceOf: DigestMismatchError });
    t.true((await bootstrapFromLayerBytes(gzipSync(withTail), sha256(withTail), 'img')).equals(boot));
});
test('image.boot twice, as a directory, or missing is refused', async (t) => {
    const cases = [
        [[bootEntry, { type: 'file', path: 'image/image.boot', data: 'forged' }], MalformedBootstrapError, /more than once/],
        [[{ type: 'dir', path: 'image/image.boot' }], MalformedBootstrapError, /is a dir, not a file/],
        [[{ type: 'file', path: 'image/other', data: 'x' }], InvalidManifestError, /holds no image\/image.boot/],
    ];
    for (const [entries, type, message] of cases) {
        const tar = await buildLayerTar(entries);
        await t.throwsAsync(bootstrapFromLayerBytes(gzipSync(tar), sha256(tar), 'img'), { instanceOf: type, message });
    }
});
//# sourceMappingURL=bootstrap-layer.test.js.map