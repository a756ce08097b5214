import test from 'ava';
import { InvalidManifestError } from '../../src/errors.js';
import { sha256Digest } from '../../src/digest.js';
import { MediaType, checkManifestMatchesConfig, parseDescriptor, parseImageConfig, parseIndex, parseManifest, parseManifestOrIndex, } from '../../src/oci/image-spec.js';
const D1 = sha256Digest(Buffer.from('one'));
const D2 = sha256Digest(Buffer.from('two'));
function manifest(overrides = {}) {
    return {
        schemaVersion: 2,
        mediaType: MediaType.OCI_MANIFEST,
        config: { mediaType: MediaType.OCI_CONFIG, digest: D1, size: 10 },
        layers: [{ mediaType: MediaType.OCI_LAYER_TAR_GZIP, digest: D2, size: 20, annotations: { a: 'b' } }],
        ...overrides,
    };
}
const json = (v) => JSON.stringify(v);
test('a valid OCI manifest parses and keeps unknown fields', (t) => {
    const m = parseManifest(json(manifest({ 'x-extra': { deep: 1 } })));
    t.is(m.layers[0].digest, D2);
    t.deepEqual(m['x-extra'], { deep: 1 });
});
test('an OCI manifest without mediaType is accepted; Docker schema2 too', (t) => {
    const m = manifest();
    delete m.mediaType;
    t.notThrows(() => parseManifest(json(m)));
    t.notThrows(() => parseManifest(json(manifest({ mediaType: MediaType.DOCKER_MANIFEST }))));
});
const badManifests = [
    ['not JSON', '{', 'manifest: is not valid JSON'],
    ['an array', '[]', 'manifest: must be an object'],
    ['schema1', json(manifest({ schemaVersion: 1 })), 'manifest.schemaVersion: Docker schema1'],
    ['schemaVersion 3', json(manifest({ schemaVersion: 3 })), 'manifest.schemaVersion: must be 2, got 3'],
    ['missing schemaVersion', json(manifest({ schemaVersion: undefined })), 'manifest.schemaVersion: is required'],
    ['missing config', json(manifest({ config: undefined })), 'manifest.config: is required'],
    ['layers not array', json(manifest({ layers: {} })), 'manifest.layers: must be an array'],
    [
        'short digest',
        json(manifest({ layers: [{ mediaType: MediaType.OCI_LAYER_TAR, digest: 'sha256:abc', size: 1 }] })),
        'manifest.layers[0].digest: must be sha256:<64 lowercase hex>, got "sha256:abc"',
    ],
    [
        'uppercase digest',
        json(manifest({ config: { mediaType: MediaType.OCI_CONFIG, digest: D1.toUpperCase(), size: 1 } })),
        'manifest.config.digest: must be sha256',
    ],
    [
        'sha512 digest',
        json(manifest({ config: { mediaType: MediaType.OCI_CONFIG, digest: `sha512:${'a'.repeat(128)}`, size: 1 } })),
        'manifest.config.digest: must be sha256',
    ],
    [
        'negative size',
        json(manifest({ layers: [{ mediaType: MediaType.OCI_LAYER_TAR, digest: D1, size: -1 }] })),
        'manifest.layers[0].size: must be a non-negative safe integer, got -1',
    ],
    [
        'fractional size',
        json(manifest({ layers: [{ mediaType: MediaType.OCI_LAYER_TAR, digest: D1, size: 1.5 }] })),
        'manifest.layers[0].size: must be a non-negative safe integer',
    ],
    [
        'huge size',
        json(manifest({ layers: [{ mediaType: MediaType.OCI_LAYER_TAR, digest: D1, size: 2 ** 60 }] })),
        'manifest.layers[0].size: must be a non-negative safe integer',
    ],
    [
        'string size',
        json(manifest({ layers: [{ mediaType: MediaType.OCI_LAYER_TAR, digest: D1, size: '1' }] })),
        'manifest.layers[0].size: must be a non-negative safe integer, got "1"',
    ],
    [
        'missing mediaType in descriptor',
        json(manifest({ layers: [{ digest: D1, size: 1 }] })),
        'manifest.layers[0].mediaType: is required',
    ],
    [
        'bad media type',
        json(manifest({ layers: [{ mediaType: 'tar', digest: D1, size: 1 }] })),
        'manifest.layers[0].mediaType: must be a media type',
    ],
    [
        'annotation value not a string',
        json(manifest({ annotations: { k: 1 } })),
        'manifest.annotations["k"]: must be a string, got 1',
    ],
    ['index media type', json(manifest({ mediaType: MediaType.OCI_INDEX })), 'manifest.mediaType: is an index media type'],
    ['unknown manifest media type', json(manifest({ mediaType: 'application/json' })), 'manifest.mediaType: is not an image manifest'],
];
for (const [name, input, message] of badManifests) {
    test(`parseManifest rejects ${name}`, (t) => {
        const err = t.throws(() => parseManifest(input), { instanceOf: InvalidManifestError });
        t.true(err.message.startsWith(message), err.message);
        t.is(err.code, 'BAD_MANIFEST');
        t.false(err.message.includes('\n'));
    });
}
test('parseManifest refuses documents larger than 4 MiB', (t) => {
    const big = json(manifest({ annotations: { pad: 'x'.repeat(4 * 1024 * 1024) } }));
    t.throws(() => parseManifest(big), { message: /more than the 4194304 allowed/ });
});
function index(overrides = {}) {
    return {
        schemaVersion: 2,
        mediaType: MediaType.OCI_INDEX,
        manifests: [
            { mediaType: MediaType.OCI_MANIFEST, digest: D1, size: 5, platform: { os: 'linux', architecture: 'amd64' } },
        ],
        ...overrides,
    };
}
test('index validation', (t) => {
    t.is(parseIndex(json(index())).manifests.length, 1);
    t.throws(() => parseIndex(json(index({ manifests: undefined }))), { message: 'index.manifests: is required' });
    t.throws(() => parseIndex(json(index({ manifests: [{ mediaType: MediaType.OCI_MANIFEST, digest: D1, size: 5, platform: { os: 'linux' } }] }))), {
        message: 'index.manifests[0].platform.architecture: is required',
    });
    t.throws(() => parseIndex(json(index({ mediaType: MediaType.DOCKER_MANIFEST_LIST, manifests: [{ mediaType: MediaType.DOCKER_MANIFEST, digest: D1, size: 5 }] }))), { message: 'index.manifests[0].platform: is required in a Docker manifest list' });
    t.throws(() => parseIndex(json(index({ mediaType: MediaType.OCI_MANIFEST }))), { message: /index.mediaType: is an image manifest media type/ });
});
test('parseManifestOrIndex tells the kinds apart by mediaType, Content-Type, then shape', (t) => {
    t.is(parseManifestOrIndex(json(manifest())).kind, 'manifest');
    t.is(parseManifestOrIndex(json(index())).kind, 'index');
    const bareIndex = index();
    delete bareIndex.mediaType;
    const bareManifest = manifest();
    delete bareManifest.mediaType;
    t.like(parseManifestOrIndex(json(bareIndex)), { kind: 'index', mediaType: MediaType.OCI_INDEX });
    t.like(parseManifestOrIndex(json(bareManifest)), { kind: 'manifest', mediaType: MediaType.OCI_MANIFEST });
    t.like(parseManifestOrIndex(json(bareManifest), `${MediaType.DOCKER_MANIFEST}; charset=utf-8`), {
        kind: 'manifest',
        mediaType: MediaType.DOCKER_MANIFEST,
    });
    t.throws(() => parseManifestOrIndex(json({ schemaVersion: 1, name: 'x' })), { message: /schema1/ });
    t.throws(() => parseManifestOrIndex(json(manifest({ mediaType: 'text/plain' }))), { message: /manifest.mediaType: is not a manifest or index/ });
});
test('parseDescriptor checks optional fields', (t) => {
    const base = { mediaType: MediaType.OCI_LAYER_TAR, digest: D1, size: 0 };
    t.notThrows(() => parseDescriptor({ ...base, urls: ['http://x'], data: 'AA==', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }));
    t.throws(() => parseDescriptor({ ...base, urls: 'http://x' }), { message: 'descriptor.urls: must be an array, got "http://x"' });
    t.throws(() => parseDescriptor({ ...base, platform: { os: 'linux', architecture: 'arm', variant: 7 } }), {
        message: 'descriptor.platform.variant: must be a string, got 7',
    });
    t.throws(() => parseDescriptor(null, 'x'), { message: 'x: must be an object, got null' });
});
function config(overrides = {}) {
    return {
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/bin'], Cmd: null, Entrypoint: ['/bin/sh'], Labels: null, ExposedPorts: { '80/tcp': {} } },
        rootfs: { type: 'layers', diff_ids: [D1] },
        history: [{ created_by: 'x', empty_layer: true }],
        container_config: { Hostname: 'abc' },
        ...overrides,
    };
}
test('image config validation', (t) => {
    const c = parseImageConfig(json(config()));
    t.deepEqual(c.rootfs.diff_ids, [D1]);
    t.deepEqual(c.container_config, { Hostname: 'abc' });
    const cases = [
        [{ os: undefined }, 'config.os: is required'],
        [{ architecture: 5 }, 'config.architecture: must be a string, got 5'],
        [{ rootfs: undefined }, 'config.rootfs: is required'],
        [{ rootfs: { type: 'tar', diff_ids: [] } }, 'config.rootfs.type: must be "layers", got "tar"'],
        [{ rootfs: { type: 'layers', diff_ids: ['x'] } }, 'config.rootfs.diff_ids[0]: must be sha256:<64 lowercase hex>, got "x"'],
        [{ config: { Env: 'A=1' } }, 'config.config.Env: must be an array, got "A=1"'],
        [{ config: { Labels: { a: 1 } } }, 'config.config.Labels["a"]: must be a string, got 1'],
        [{ history: [{ empty_layer: 'yes' }] }, 'config.history[0].empty_layer: must be a boolean, got "yes"'],
    ];
    for (const [o, message] of cases) {
        t.throws(() => parseImageConfig(json(config(o))), { instanceOf: InvalidManifestError, message });
    }
});
test('manifest and config must agree on the layer count', (t) => {
    const m = parseManifest(json(manifest()));
    t.notThrows(() => checkManifestMatchesConfig(m, parseImageConfig(json(config()))));
    t.throws(() => checkManifestMatchesConfig(m, parseImageConfig(json(config({ rootfs: { type: 'layers', diff_ids: [] } })))), {
        message: 'config.rootfs.diff_ids: has 0 entries but the manifest has 1 layers',
    });
});
//# sourceMappingURL=image-spec.test.js.map