/**
 * decompressLayer over a verifying source: a small blob whose digest is wrong fails the stream
 * with the source's DigestMismatchError, in whatever tick the source reports it, and never as an
 * unhandled 'error' event (which would end the process).
 */
import test from 'ava';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress } from 'zstd-napi';
import { VerifyingStream } from '../../src/blob/verify.js';
import { DigestMismatchError } from '../../src/errors.js';
import { decompressLayer } from '../../src/layer/decompress.js';
import { buildLayerTar, sha256 } from '../harness/layer-tar.js';
async function readAll(stream) {
    const parts = [];
    for await (const piece of stream)
        parts.push(piece);
    return Buffer.concat(parts);
}
const tar = await buildLayerTar([{ type: 'file', path: 'image/image.boot', data: 'a small bootstrap\n' }]);
const layers = { gzip: gzipSync(tar), zstd: Buffer.from(zstdCompress(tar)), none: tar };
for (const [kind, layer] of Object.entries(layers)) {
    test(`${kind}: a small layer with a wrong digest fails the stream, 20 times out of 20, and nothing crashes`, async (t) => {
        const wrong = sha256(Buffer.concat([layer, Buffer.from('x')]));
        for (let i = 0; i < 20; i++) {
            // A response body piped into the verifier, as the image sources do; all of its bytes and
            // its end arrive at once, as a small registry response's do: in the tick the consumer starts
            // (even tries) or in a later one (odd tries).
            const body = new PassThrough();
            const source = new VerifyingStream('blob', wrong, layer.length);
            body.pipe(source);
            const reading = readAll(decompressLayer(source));
            const arrive = () => {
                body.write(layer);
                body.end();
            };
            if (i % 2 === 0)
                arrive();
            else
                setImmediate(arrive);
            await t.throwsAsync(reading, { instanceOf: DigestMismatchError }, `try ${i}`);
        }
    });
    test(`${kind}: the right digest gives the tar`, async (t) => {
        const source = new VerifyingStream('blob', sha256(layer), layer.length);
        source.end(layer);
        t.true((await readAll(decompressLayer(source))).equals(tar));
    });
}
test('a source that fails before its first byte fails the stream', async (t) => {
    const source = new Readable({ read() { } });
    const failing = decompressLayer(source);
    source.destroy(new DigestMismatchError('blob', 'sha256:a', 'sha256:b'));
    await t.throwsAsync(readAll(failing), { instanceOf: DigestMismatchError });
});
test('an empty source gives an empty stream; a source shorter than the magic is passed through', async (t) => {
    t.is((await readAll(decompressLayer(Readable.from([], { objectMode: false })))).length, 0);
    t.deepEqual(await readAll(decompressLayer(Readable.from([Buffer.from([0x1f])], { objectMode: false }))), Buffer.from([0x1f]));
});
//# sourceMappingURL=decompress.test.js.map