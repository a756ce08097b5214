/**
 * `darner check` of a real Nydus RAFS v6 image (nydusify output, test/fixtures/nydus-v6/oci)
 * against its source layers (src-oci, made by the fixture's generator): identical, every chunk
 * and every whole blob verified; a byte altered in a stored chunk is reported.
 */
import test from 'ava';
import { cp, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImage } from '../../converter/check.js';
import { Bootstrap } from '../../src/format/index.js';
import { NYDUS_FIXTURE_DIR, nydusMergedBootstrap } from '../harness/nydus-fixture.js';

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
  const record = bs.chunk(bs.fileChunks(bs.lookup(bs.rootNid, 'one-mib.bin')!)[0]!);
  const blob = bs.blobs[record.blobIndex]!;
  const fh = await open(join(dir, 'oci', 'blobs', 'sha256', blob.id), 'r+');
  const at = record.compressedOffset + Math.floor(record.compressedSize / 2);
  const byte = Buffer.alloc(1);
  await fh.read(byte, 0, 1, at);
  await fh.write(Buffer.from([byte[0]! ^ 0x5a]), 0, 1, at);
  await fh.close();
  const report = await checkImage(SOURCE, `oci:${join(dir, 'oci')}:nydus`);
  t.true(report.badChunks.length === 1 && report.badChunks[0]!.blob === blob.id, JSON.stringify(report.badChunks));
  t.deepEqual(report.badBlobs, [blob.id]);
  t.true(report.differences.some((d) => d.path.includes('one-mib.bin')));
});
