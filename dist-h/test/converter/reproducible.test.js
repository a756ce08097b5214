/**
 * Reproducible conversion: the same source and options give the same manifest digest (so the same
 * blobs, bootstrap and config) whatever the source transport, the number of batches in flight
 * or the wall clock; time fields come from the source config's `created`, or SOURCE_DATE_EPOCH;
 * the source's history is kept, re-pointed at the converted layers.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { conversionTime, parseSourceDateEpoch } from '../../converter/build-time.js';
import { convertImage } from '../../converter/convert.js';
import { convertPlatforms } from '../../converter/convert-platforms.js';
import { convertedHistory } from '../../converter/converted-history.js';
import { openImageTarget } from '../../src/blob/image-store.js';
import { UsageError } from '../../src/errors.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { makeIndex, makeTestImage } from '../harness/images.js';
import { buildOciImage, pushOciImage, writeOciLayout } from '../harness/oci-image.js';
import { startRegistry } from '../harness/registry.js';
import { richImageLayers } from '../harness/test-images.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** The `created` of every config the test harness builds. */
const SOURCE_CREATED_SECONDS = Date.parse('2024-01-01T00:00:00Z') / 1000;
let registry;
let dir;
let registrySource;
let layoutSource;
test.before(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'darner-reproducible-'));
    // The rich layers, then a layer with no regular file: it brings no data blob, so its history
    // entry must turn into an empty_layer one.
    const layers = [...richImageLayers(), [{ type: 'dir', path: 'later', mode: 0o755 }, { type: 'symlink', path: 'later/link', target: '/data/one' }]];
    const image = await buildOciImage({ name: 'reproducible:src', layers, compression: ['gzip', 'zstd', 'none', 'gzip'] });
    registrySource = `${registry.host}/reproducible:src`;
    await pushOciImage(image, registrySource);
    await writeOciLayout(image, join(dir, 'src'));
    layoutSource = `oci:${join(dir, 'src')}:src`;
});
test.after.always(async () => {
    await registry?.stop();
    if (dir)
        await rm(dir, { recursive: true, force: true });
});
async function configOf(reference) {
    const loaded = await loadImageBootstrap(reference, {});
    try {
        return { config: loaded.image.config, buildTime: loaded.bootstrap.buildTime, layers: loaded.image.manifest.layers.length };
    }
    finally {
        await loaded.source.close();
    }
}
function nonEmpty(history) {
    return (history ?? []).filter((h) => h.empty_layer !== true).length;
}
test.serial('registry source: two conversions give the same manifest digest, an oci: source the same again', async (t) => {
    const first = await convertImage(registrySource, `${registry.host}/reproducible:one`);
    const second = await convertImage(registrySource, `${registry.host}/reproducible:two`, { maxInFlightBytes: 8 << 20 });
    t.is(second.manifestDigest, first.manifestDigest);
    const fromLayout = await convertImage(layoutSource, `oci:${join(dir, 'out-a')}:darner`, { maxInFlightBytes: 64 << 20 });
    const again = await convertImage(layoutSource, `oci:${join(dir, 'out-b')}:darner`);
    t.is(fromLayout.manifestDigest, first.manifestDigest);
    t.is(again.manifestDigest, first.manifestDigest);
    t.is(first.blobs, 3, 'three layers of files make three data blobs; the fourth makes none');
    const { config, buildTime, layers } = await configOf(`${registry.host}/reproducible:one`);
    t.is(buildTime, SOURCE_CREATED_SECONDS, "the bootstrap's build time is the source config's created");
    t.is(config.created, '2024-01-01T00:00:00Z');
    // The source had one history entry per layer (4); kept, plus the bootstrap's.
    t.is(config.history?.length, 5);
    t.is(nonEmpty(config.history), config.rootfs.diff_ids.length, 'history matches diff_ids');
    t.is(nonEmpty(config.history), layers);
    t.deepEqual(config.history?.slice(0, 3), [0, 1, 2].map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'darner test image' })));
    t.is(config.history?.[3]?.empty_layer, true, 'the layer that made no blob');
    t.is(config.history?.[4]?.comment, 'darner bootstrap layer');
    t.is(config.history?.[4]?.created, '2024-01-01T00:00:00Z');
});
test.serial('SOURCE_DATE_EPOCH sets the bootstrap build time, the config created and the added history times', async (t) => {
    const epoch = 1_700_000_123;
    const target = `oci:${join(dir, 'out-epoch')}:darner`;
    await run(process.execPath, [CLI, 'convert', layoutSource, target], { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) }, timeout: 300_000 });
    const { config, buildTime } = await configOf(target);
    t.is(buildTime, epoch);
    t.is(config.created, new Date(epoch * 1000).toISOString().replace('.000Z', 'Z'));
    t.is(config.history?.at(-1)?.created, config.created);
    t.is(config.history?.[0]?.created, '2024-01-01T00:00:00Z', "the source's own entries keep their times");
    const bad = await run(process.execPath, [CLI, 'convert', layoutSource, `oci:${join(dir, 'out-bad')}:darner`], {
        env: { ...process.env, SOURCE_DATE_EPOCH: 'yesterday' },
        timeout: 300_000,
    }).then(() => undefined, (err) => err);
    t.is(bad?.code, 1);
    t.regex(bad?.stderr ?? '', /SOURCE_DATE_EPOCH "yesterday" is not a whole number of seconds/);
    t.notRegex(bad?.stderr ?? '', /\n\s+at /, 'no stack trace');
});
test.serial('a multi-platform index converts to the same index digest twice', async (t) => {
    const amd64 = { os: 'linux', architecture: 'amd64' };
    const arm64 = { os: 'linux', architecture: 'arm64' };
    const images = [
        { image: await makeTestImage({ layers: [{ 'etc/a': 'a'.repeat(9000) }, { 'bin/x': 'amd64 '.repeat(4000) }], platform: amd64 }), platform: amd64 },
        { image: await makeTestImage({ layers: [{ 'etc/a': 'a'.repeat(9000) }, { 'bin/x': 'arm64 '.repeat(4000) }], platform: arm64 }), platform: arm64 },
    ];
    const index = makeIndex(images);
    const source = `oci:${join(dir, 'multi')}:src`;
    const target = await openImageTarget(source);
    try {
        for (const { image } of images) {
            for (const b of [...image.blobs, image.manifest])
                if (!(await target.hasBlob(b.desc.digest)))
                    await target.putBlob(b.desc, b.bytes);
        }
        await target.putManifest(index.bytes, MediaType.OCI_INDEX);
    }
    finally {
        await target.close();
    }
    const one = await convertPlatforms(source, `oci:${join(dir, 'multi-one')}:darner`);
    const two = await convertPlatforms(source, `oci:${join(dir, 'multi-two')}:darner`, { maxInFlightBytes: 8 << 20 });
    t.is(one.kind, 'index');
    t.is(two.kind, 'index');
    if (one.kind === 'index' && two.kind === 'index')
        t.is(two.summary.indexDigest, one.summary.indexDigest);
});
test('history: source entries re-pointed at the blobs each layer brought (pure)', (t) => {
    const at = '2024-05-05T00:00:00Z';
    const source = [
        { created_by: 'FROM scratch' },
        { created_by: 'ENV A=1', empty_layer: true },
        { created_by: 'COPY a' },
        { created_by: 'COPY b' },
    ];
    // Layer 0: its blob and a dictionary blob; layer 1: nothing new; layer 2: one blob.
    const history = convertedHistory(source, [2, 0, 1], at);
    t.deepEqual(history, [
        { created_by: 'FROM scratch' },
        { created: at, created_by: 'darner convert', comment: 'darner data blob' },
        { created_by: 'ENV A=1', empty_layer: true },
        { created_by: 'COPY a', empty_layer: true },
        { created_by: 'COPY b' },
        { created: at, created_by: 'darner convert', comment: 'darner bootstrap layer' },
    ]);
    t.is(nonEmpty(history), 2 + 0 + 1 + 1);
    // A history that does not match the layers: kept as empty entries, one entry per blob added.
    const odd = convertedHistory([{ created_by: 'only one' }], [1, 1], at);
    t.is(nonEmpty(odd), 3);
    t.is(odd[0]?.empty_layer, true);
    t.is(nonEmpty(convertedHistory(undefined, [1], at)), 2);
});
test('time fields: SOURCE_DATE_EPOCH over created over 0, never the clock (pure)', (t) => {
    t.is(conversionTime('2024-01-01T00:00:00.999999999Z', undefined), SOURCE_CREATED_SECONDS);
    t.is(conversionTime('2024-01-01T00:00:00Z', 42), 42);
    t.is(conversionTime(undefined, undefined), 0);
    t.is(conversionTime('not a time', undefined), 0);
    t.is(parseSourceDateEpoch(undefined), undefined);
    t.is(parseSourceDateEpoch(''), undefined);
    t.is(parseSourceDateEpoch(' 1700000000 '), 1_700_000_000);
    for (const bad of ['-1', '1.5', '1e9', '99999999999999999'])
        t.throws(() => parseSourceDateEpoch(bad), { instanceOf: UsageError }, bad);
});
//# sourceMappingURL=reproducible.test.js.map