import test from 'ava';
import { compress } from 'zstd-napi';
import { verifyStoredRange } from '../../src/chunk-verify.js';
import { CHUNK_FLAG_ZSTD } from '../../src/format/model.js';
import { decodeVerifyBatch, digestSync } from '../../src/native.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
test('decodeVerifyBatch decodes zstd and raw chunks and checks each digest', async (t) => {
    const a = Buffer.alloc(100_000, 'zstd me ');
    const b = pseudoRandomBytes(5000, 1);
    const za = compress(a);
    const stored = Buffer.concat([Buffer.from('xx'), za, b]);
    const layout = [2, za.length, a.length, CHUNK_FLAG_ZSTD, 2 + za.length, b.length, b.length, 0];
    for (const algorithm of ['blake3', 'sha256']) {
        const digests = Buffer.concat([digestSync(algorithm, a), digestSync(algorithm, b)]);
        const r = await decodeVerifyBatch(algorithm, stored, layout, digests);
        t.deepEqual(r.status, [0, 0]);
        t.true(r.data.equals(Buffer.concat([a, b])));
        t.true(r.digests.equals(digests));
    }
});
test('bad chunks get a status, good ones next to them still verify; bad layouts reject', async (t) => {
    const a = Buffer.alloc(50_000, 'abc');
    const za = compress(a);
    const broken = Buffer.from(za);
    broken[broken.length - 3] ^= 0xff;
    const stored = Buffer.concat([za, broken, za]);
    const good = digestSync('blake3', a);
    const layout = [0, za.length, a.length, 1, za.length, za.length, a.length, 1, 2 * za.length, za.length, a.length - 1, 1];
    const r = await decodeVerifyBatch('blake3', stored, layout, Buffer.concat([good, good, good]));
    t.is(r.status[0], 0);
    t.not(r.status[1], 0);
    t.is(r.status[2], 2, 'a frame larger than its recorded size does not decode');
    await t.throwsAsync(() => decodeVerifyBatch('blake3', stored, [0, stored.length + 1, 10, 0], good), { code: 'ERR_OUT_OF_RANGE' });
    await t.throwsAsync(() => decodeVerifyBatch('blake3', stored, [0, 10, 10, 4], good), { code: 'ERR_OUT_OF_RANGE' });
    await t.throwsAsync(() => decodeVerifyBatch('md5', stored, [0, 10, 10, 0], good), { code: 'ERR_INVALID_ARG_VALUE' });
});
test('verifyStoredRange turns statuses into typed errors', async (t) => {
    const a = pseudoRandomBytes(4096, 2);
    const record = (over) => ({
        blobIndex: 0, compressedOffset: 100, compressedSize: 4096, uncompressedOffset: 0, uncompressedSize: 4096, flags: 0, digest: digestSync('blake3', a), ...over,
    });
    const range = Buffer.concat([a, Buffer.from('tail')]);
    const [ok, wrongDigest, wrongFlags] = await verifyStoredRange('blake3', 'f'.repeat(64), range, 100, [
        record({}),
        record({ digest: new Uint8Array(32) }),
        record({ flags: CHUNK_FLAG_ZSTD }),
    ]);
    t.true(ok.ok);
    t.true(!wrongDigest.ok && wrongDigest.error.code === 'DIGEST_MISMATCH');
    t.true(!wrongFlags.ok && wrongFlags.error.code === 'CORRUPT_CHUNK');
    await t.throwsAsync(() => verifyStoredRange('blake3', 'f'.repeat(64), range, 100, [record({ compressedOffset: 99 })]), { instanceOf: RangeError });
});
//# sourceMappingURL=decode-verify.test.js.map