/**
 * Multi-platform sources: a 2-platform index converts into a 2-platform index of darner images
 * (each passing `darner check`), `--platform` picks some, a platform the source lacks is one line
 * and exit 1, and a single-platform source still gives one manifest.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { choosePlatforms } from '../../converter/convert-platforms.js';
import { isConvertedManifest } from '../../converter/source-target.js';
import { openImageSource, openImageTarget } from '../../src/blob/image-store.js';
import { NoMatchingPlatformError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { formatPlatform, indexPlatforms, parsePlatformList } from '../../src/oci/platform.js';
import { makeIndex, makeTestImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };
let registry;
let layoutDir;
let images;
let index;
/** Runs darner; exit code, stdout and stderr whether it succeeds or not. */
async function darner(args) {
    const env = { ...process.env };
    delete env.DARNER_LOG_LEVEL;
    try {
        const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 300_000, maxBuffer: 16 << 20 });
        return { code: 0, stdout, stderr };
    }
    catch (err) {
        const e = err;
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
}
/** Pushes the images by digest and the index under `reference`'s tag (registry or oci: layout). */
async function pushIndex(reference) {
    const target = await openImageTarget(reference);
    try {
        for (const image of images) {
            for (const b of image.blobs)
                if (!(await target.hasBlob(b.desc.digest)))
                    await target.putBlob(b.desc, b.bytes);
            if (reference.startsWith('oci:'))
                await target.putBlob(image.manifest.desc, image.manifest.bytes);
            else
                await target.putManifest(image.manifest.bytes, image.manifest.desc.mediaType, image.manifest.desc.digest);
        }
        await target.putManifest(index.bytes, MediaType.OCI_INDEX);
    }
    finally {
        await target.close();
    }
}
/** The converted image behind `reference` for one platform: its manifest and config platform. */
async function platformImage(reference, platform) {
    const source = await openImageSource(reference, { platform });
    try {
        const image = await source.resolve();
        return {
            converted: isConvertedManifest(image.manifest),
            architecture: image.config.architecture,
            dataBlobs: image.manifest.layers.filter((l) => l.mediaType === MediaType.DARNER_BLOB).map((l) => l.digest),
        };
    }
    finally {
        await source.close();
    }
}
async function platformsOf(reference) {
    const source = await openImageSource(reference);
    try {
        return (await source.platforms()).map(formatPlatform);
    }
    finally {
        await source.close();
    }
}
test.before(async () => {
    registry = await startRegistry();
    layoutDir = await mkdtemp(join(tmpdir(), 'darner-platforms-'));
    // The first layer is the same for both platforms (its data blob comes out the same and is
    // stored once); the second differs, as binaries do.
    const shared = { 'etc/os-release': 'ID=test\n', 'usr/share/doc/README': 'shared '.repeat(5000) };
    images = [
        await makeTestImage({ layers: [shared, { 'bin/tool': 'amd64 code '.repeat(3000) }], platform: AMD64 }),
        await makeTestImage({ layers: [shared, { 'bin/tool': 'arm64 code '.repeat(3000), 'bin/extra': 'arm only' }], platform: ARM64 }),
    ];
    index = makeIndex([
        { image: images[0], platform: AMD64 },
        { image: images[1], platform: ARM64 },
    ]);
    await pushIndex(`${registry.host}/multi:src`);
    await pushIndex(`oci:${join(layoutDir, 'src')}:src`);
});
test.after.always(async () => {
    await registry?.stop();
    if (layoutDir)
        await rm(layoutDir, { recursive: true, force: true });
});
test('platform lists: parsed from the flag, read from an index, chosen with a clear error for a missing one', (t) => {
    t.deepEqual(parsePlatformList('linux/amd64, linux/aarch64,linux/arm64').map(formatPlatform), ['linux/amd64', 'linux/arm64']);
    const listed = indexPlatforms(JSON.parse(index.bytes.toString()));
    t.deepEqual(listed.map(formatPlatform), ['linux/amd64', 'linux/arm64']);
    t.deepEqual(choosePlatforms(listed, undefined).map(formatPlatform), ['linux/amd64', 'linux/arm64']);
    t.deepEqual(choosePlatforms(listed, [ARM64]).map(formatPlatform), ['linux/arm64']);
    const err = t.throws(() => choosePlatforms(listed, [AMD64, { os: 'linux', architecture: 's390x' }]), { instanceOf: NoMatchingPlatformError });
    t.is(err?.message, 'no image for platform linux/s390x (available: linux/amd64, linux/arm64)');
});
test.serial('registry: a 2-platform index converts into a 2-platform index whose every manifest passes darner check', async (t) => {
    const source = `${registry.host}/multi:src`;
    const target = `${registry.host}/multi:darner`;
    const converted = await darner(['convert', source, target]);
    t.is(converted.code, 0, converted.stderr);
    t.regex(converted.stdout, /an index of 2 platforms \(linux\/amd64, linux\/arm64\)/);
    t.regex(converted.stdout, /^data blobs: 3 distinct over all platforms \(1 shared by platforms, stored once\)$/m);
    t.regex(converted.stdout, /^platform linux\/amd64:$/m);
    t.regex(converted.stdout, /^platform linux\/arm64:$/m);
    t.regex(converted.stderr, /^convert: platform linux\/amd64 \(1\/2\)$/m);
    t.regex(converted.stderr, /^convert: platform linux\/arm64 \(2\/2\)$/m);
    t.deepEqual(await platformsOf(target), ['linux/amd64', 'linux/arm64']);
    const amd64 = await platformImage(target, AMD64);
    const arm64 = await platformImage(target, ARM64);
    t.true(amd64.converted && arm64.converted);
    t.is(amd64.architecture, 'amd64');
    t.is(arm64.architecture, 'arm64');
    t.is(amd64.dataBlobs[0], arm64.dataBlobs[0], 'the shared layer gives one data blob, named by both manifests');
    t.not(amd64.dataBlobs[1], arm64.dataBlobs[1]);
    const checked = await darner(['check', source, target]);
    t.is(checked.code, 0, checked.stdout + checked.stderr);
    t.regex(checked.stdout, /^linux\/amd64: identical: \d+ entries checked$/m);
    t.regex(checked.stdout, /^linux\/arm64: identical: \d+ entries checked$/m);
    // Each platform was compared with its own source: arm64's extra file is in its image alone.
    const arm64Only = await darner(['check', `${registry.host}/multi:src`, target, '--platform', 'linux/arm64', '--json']);
    t.is(arm64Only.code, 0, arm64Only.stderr);
    const reports = JSON.parse(arm64Only.stdout);
    t.deepEqual(reports.map((r) => r.platform), ['linux/arm64']);
});
test.serial('registry: --platform linux/arm64 alone gives that platform as one darner manifest', async (t) => {
    const source = `${registry.host}/multi:src`;
    const target = `${registry.host}/multi:arm64`;
    const converted = await darner(['convert', source, target, '--platform', 'linux/arm64']);
    t.is(converted.code, 0, converted.stderr);
    t.regex(converted.stdout, /^platform: linux\/arm64$/m);
    t.deepEqual(await platformsOf(target), [], 'a single manifest, not an index');
    const image = await platformImage(target, ARM64);
    t.true(image.converted);
    t.is(image.architecture, 'arm64');
    // Without --platform, check reads the source for the platform the darner image is for.
    const checked = await darner(['check', source, target]);
    t.is(checked.code, 0, checked.stdout + checked.stderr);
    t.regex(checked.stdout, /^identical: \d+ entries checked$/m);
});
test.serial('a platform the source lacks: one line naming what it has, exit 1, nothing pushed', async (t) => {
    const target = `${registry.host}/multi:s390x`;
    const failed = await darner(['convert', `${registry.host}/multi:src`, target, '--platform', 'linux/amd64,linux/s390x']);
    t.is(failed.code, 1);
    t.is(failed.stdout, '');
    const lines = failed.stderr.trimEnd().split('\n');
    t.is(lines.length, 1, failed.stderr);
    t.regex(lines[0], /linux\/s390x.*available: linux\/amd64, linux\/arm64/);
    const probe = await openImageSource(target);
    t.teardown(() => probe.close());
    await t.throwsAsync(probe.resolve());
});
test.serial('oci: layout to layout: a 2-platform index, each manifest checked', async (t) => {
    const source = `oci:${join(layoutDir, 'src')}:src`;
    const target = `oci:${join(layoutDir, 'out')}:darner`;
    const converted = await darner(['convert', source, target]);
    t.is(converted.code, 0, converted.stderr);
    t.deepEqual(await platformsOf(target), ['linux/amd64', 'linux/arm64']);
    for (const platform of [AMD64, ARM64]) {
        const image = await platformImage(target, platform);
        t.true(image.converted);
        t.is(image.architecture, platform.architecture);
    }
    const checked = await darner(['check', source, target]);
    t.is(checked.code, 0, checked.stdout + checked.stderr);
    t.is(checked.stdout.match(/identical/g)?.length, 2);
});
test.serial('a single-platform source still converts to one manifest', async (t) => {
    const source = `${registry.host}/single:src`;
    const target = `${registry.host}/single:darner`;
    const image = images[0];
    const pusher = await openImageTarget(source);
    for (const b of image.blobs)
        await pusher.putBlob(b.desc, b.bytes);
    await pusher.putManifest(image.manifest.bytes, image.manifest.desc.mediaType);
    await pusher.close();
    const converted = await darner(['convert', source, target]);
    t.is(converted.code, 0, converted.stderr);
    t.notRegex(converted.stdout, /platform/);
    t.deepEqual(await platformsOf(target), []);
    t.true((await platformImage(target, AMD64)).converted);
});
//# sourceMappingURL=platforms.test.js.map