import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImage } from '../../converter/check.js';
import { digestKey } from '../../converter/chunk-store.js';
import { convertImage } from '../../converter/convert.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { buildOciImage, writeOciLayout } from '../harness/oci-image.js';
const MiB = 1024 * 1024;
function tempDir(t) {
    const dir = mkdtempSync(join(tmpdir(), 'darner-dedup-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
}
test('layers that repeat 30% of their data convert to at most 75% of the input (no compression)', async (t) => {
    const dir = tempDir(t);
    // 14 unique 1 MiB files over three layers, plus 6 that repeat earlier ones: 6 of the 20 MiB
    // of file data (30%) are repeats.
    const unique = Array.from({ length: 14 }, (_, i) => pseudoRandomBytes(MiB, 100 + i));
    const files = (from, to, prefix) => unique.slice(from, to).map((data, i) => ({ type: 'file', path: `${prefix}/f${from + i}`, data }));
    const layers = [
        files(0, 6, 'l1'),
        [...files(6, 10, 'l2'), ...files(0, 3, 'l2-again')],
        [...files(10, 14, 'l3'), ...files(4, 7, 'l3-again')],
    ];
    const image = await buildOciImage({ name: 'dedup/a:1', layers, compression: 'none' });
    await writeOciLayout(image, join(dir, 'src'));
    const summary = await convertImage(`oci:${join(dir, 'src')}`, `oci:${join(dir, 'out')}:d`, { compressor: 'none' });
    t.is(summary.duplicateChunks, 6);
    t.true(summary.outputBytes <= 0.75 * summary.inputTarBytes, `${summary.outputBytes} vs ${summary.inputTarBytes}`);
    t.true(summary.outputBytes >= 14 * MiB, 'every unique byte is stored');
});
test('a second version converted with --chunk-dict of the first stores no chunk twice', async (t) => {
    const dir = tempDir(t);
    const base = Array.from({ length: 6 }, (_, i) => pseudoRandomBytes(MiB + i * 4096, 200 + i));
    const v1Layers = [base.map((data, i) => ({ type: 'file', path: `app/lib${i}`, data }))];
    const v2Layers = [
        [
            ...base.slice(0, 4).map((data, i) => ({ type: 'file', path: `app/lib${i}`, data })),
            { type: 'file', path: 'app/new', data: pseudoRandomBytes(2 * MiB, 300) },
            // Half old, half new within one file.
            { type: 'file', path: 'app/mixed', data: Buffer.concat([base[5], pseudoRandomBytes(MiB, 301)]) },
        ],
    ];
    const v1 = await buildOciImage({ name: 'dict/app:1', layers: v1Layers });
    const v2 = await buildOciImage({ name: 'dict/app:2', layers: v2Layers });
    await writeOciLayout(v1, join(dir, 'v1'));
    await writeOciLayout(v2, join(dir, 'v2'));
    const out = join(dir, 'out');
    await convertImage(`oci:${join(dir, 'v1')}`, `oci:${out}:v1`);
    const summary = await convertImage(`oci:${join(dir, 'v2')}`, `oci:${out}:v2`, { chunkDict: `oci:${out}:v1` });
    t.true(summary.dictionaryChunks >= 5, `${summary.dictionaryChunks} chunks reused from the dictionary`);
    const first = await loadImageBootstrap(`oci:${out}:v1`, {});
    const second = await loadImageBootstrap(`oci:${out}:v2`, {});
    t.teardown(async () => {
        await first.source.close();
        await second.source.close();
    });
    const v1Digests = new Set();
    for (let i = 0; i < first.bootstrap.chunkCount; i += 1)
        v1Digests.add(digestKey(first.bootstrap.chunk(i).digest));
    const v1Blobs = new Set(first.bootstrap.blobs.map((b) => b.id));
    let stored = 0;
    for (let i = 0; i < second.bootstrap.chunkCount; i += 1) {
        const record = second.bootstrap.chunk(i);
        const blob = second.bootstrap.blobs[record.blobIndex];
        if (!blob || v1Blobs.has(blob.id))
            continue;
        stored += 1;
        t.false(v1Digests.has(digestKey(record.digest)), `chunk ${i} of v2's own blob is already in v1`);
    }
    t.true(stored >= 3, 'v2 stores its new chunks');
    t.true(second.bootstrap.blobs.some((b) => v1Blobs.has(b.id)), "v2 references v1's blob");
    // And v2 is still exactly its source.
    const report = await checkImage(`oci:${join(dir, 'v2')}`, `oci:${out}:v2`);
    t.deepEqual(report.differences, []);
});
//# sourceMappingURL=dedup.test.js.map