import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { digestBatch, digestRanges, digestSync } from '../../src/native.js';
import { chunkDigest, chunkDigests, chunkDigestsOfRanges, Sha256Hasher, sha256Digest, sha256Hex } from '../../src/digest.js';
const MiB = 1024 * 1024;
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const nodeSha256 = (data) => createHash('sha256').update(data).digest('hex');
const BLAKE3_EMPTY = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';
const BLAKE3_ABC = '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85';
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
test('known vectors, batch and sync', async (t) => {
    const abc = Buffer.from('abc');
    t.deepEqual((await digestBatch('blake3', [Buffer.alloc(0), abc])).map(hex), [BLAKE3_EMPTY, BLAKE3_ABC]);
    t.deepEqual((await digestBatch('sha256', [abc])).map(hex), [SHA256_ABC]);
    t.is(hex(digestSync('blake3', Buffer.alloc(0))), BLAKE3_EMPTY);
    t.is(hex(digestSync('blake3', abc)), BLAKE3_ABC);
    t.is(hex(digestSync('sha256', abc)), SHA256_ABC);
});
test('sha256 batch equals node:crypto for inputs of many sizes', async (t) => {
    const sizes = [0, 1, 63, 64, 65, 4095, 4096, 4097, MiB + 1];
    const chunks = sizes.map((size) => randomBytes(size));
    const digests = await digestBatch('sha256', chunks);
    t.is(digests.length, chunks.length);
    digests.forEach((digest, i) => {
        t.is(digest.length, 32);
        t.is(hex(digest), nodeSha256(chunks[i]), `size ${sizes[i]}`);
    });
});
test('thousands of small chunks come back in order', async (t) => {
    const chunks = Array.from({ length: 3000 }, (_, i) => randomBytes(i % 4097));
    const digests = await digestBatch('sha256', chunks);
    t.deepEqual(digests.map(hex), chunks.map(nodeSha256));
});
test('blake3 batch (threaded for large chunks) equals the single-threaded sync digest', async (t) => {
    // 2 MiB + 3 is above the size where the batch lets blake3 split one input over threads.
    const chunks = [0, 1, 1024, 1025, 4096, MiB, 2 * MiB + 3].map((size) => randomBytes(size));
    const batch = await digestBatch('blake3', chunks);
    t.deepEqual(batch.map(hex), chunks.map((chunk) => hex(digestSync('blake3', chunk))));
});
test('subarrays and plain Uint8Arrays are digested over exactly their bytes', async (t) => {
    const backing = Buffer.from('xxabcyy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 3);
    t.deepEqual((await digestBatch('sha256', [backing.subarray(2, 5), view])).map(hex), [SHA256_ABC, SHA256_ABC]);
});
test('digestRanges equals digestBatch of the slices', async (t) => {
    const data = randomBytes(3 * 4096 + 100);
    const lengths = [4096, 0, 1, 4095, 4096, 50]; // sums to less than the data: the rest is ignored
    const slices = [];
    let offset = 0;
    for (const length of lengths) {
        slices.push(data.subarray(offset, offset + length));
        offset += length;
    }
    for (const algorithm of ['blake3', 'sha256']) {
        const ranges = await digestRanges(algorithm, data, lengths);
        const batch = await digestBatch(algorithm, slices);
        t.deepEqual(ranges.map(hex), batch.map(hex), algorithm);
    }
    t.deepEqual(await digestRanges('blake3', data, []), []);
});
test('ranges that run past the buffer are refused with a clear error', async (t) => {
    const data = Buffer.alloc(100);
    const past = await t.throwsAsync(digestRanges('blake3', data, [60, 41]));
    t.is(past.code, 'ERR_OUT_OF_RANGE');
    t.regex(past.message, /lengths\[1\] = 41 runs past the end of the data: the range starts at byte 60 of 100/);
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 64]) {
        const err = await t.throwsAsync(digestRanges('sha256', data, [bad]));
        t.is(err.code, 'ERR_OUT_OF_RANGE', String(bad));
    }
});
test('an unknown algorithm or a non-buffer input is refused', async (t) => {
    const err = await t.throwsAsync(digestBatch('md5', [Buffer.from('abc')]));
    t.is(err.code, 'ERR_INVALID_ARG_VALUE');
    t.throws(() => digestSync('md5', Buffer.alloc(1)), { code: 'ERR_INVALID_ARG_VALUE' });
    await t.throwsAsync(digestBatch('blake3', ['abc']));
    await t.throwsAsync(digestBatch('blake3', 'abc'));
});
test('an empty batch resolves to no digests', async (t) => {
    t.deepEqual(await digestBatch('blake3', []), []);
});
test('a large batch is digested off the JavaScript thread', async (t) => {
    const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(MiB, i));
    // If digestBatch hashed on this thread, the promise would be settled before the event loop
    // got to the setImmediate callback; off the thread, the callback runs while the batch is busy.
    let immediateRan = false;
    setImmediate(() => {
        immediateRan = true;
    });
    let immediateRanBeforeResult;
    const digests = await digestBatch('blake3', chunks).then((result) => {
        immediateRanBeforeResult = immediateRan;
        return result;
    });
    t.true(immediateRanBeforeResult);
    t.is(digests.length, 64);
    t.is(hex(digests[5]), hex(digestSync('blake3', Buffer.alloc(MiB, 5))));
});
test('concurrent batches each get their own results', async (t) => {
    const sets = Array.from({ length: 8 }, () => Array.from({ length: 16 }, () => randomBytes(8192)));
    const results = await Promise.all(sets.map((chunks) => digestBatch('sha256', chunks)));
    results.forEach((digests, i) => t.deepEqual(digests.map(hex), sets[i].map(nodeSha256)));
});
test('digest.ts: sha256 helpers and chunk digests', async (t) => {
    t.is(sha256Hex('abc'), SHA256_ABC);
    t.is(sha256Digest(Buffer.from('abc')), `sha256:${SHA256_ABC}`);
    const hasher = new Sha256Hasher();
    hasher.update(Buffer.from('a')).update(new Uint8Array([98, 99]));
    t.is(hasher.size, 3);
    t.is(hasher.digest(), `sha256:${SHA256_ABC}`);
    const digests = await chunkDigests('blake3', [Buffer.from('abc')]);
    t.true(digests[0] instanceof Uint8Array);
    t.is(hex(digests[0]), BLAKE3_ABC);
    t.is(hex(chunkDigest('sha256', Buffer.from('abc'))), SHA256_ABC);
    t.deepEqual((await chunkDigestsOfRanges('blake3', Buffer.from('abcabc'), [3, 3])).map(hex), [BLAKE3_ABC, BLAKE3_ABC]);
});
//# sourceMappingURL=digest.test.js.map