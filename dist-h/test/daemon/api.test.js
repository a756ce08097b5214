/** The control API's pure rules: request validation, status codes, error bodies, the state file codec. */
import test from 'ava';
import { errorBody, httpStatusOf, parseGcRequest, parseMountRequest } from '../../src/daemon/api.js';
import { decodeState, encodeState } from '../../src/daemon/state.js';
import { BadRequestError, ConfigError, DigestMismatchError, InvalidManifestError, InvalidReferenceError, MalformedBootstrapError, MountError, MountpointBusyError, NotFoundError, RegistryError, } from '../../src/errors.js';
test('a mount request needs a reference and takes every documented field', (t) => {
    t.deepEqual(parseMountRequest({ reference: 'r:5000/a:b' }), { reference: 'r:5000/a:b' });
    const full = {
        reference: 'oci:/x:y',
        mountpoint: '/mnt/a',
        bootstrap: '/b/image.boot',
        platform: 'linux/arm64/v8',
        plainHttp: true,
        credentials: { username: 'u', password: 'p' },
        prefetchAll: true,
        labels: { 'containerd.io/snapshot/darner': 'yes' },
    };
    t.deepEqual(parseMountRequest(full), full);
    t.deepEqual(parseMountRequest({ reference: 'a/b', mountpoint: null, labels: null }), { reference: 'a/b' });
});
test('a bad mount request is BAD_REQUEST with a message naming the field', (t) => {
    const bad = [
        [null, /JSON object/],
        [[], /JSON object/],
        [{}, /reference is required/],
        [{ reference: '' }, /reference must be a non-empty string/],
        [{ reference: 5 }, /reference must be a non-empty string/],
        [{ reference: 'a', mountpoint: 'relative' }, /mountpoint must be an absolute path/],
        [{ reference: 'a', bootstrap: 'relative' }, /bootstrap must be an absolute path/],
        [{ reference: 'a', mountpoint: '/a\0b' }, /NUL/],
        [{ reference: 'a', plainHttp: 'yes' }, /plainHttp must be true or false/],
        [{ reference: 'a', credentials: { username: 'u' } }, /credentials must be/],
        [{ reference: 'a', labels: { k: 1 } }, /label "k" must be a string/],
        [{ reference: 'a', labels: 'x' }, /labels must be an object/],
        [{ reference: 'a', refrence: 'typo' }, /unknown field "refrence"/],
    ];
    for (const [body, message] of bad) {
        const err = t.throws(() => parseMountRequest(body), { instanceOf: BadRequestError }, JSON.stringify(body));
        t.regex(err?.message ?? '', message);
        t.is(httpStatusOf(err), 400);
    }
});
test('a gc request takes optional blob ids to keep', (t) => {
    t.deepEqual(parseGcRequest(undefined), { keep: [] });
    t.deepEqual(parseGcRequest({}), { keep: [] });
    const id = 'a'.repeat(64);
    t.deepEqual(parseGcRequest({ keep: [id] }), { keep: [id] });
    t.throws(() => parseGcRequest({ keep: ['nothex'] }), { instanceOf: BadRequestError });
    t.throws(() => parseGcRequest({ keep: id }), { instanceOf: BadRequestError });
    t.throws(() => parseGcRequest({ other: 1 }), { instanceOf: BadRequestError });
});
test('failures map to HTTP statuses', (t) => {
    t.is(httpStatusOf(new BadRequestError('x')), 400);
    t.is(httpStatusOf(new InvalidReferenceError('x')), 400);
    t.is(httpStatusOf(new NotFoundError('x')), 404);
    t.is(httpStatusOf(new MountpointBusyError('x')), 409);
    t.is(httpStatusOf(new RegistryError('REGISTRY_NOT_FOUND', 404, 'x')), 404);
    t.is(httpStatusOf(new RegistryError('REGISTRY_UNREACHABLE', 0, 'x')), 502);
    t.is(httpStatusOf(new RegistryError('REGISTRY_UNAUTHORIZED', 401, 'x')), 502);
    t.is(httpStatusOf(new InvalidManifestError('x')), 422);
    t.is(httpStatusOf(new MalformedBootstrapError('x')), 422);
    t.is(httpStatusOf(new DigestMismatchError('x', 'a', 'b')), 502);
    t.is(httpStatusOf(new MountError('x')), 500);
    t.is(httpStatusOf(new Error('x')), 500);
});
test('error bodies are one line with the stable code', (t) => {
    t.deepEqual(errorBody(new MountpointBusyError('busy\n  here')), { error: { code: 'MOUNTPOINT_BUSY', message: 'busy here' } });
    t.deepEqual(errorBody(Object.assign(new Error('no'), { code: 'EACCES' })), { error: { code: 'EACCES', message: 'no' } });
    t.deepEqual(errorBody('weird'), { error: { code: 'INTERNAL', message: 'weird' } });
});
test('the state file round trips and refuses malformed records', (t) => {
    const record = {
        mount: {
            id: 'm-0123456789abcdef',
            reference: 'r/a:b',
            mountpoint: '/mnt/x',
            manifestDigest: `sha256:${'1'.repeat(64)}`,
            bootstrapDigest: '2'.repeat(64),
            blobs: ['3'.repeat(64)],
            createdAt: '2026-01-01T00:00:00.000Z',
            labels: { a: 'b' },
        },
        ownMountpoint: false,
        credentials: { username: 'u', password: 'p' },
        prefetchAll: true,
    };
    t.deepEqual(decodeState(encodeState([record])), [record]);
    t.deepEqual(decodeState(encodeState([])), []);
    t.throws(() => decodeState('not json'), { instanceOf: ConfigError });
    t.throws(() => decodeState('{"version": 2, "mounts": []}'), { instanceOf: ConfigError });
    const broken = JSON.parse(encodeState([record]));
    broken.mounts[0].mount.bootstrapDigest = 'short';
    t.throws(() => decodeState(JSON.stringify(broken)), { instanceOf: ConfigError, message: /bootstrapDigest/ });
});
//# sourceMappingURL=api.test.js.map