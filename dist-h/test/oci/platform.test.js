import test from 'ava';
import { InvalidManifestError, NoMatchingPlatformError, UsageError } from '../../src/errors.js';
import { sha256Digest } from '../../src/digest.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatformFlag, platformFromNode, selectManifest, } from '../../src/oci/platform.js';
test('Node platform names map to OCI names', (t) => {
    t.deepEqual(platformFromNode('linux', 'x64'), { os: 'linux', architecture: 'amd64' });
    t.deepEqual(platformFromNode('linux', 'arm64'), { os: 'linux', architecture: 'arm64' });
    t.deepEqual(platformFromNode('linux', 'arm', '6'), { os: 'linux', architecture: 'arm', variant: 'v6' });
    t.deepEqual(platformFromNode('linux', 'arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    t.deepEqual(platformFromNode('linux', 'ia32'), { os: 'linux', architecture: '386' });
    t.deepEqual(platformFromNode('win32', 'x64'), { os: 'windows', architecture: 'amd64' });
    t.is(hostPlatform().os, process.platform === 'win32' ? 'windows' : process.platform);
});
test('normalization follows containerd', (t) => {
    const n = (architecture, variant) => formatPlatform(normalizePlatform({ os: 'Linux', architecture, ...(variant ? { variant } : {}) }));
    t.is(n('x86_64'), 'linux/amd64');
    t.is(n('aarch64'), 'linux/arm64');
    t.is(n('arm64', 'v8'), 'linux/arm64');
    t.is(n('arm'), 'linux/arm/v7');
    t.is(n('arm', '6'), 'linux/arm/v6');
    t.is(n('armhf'), 'linux/arm/v7');
    t.is(n('i386'), 'linux/386');
});
test('--platform parsing', (t) => {
    t.deepEqual(parsePlatformFlag('linux/amd64'), { os: 'linux', architecture: 'amd64' });
    t.deepEqual(parsePlatformFlag('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v6' });
    for (const bad of ['linux', 'linux/', '/amd64', 'a/b/c/d', 'linux/amd 64']) {
        t.throws(() => parsePlatformFlag(bad), { instanceOf: UsageError }, bad);
    }
});
function entry(platform, name, extra = {}) {
    const d = { mediaType: MediaType.OCI_MANIFEST, digest: sha256Digest(Buffer.from(name)), size: 100, ...extra };
    if (platform)
        d.platform = platform;
    return d;
}
const multi = {
    schemaVersion: 2,
    manifests: [
        entry({ os: 'linux', architecture: 'amd64' }, 'amd64'),
        entry({ os: 'linux', architecture: 'arm', variant: 'v6' }, 'armv6'),
        entry({ os: 'linux', architecture: 'arm', variant: 'v7' }, 'armv7'),
        entry({ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'arm64'),
        entry({ os: 'unknown', architecture: 'unknown' }, 'attestation'),
    ],
};
test('selectManifest picks the entry for the platform', (t) => {
    const pick = (p) => selectManifest(multi, parsePlatformFlag(p)).digest;
    t.is(pick('linux/amd64'), sha256Digest(Buffer.from('amd64')));
    t.is(pick('linux/arm/v6'), sha256Digest(Buffer.from('armv6')));
    t.is(pick('linux/arm'), sha256Digest(Buffer.from('armv7')));
    t.is(pick('linux/arm64'), sha256Digest(Buffer.from('arm64')));
    t.is(pick('linux/aarch64'), sha256Digest(Buffer.from('arm64')));
});
test('selectManifest lists the available platforms when none matches', (t) => {
    const err = t.throws(() => selectManifest(multi, { os: 'linux', architecture: 's390x' }), { instanceOf: NoMatchingPlatformError });
    t.is(err.message, 'no image for platform linux/s390x (available: linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64)');
    t.is(err.code, 'NO_MATCHING_PLATFORM');
});
test('selectManifest takes the only entry of an index without platforms', (t) => {
    const single = { schemaVersion: 2, manifests: [entry(undefined, 'only')] };
    t.is(selectManifest(single, { os: 'linux', architecture: 'riscv64' }).digest, sha256Digest(Buffer.from('only')));
    const two = { schemaVersion: 2, manifests: [entry(undefined, 'a'), entry(undefined, 'b')] };
    t.throws(() => selectManifest(two, { os: 'linux', architecture: 'amd64' }), {
        message: 'no image for platform linux/amd64 (available: unspecified)',
    });
});
test('selectManifest: an index with no entries, or only attestations, says so', (t) => {
    const empty = { schemaVersion: 2, manifests: [] };
    t.throws(() => selectManifest(empty, { os: 'linux', architecture: 'amd64' }), { instanceOf: InvalidManifestError, message: 'the index lists no manifests' });
    const onlyAttestations = { schemaVersion: 2, manifests: [entry({ os: 'unknown', architecture: 'unknown' }, 'att')] };
    t.throws(() => selectManifest(onlyAttestations, { os: 'linux', architecture: 'amd64' }), {
        instanceOf: InvalidManifestError,
        message: 'the index lists no image manifests (only attestations)',
    });
});
test('selectManifest gives nested indexes: by platform, or the only one without a platform', (t) => {
    const nested = (platform, name) => entry(platform, name, { mediaType: MediaType.OCI_INDEX });
    const byPlatform = { schemaVersion: 2, manifests: [nested({ os: 'linux', architecture: 'arm64' }, 'arm'), nested({ os: 'linux', architecture: 'amd64' }, 'amd')] };
    t.is(selectManifest(byPlatform, { os: 'linux', architecture: 'amd64' }).digest, sha256Digest(Buffer.from('amd')));
    const unplatformed = { schemaVersion: 2, manifests: [entry({ os: 'linux', architecture: 'arm64' }, 'arm'), nested(undefined, 'inner')] };
    const picked = selectManifest(unplatformed, { os: 'linux', architecture: 'amd64' });
    t.is(picked.digest, sha256Digest(Buffer.from('inner')));
    t.is(picked.mediaType, MediaType.OCI_INDEX);
    const two = { schemaVersion: 2, manifests: [nested(undefined, 'a'), nested(undefined, 'b')] };
    t.throws(() => selectManifest(two, { os: 'linux', architecture: 'amd64' }), { message: 'no image for platform linux/amd64 (available: nested index)' });
});
//# sourceMappingURL=platform.test.js.map