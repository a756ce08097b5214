/**
 * `convert --layer-annotations nydus`: the layers and manifest carry Nydus's media type and
 * annotations exactly as nydusify puts them on its images (the Nydus fixture's manifest is the
 * reference), darner reads such an image as before, and an image nydusd could not read is never
 * published under them. The default stays darner's own.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImage } from '../../converter/check.js';
import { convertImage } from '../../converter/convert.js';
import { buildBootstrapLayer, convertedManifest } from '../../converter/image-output.js';
import { nydusUnreadableReason } from '../../converter/nydus-readable.js';
import type { BlobRecord } from '../../src/format/model.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { MediaType, parseManifest, type Manifest } from '../../src/oci/image-spec.js';
import { layerKind } from '../../src/oci/layer-kind.js';
import { writeOciLayout } from '../harness/oci-image.js';
import { NYDUS_FIXTURE_DIR } from '../harness/nydus-fixture.js';
import { layeredImage } from '../pull/env.js';
import { richModel } from '../format/helpers/rich-model.js';

function nydusifyManifest(): Manifest {
  const index = JSON.parse(readFileSync(join(NYDUS_FIXTURE_DIR, 'oci', 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  return parseManifest(readFileSync(join(NYDUS_FIXTURE_DIR, 'oci', 'blobs', 'sha256', index.manifests[0]!.digest.slice(7))));
}

const BLOBS: BlobRecord[] = ['a', 'b'].map((c) => ({ id: c.repeat(64), compressedSize: 8192, uncompressedSize: 8192, chunkCount: 1, chunkInfoOffset: 4096 }));
const CONFIG = { mediaType: MediaType.OCI_CONFIG, digest: `sha256:${'c'.repeat(64)}`, size: 2 };

test("under Nydus's annotations the layers and manifest are marked as nydusify marks them", async (t) => {
  const reference = nydusifyManifest();
  const bootstrap = await buildBootstrapLayer(Buffer.alloc(4096), 'nydus');
  const manifest = convertedManifest(CONFIG, BLOBS, bootstrap.descriptor, 'nydus');
  const marks = (m: Manifest): unknown => ({
    manifest: m.annotations?.['containerd.io/snapshot/nydus-fs-version'],
    layers: m.layers.map((l) => ({ mediaType: l.mediaType, annotations: l.annotations })),
  });
  // The reference has two data layers and its bootstrap layer, as this manifest does.
  t.deepEqual(marks(manifest), marks(reference));
  t.deepEqual(manifest.layers.map(layerKind), ['data', 'data', 'bootstrap']);
});

test("by default the layers carry darner's own media type and annotations, none of Nydus's", async (t) => {
  const bootstrap = await buildBootstrapLayer(Buffer.alloc(4096));
  const manifest = convertedManifest(CONFIG, BLOBS, bootstrap.descriptor);
  t.deepEqual(manifest.layers.map((l) => l.mediaType), [MediaType.DARNER_BLOB, MediaType.DARNER_BLOB, MediaType.OCI_LAYER_TAR_GZIP]);
  t.deepEqual(manifest.layers.map(layerKind), ['data', 'data', 'bootstrap']);
  t.false(JSON.stringify(manifest).includes('nydus'));
});

test('nydusd-readable: blobs with chunk-info arrays and no holes; a blob without one or a hole is named', (t) => {
  const withArrays = (meta: ReturnType<typeof richModel>): ReturnType<typeof richModel> => ({ ...meta, blobs: meta.blobs.map((b) => ({ ...b, chunkInfoOffset: b.compressedSize })) });
  t.is(nydusUnreadableReason(withArrays(richModel(4096, { holes: false }))), undefined);
  t.regex(nydusUnreadableReason(withArrays(richModel(4096))) ?? '', /^\/sizes\/holey has a hole/);
  const bare = richModel(4096, { holes: false });
  t.regex(nydusUnreadableReason(bare) ?? '', new RegExp(`^blob ${bare.blobs[0]!.id} has no chunk-info array the bootstrap names`));
});

test("convert --layer-annotations nydus: Nydus's marks on every layer, and darner reads and checks the image as its own", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'darner-nydus-annotations-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeOciLayout(await layeredImage(), join(dir, 'src'));
  const target = `oci:${join(dir, 'out')}:nydus`;
  const summary = await convertImage(`oci:${join(dir, 'src')}`, target, { chunkSize: 64 * 1024, layerAnnotations: 'nydus' });
  const layers = summary.manifest.layers;
  t.deepEqual(layers.map(layerKind), [...layers.slice(0, -1).map(() => 'data'), 'bootstrap']);
  t.true(layers.slice(0, -1).every((l) => l.mediaType === MediaType.NYDUS_BLOB && l.annotations?.['containerd.io/snapshot/nydus-blob'] === 'true'));
  t.false(JSON.stringify(summary.manifest).includes('darner'));
  const loaded = await loadImageBootstrap(target, {});
  await loaded.source.close();
  t.true(loaded.bootstrap.blobs.every((b) => b.chunkInfoOffset !== undefined));
  const report = await checkImage(`oci:${join(dir, 'src')}`, target);
  t.deepEqual([report.differences, report.badChunks, report.badBlobs], [[], [], []]);
});

test("convert --layer-annotations nydus refuses a chunk dictionary, whose blobs nydusd could not map, and publishes nothing", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'darner-nydus-annotations-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const target = `oci:${join(dir, 'out')}:nydus`;
  const err = await t.throwsAsync(
    convertImage(`oci:${join(NYDUS_FIXTURE_DIR, 'src-oci')}:src`, target, { chunkDict: `oci:${join(NYDUS_FIXTURE_DIR, 'oci')}:nydus`, layerAnnotations: 'nydus' }),
  );
  t.is((err as { code?: string } | undefined)?.code, 'USAGE');
  t.regex(err?.message ?? '', /^a chunk dictionary cannot be used under Nydus's annotations: nydusd maps a chunk through its blob's chunk-info array/);
  const index = existsSync(join(dir, 'out', 'index.json')) ? (JSON.parse(readFileSync(join(dir, 'out', 'index.json'), 'utf8')) as { manifests: unknown[] }) : { manifests: [] };
  t.deepEqual(index.manifests, [], 'no manifest was tagged');
  // The same conversion under darner's annotations is fine: darner reads dictionary blobs without the array.
  const summary = await convertImage(`oci:${join(NYDUS_FIXTURE_DIR, 'src-oci')}:src`, target, { chunkDict: `oci:${join(NYDUS_FIXTURE_DIR, 'oci')}:nydus` });
  t.is(summary.dictionaryBlobs, 2);
});
