import test from 'ava';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { RegistryClient } from '../../src/blob/registry.js';
import { DigestMismatchError, RegistryError } from '../../src/errors.js';
import { sha256Digest } from '../../src/digest.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { makeTestImage } from '../harness/images.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
// One registry and one proxy for the file; tests run serially because faults are queued on the
// shared proxy and request counts are read from it.
let registry;
let proxy;
let client;
const ATTEMPTS = 3;
const blobBytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
const blobDigest = sha256Digest(blobBytes);
let manifestDigest;
test.before(async () => {
    registry = await startRegistry();
    proxy = await startCountingProxy(registry.host);
    client = new RegistryClient(proxy.host, { dockerConfigPath: null, retry: { attempts: ATTEMPTS, baseDelayMs: 5, maxDelayMs: 20 } });
    await client.pushBlob('faults', { digest: blobDigest, size: blobBytes.length }, blobBytes);
    const image = await makeTestImage({ layers: [{ f: 'x' }] });
    for (const b of image.blobs)
        await client.pushBlob('faults', b.desc, b.bytes);
    manifestDigest = await client.putManifest('faults', 'v1', image.manifest.bytes, MediaType.OCI_MANIFEST);
});
test.after.always(async () => {
    await client?.close();
    await proxy?.stop();
    await registry?.stop();
});
test.beforeEach(() => proxy.reset());
const manifestGets = () => proxy.requests.filter((r) => r.kind === 'manifest' && r.method === 'GET').length;
test.serial('a transient 500 is retried and the read succeeds', async (t) => {
    proxy.failNext(500, { kind: 'manifest' });
    t.is((await client.getManifest('faults', 'v1')).digest, manifestDigest);
    t.deepEqual(proxy.requests.filter((r) => r.kind === 'manifest').map((r) => r.status), [500, 200]);
});
test.serial('a persistent 500 fails with REGISTRY_ERROR after the bounded attempts', async (t) => {
    proxy.failNext(500, { kind: 'manifest' }, 100);
    const err = await t.throwsAsync(client.getManifest('faults', 'v1'), { instanceOf: RegistryError });
    t.is(err.code, 'REGISTRY_ERROR');
    t.is(err.status, 500);
    t.regex(err.message, /^GET http:\/\/127\.0\.0\.1:\d+\/v2\/faults\/manifests\/v1: 500 Internal Server Error \(INJECTED: injected status 500\)$/);
    t.is(manifestGets(), ATTEMPTS);
});
test.serial('429 is retried; 404 and 401 are not', async (t) => {
    proxy.failNext(429, { kind: 'blob' });
    t.deepEqual(await client.readRangeRetrying('faults', blobDigest, 0, 16), blobBytes.subarray(0, 16));
    t.deepEqual(proxy.requests.filter((r) => r.kind === 'blob').map((r) => r.status), [429, 206]);
    proxy.reset();
    proxy.failNext(404, { kind: 'manifest' });
    const notFound = await t.throwsAsync(client.getManifest('faults', 'v1'), { instanceOf: RegistryError });
    t.is(notFound.code, 'REGISTRY_NOT_FOUND');
    t.is(manifestGets(), 1);
    proxy.reset();
    proxy.failNext(401, { kind: 'manifest' });
    const unauthorized = await t.throwsAsync(client.getManifest('faults', 'v1'), { instanceOf: RegistryError });
    t.is(unauthorized.code, 'REGISTRY_UNAUTHORIZED');
    t.is(unauthorized.status, 401);
    t.is(manifestGets(), 1);
});
test.serial('a dropped or truncated range read is retried by readRangeRetrying; the proxy counts the bytes served', async (t) => {
    proxy.failNext('drop', { kind: 'blob' });
    t.deepEqual(await client.readRangeRetrying('faults', blobDigest, 100, 1000), blobBytes.subarray(100, 1100));
    t.deepEqual(proxy.requests.filter((r) => r.kind === 'blob').map((r) => r.status), [0, 206]);
    proxy.reset();
    proxy.failNext('truncate', { kind: 'blob' });
    t.deepEqual(await client.readRangeRetrying('faults', blobDigest, 2000, 2000), blobBytes.subarray(2000, 4000));
    // 1000 bytes of the truncated answer, then the full 2000.
    t.is(proxy.bytesServed('blob'), 3000);
    t.is(proxy.bytesServed('manifest'), 0);
});
test.serial('readRange is one request: a 503, a dropped connection or a 416 fail it at once, its caller retries', async (t) => {
    for (const fault of [503, 'drop', 416]) {
        proxy.reset();
        proxy.failNext(fault, { kind: 'blob' }, 100);
        const err = await t.throwsAsync(client.readRange('faults', blobDigest, 0, 16), { instanceOf: RegistryError });
        t.is(err.status, fault === 'drop' ? 0 : fault);
        t.is(proxy.requests.filter((r) => r.kind === 'blob').length, 1, `${fault}: one request`);
    }
    // The retrying variant gives up on a 416 at once too: it will not pass by waiting.
    proxy.reset();
    proxy.failNext(416, { kind: 'blob' }, 100);
    await t.throwsAsync(client.readRangeRetrying('faults', blobDigest, 0, 16), { instanceOf: RegistryError });
    t.is(proxy.requests.filter((r) => r.kind === 'blob').length, 1);
});
test.serial('wrong bytes in a blob stream or a manifest fetched by digest are caught', async (t) => {
    proxy.failNext('wrong-bytes', { kind: 'blob' });
    const stream = await client.openBlob('faults', blobDigest, { size: blobBytes.length });
    await t.throwsAsync(readAll(stream), { instanceOf: DigestMismatchError });
    proxy.failNext('wrong-bytes', { kind: 'manifest' });
    await t.throwsAsync(client.getManifest('faults', manifestDigest), { instanceOf: DigestMismatchError });
});
test.serial('a blob stream cut short fails instead of ending quietly', async (t) => {
    proxy.failNext('truncate', { kind: 'blob', method: 'GET' });
    const stream = await client.openBlob('faults', blobDigest, { size: blobBytes.length });
    const err = await t.throwsAsync(readAll(stream));
    t.true(err instanceof RegistryError || err?.name === 'SizeMismatchError', String(err));
});
test.serial('an upload that fails once is restarted and succeeds', async (t) => {
    const bytes = Buffer.from('upload me despite a 503');
    const digest = sha256Digest(bytes);
    proxy.failNext(503, { kind: 'upload', method: 'PUT' });
    await client.pushBlob('faults', { digest, size: bytes.length }, () => Readable.from([bytes]));
    t.is(await client.headBlob('faults', digest), bytes.length);
    const uploads = proxy.requests.filter((r) => r.kind === 'upload').map((r) => `${r.method} ${r.status}`);
    t.deepEqual(uploads, ['POST 202', 'PUT 503', 'POST 202', 'PUT 201']);
});
test.serial('redirects are followed, on the same host and to another host', async (t) => {
    proxy.failNext('redirect', { kind: 'blob' });
    t.deepEqual(await client.getBlob('faults', blobDigest), blobBytes);
    proxy.failNext('redirect-other-host', { kind: 'blob' });
    t.deepEqual(await client.readRange('faults', blobDigest, 10, 20), blobBytes.subarray(10, 30));
    const redirected = proxy.requests.filter((r) => r.redirected);
    t.deepEqual(redirected.map((r) => r.host), [proxy.host, proxy.otherHost]);
    t.is(redirected[1].range, 'bytes=10-29');
});
test.serial('a registry that stops answering times out (REGISTRY_UNREACHABLE) and the retry succeeds', async (t) => {
    const impatient = new RegistryClient(proxy.host, {
        dockerConfigPath: null,
        timeouts: { headersMs: 300 },
        retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
    });
    t.teardown(() => impatient.close());
    proxy.failNext('stall', { kind: 'manifest' });
    t.is((await impatient.getManifest('faults', 'v1')).digest, manifestDigest);
    proxy.failNext('stall', { kind: 'manifest' }, 2);
    const err = await t.throwsAsync(impatient.getManifest('faults', 'v1'), { instanceOf: RegistryError });
    t.is(err.code, 'REGISTRY_UNREACHABLE');
    t.regex(err.message, /timed out waiting for the response$/);
});
test.serial('an AbortSignal ends a pending read with its reason, without retries', async (t) => {
    proxy.failNext('stall', { kind: 'blob' });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const pending = client.readRange('faults', blobDigest, 0, 10, controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    t.is(await t.throwsAsync(pending), reason);
    t.is(proxy.requests.filter((r) => r.kind === 'blob').length, 1);
});
//# sourceMappingURL=registry-faults.test.js.map