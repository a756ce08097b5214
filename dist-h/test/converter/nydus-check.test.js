/**
 * `darner check` of a real Nydus RAFS v6 image (nydusify output, test/fixtures/nydus-v6/oci)
 * against its source layers (src-oci, made by the fixture's generator): identical, every chunk
 * and every whole blob verified; a byte altered in a stored chunk is reported. A Nydus image also
 * serves as convert's chunk dictionary.
 */
import test from 'ava';
import { cp, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImage } from '../../converter/check.js';
import { convertImage } from '../../converter/convert.js';
import { Bootstrap } from '../../src/format/index.js';
import { NYDUS_BLOB_IDS, NYDUS_FIXTURE_DIR, nydusMergedBootstrap } from '../harness/nydus-fixture.js';
const SOURCE = `oci:${join(NYDUS_FIXTURE_DIR, 'src-oci')}:src`;
test('darner check: the Nydus image is its source image', async (t) => {
    const report = await checkImage(SOURCE, `oci:${join(NYDUS_FIXTURE_DIR, 'oci')}:nydus`);
    t.deepEqual(report.differences, []);
    t.deepEqual(report.badChunks, []);
    t.deepEqual(report.badBlobs, []);
    t.is(report.targetEntries, 591);
});
test('darner check: a byte altered in a stored Nydus chunk is reported against the chunk and its blob', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-nydus-check-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await cp(join(NYDUS_FIXTURE_DIR, 'oci'), join(dir, 'oci'), { recursive: true });
    const bs = Bootstrap.parse(nydusMergedBootstrap());
    const record = bs.chunk(bs.fileChunks(bs.lookup(bs.rootNid, 'one-mib.bin'))[0]);
    const blob = bs.blobs[record.blobIndex];
    const fh = await open(join(dir, 'oci', 'blobs', 'sha256', blob.id), 'r+');
    const at = record.compressedOffset + Math.floor(record.compressedSize / 2);
    const byte = Buffer.alloc(1);
    await fh.read(byte, 0, 1, at);
    await fh.write(Buffer.from([byte[0] ^ 0x5a]), 0, 1, at);
    await fh.close();
    const report = await checkImage(SOURCE, `oci:${join(dir, 'oci')}:nydus`);
    t.true(report.badChunks.length === 1 && report.badChunks[0].blob === blob.id, JSON.stringify(report.badChunks));
    t.deepEqual(report.badBlobs, [blob.id]);
    t.true(report.differences.some((d) => d.path.includes('one-mib.bin')));
});
test('a Nydus image as chunk dictionary: its blobs are reused under their full stored size, and check passes', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-nydus-dict-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const target = `oci:${join(dir, 'out')}:darner`;
    const summary = await convertImage(SOURCE, target, { chunkDict: `oci:${join(NYDUS_FIXTURE_DIR, 'oci')}:nydus` });
    t.is(summary.dictionaryBlobs, 2);
    for (const id of NYDUS_BLOB_IDS) {
        const layer = summary.manifest.layers.find((l) => l.digest === `sha256:${id}`);
        t.is(layer?.size, (await stat(join(NYDUS_FIXTURE_DIR, 'oci', 'blobs', 'sha256', id))).size, id);
    }
    const report = await checkImage(SOURCE, target);
    t.deepEqual([report.differences, report.badChunks, report.badBlobs], [[], [], []]);
});
test('a Nydus bootstrap file as chunk dictionary is refused: it does not record its blobs\' stored sizes', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-nydus-dict-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const err = await t.throwsAsync(convertImage(SOURCE, `oci:${join(dir, 'out')}:darner`, { chunkDict: join(NYDUS_FIXTURE_DIR, 'merged.boot') }));
    t.regex(err?.message ?? '', /Nydus RAFS v6 bootstrap, which does not record its blobs' sizes/);
});
//# sourceMappingURL=nydus-check.test.js.map