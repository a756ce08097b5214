import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { RegistryClient } from '../../src/blob/registry.js';
import { DigestMismatchError, RegistryError, SizeMismatchError } from '../../src/errors.js';
import { sha256Digest } from '../../src/digest.js';
import { MediaType, parseIndex, parseManifest } from '../../src/oci/image-spec.js';
import { makeIndex, makeTestImage } from '../harness/images.js';
import { freePort, startCountingProxy, startRegistry } from '../harness/registry.js';
let registry;
let client;
test.before(async () => {
    registry = await startRegistry();
    client = new RegistryClient(registry.host, { dockerConfigPath: null, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
});
test.after.always(async () => {
    await client?.close();
    await registry?.stop();
});
test('push blobs (buffer, file, stream factory, chunked stream), a manifest and an index; read them back', async (t) => {
    const amd = await makeTestImage({ layers: [{ 'a.txt': 'amd64 layer one' }, { 'b.txt': 'amd64 layer two' }] });
    const arm = await makeTestImage({ layers: [{ 'a.txt': 'arm64 layer' }], platform: { os: 'linux', architecture: 'arm64' } });
    const dir = await mkdtemp(join(tmpdir(), 'darner-reg-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    // amd64: config as buffer, layer 0 from a file, layer 1 from a stream factory.
    await client.pushBlob('multi', amd.config.desc, amd.config.bytes);
    await writeFile(join(dir, 'layer0'), amd.layers[0].bytes);
    await client.pushBlob('multi', amd.layers[0].desc, { path: join(dir, 'layer0') });
    await client.pushBlob('multi', amd.layers[1].desc, () => Readable.from([amd.layers[1].bytes]));
    // arm64: chunked upload of unknown size, in 7-byte PATCHes.
    for (const b of arm.blobs) {
        const pushed = await client.pushBlobStream('multi', Readable.from([b.bytes.subarray(0, 5), b.bytes.subarray(5)]), { chunkSize: 7 });
        t.deepEqual(pushed, { digest: b.desc.digest, size: b.desc.size });
    }
    t.is(await client.putManifest('multi', amd.manifest.desc.digest, amd.manifest.bytes, MediaType.OCI_MANIFEST), amd.manifest.desc.digest);
    t.is(await client.putManifest('multi', 'arm', arm.manifest.bytes, MediaType.OCI_MANIFEST), arm.manifest.desc.digest);
    const index = makeIndex([
        { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
        { image: arm, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    t.is(await client.putManifest('multi', 'v1', index.bytes, MediaType.OCI_INDEX), index.desc.digest);
    const byTag = await client.getManifest('multi', 'v1');
    t.is(byTag.digest, index.desc.digest);
    t.is(byTag.mediaType, MediaType.OCI_INDEX);
    t.is(parseIndex(byTag.bytes).manifests.length, 2);
    const byDigest = await client.getManifest('multi', amd.manifest.desc.digest);
    t.deepEqual(parseManifest(byDigest.bytes).layers, amd.manifest.desc.digest === byDigest.digest ? parseManifest(amd.manifest.bytes).layers : []);
    t.like(await client.headManifest('multi', 'arm'), { digest: arm.manifest.desc.digest, mediaType: MediaType.OCI_MANIFEST, size: arm.manifest.desc.size });
    t.is(await client.headManifest('multi', 'nope'), undefined);
    for (const b of [...amd.blobs, ...arm.blobs]) {
        t.is(await client.headBlob('multi', b.desc.digest), b.desc.size);
        t.deepEqual(await readAll(await client.openBlob('multi', b.desc.digest, { size: b.desc.size })), b.bytes);
        t.deepEqual(await client.getBlob('multi', b.desc.digest, { size: b.desc.size }), b.bytes);
    }
    t.is(await client.headBlob('multi', sha256Digest(Buffer.from('absent'))), undefined);
});
test('range reads: first byte, last byte, middle, whole; past the end is an error', async (t) => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const digest = sha256Digest(bytes);
    await client.pushBlob('ranges', { digest, size: bytes.length }, bytes);
    t.deepEqual(await client.readRange('ranges', digest, 0, 1), bytes.subarray(0, 1));
    t.deepEqual(await client.readRange('ranges', digest, 999, 1), bytes.subarray(999));
    t.deepEqual(await client.readRange('ranges', digest, 300, 123), bytes.subarray(300, 423));
    t.deepEqual(await client.readRange('ranges', digest, 0, 1000), bytes);
    t.is((await client.readRange('ranges', digest, 5, 0)).length, 0);
    const past = await t.throwsAsync(client.readRange('ranges', digest, 1000, 10), { instanceOf: RegistryError });
    t.is(past.code, 'REGISTRY_ERROR');
    t.is(past.status, 416);
    const straddle = await t.throwsAsync(client.readRange('ranges', digest, 990, 20), { instanceOf: RegistryError });
    t.regex(straddle.message, /range 990-1009 goes past the end of the blob \(1000 bytes\)/);
    await t.throwsAsync(client.readRange('ranges', digest, -1, 10), { instanceOf: RegistryError, message: /bad range/ });
    // Whole-blob reads into memory are bounded.
    await t.throwsAsync(client.getBlob('ranges', digest, { maxSize: 999 }), { instanceOf: RegistryError, message: /1000 bytes, more than the 999 allowed/ });
});
test('range reads report the body as it arrives: growing prefixes of the buffer they return', async (t) => {
    const bytes = Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => (i * 7) % 253));
    const digest = sha256Digest(bytes);
    await client.pushBlob('ranges', { digest, size: bytes.length }, bytes);
    const seen = [];
    const offset = 12345;
    const length = bytes.length - offset - 10;
    const got = await client.readRange('ranges', digest, offset, length, undefined, {
        onProgress: (buffer, filled) => {
            // Checked at the call: bytes [0, filled) are already the range's.
            seen.push({ buffer, filled, prefixOk: buffer.subarray(0, filled).equals(bytes.subarray(offset, offset + filled)) });
        },
    });
    t.true(got.equals(bytes.subarray(offset, offset + length)));
    t.true(seen.length > 1, `${seen.length} progress calls for ${length} bytes`);
    t.true(seen.every((s) => s.buffer === got), 'every call names the buffer that is returned');
    t.true(seen.every((s) => s.prefixOk), 'every reported prefix holds the right bytes');
    t.true(seen.every((s, i) => i === 0 || s.filled > seen[i - 1].filled), 'filled only grows');
    t.is(seen.at(-1).filled, length);
});
/** A blob of `size` bytes pushed to `repo`, and a client (pipelining 4) that reaches it through a counting proxy. */
async function blobBehindProxy(t, repo, size) {
    const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 13) % 251));
    const digest = sha256Digest(bytes);
    await client.pushBlob(repo, { digest, size }, bytes);
    const proxy = await startCountingProxy(registry.host);
    const viaProxy = new RegistryClient(proxy.host, { dockerConfigPath: null, pipelining: 4, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
    t.teardown(async () => {
        await viaProxy.close();
        await proxy.stop();
    });
    return { bytes, digest, proxy, viaProxy };
}
test('bulk range reads share one connection; a read finding that connection busy takes another', async (t) => {
    const { bytes, digest, proxy, viaProxy } = await blobBehindProxy(t, 'bulk', 1 << 20);
    const ranges = Array.from({ length: 8 }, (_, i) => [i * 65536, 65536]);
    const rightBytes = (got) => got.every((b, i) => b.equals(bytes.subarray(ranges[i][0], ranges[i][0] + ranges[i][1])));
    const connectionsOf = (from) => new Set(proxy.requests.slice(from).filter((r) => r.kind === 'blob').map((r) => r.connection));
    const bulk = await Promise.all(ranges.map(([o, l]) => viaProxy.readRange('bulk', digest, o, l, undefined, { bulk: true })));
    t.true(rightBytes(bulk));
    const bulkConnections = connectionsOf(0);
    t.is(bulkConnections.size, 1, `8 concurrent bulk reads came on connections ${[...bulkConnections].join(', ')}`);
    const from = proxy.requests.length;
    const plain = await Promise.all(ranges.map(([o, l]) => viaProxy.readRange('bulk', digest, o, l)));
    t.true(rightBytes(plain));
    const plainConnections = connectionsOf(from);
    // The first read finds the bulk connection idle and takes it; the others go on the main pool.
    t.true(plainConnections.has([...bulkConnections][0]), 'the first read used the idle bulk connection');
    t.true(plainConnections.size > 1, `8 concurrent reads all came on connection ${[...plainConnections].join(', ')}`);
});
test('a read that took the idle bulk connection and stalls does not hold up the bulk reads behind it once aborted', async (t) => {
    const { bytes, digest, proxy, viaProxy } = await blobBehindProxy(t, 'bulk-stall', 1 << 19);
    proxy.failNext('stall', { kind: 'blob' });
    const stalled = viaProxy.readRange('bulk-stall', digest, 0, 4096, AbortSignal.timeout(500));
    // Queued behind the stalled read on the bulk connection (pipelined).
    const behind = viaProxy.readRange('bulk-stall', digest, 65536, 65536, undefined, { bulk: true });
    const settled = [];
    // An aborted read rejects with the signal's reason, as fetch() does.
    const reason = stalled.then(() => undefined, (err) => {
        settled.push('stalled');
        return err;
    });
    const got = await behind.then((b) => {
        settled.push('behind');
        return b;
    });
    t.is((await reason)?.name, 'TimeoutError', 'the abort ended the stalled read, not the 30 s headers timeout');
    t.true(got.equals(bytes.subarray(65536, 131072)));
    // Held up until the abort (it shares the stalled connection), then answered on a new one.
    t.deepEqual(settled, ['stalled', 'behind']);
    const blobRequests = proxy.requests.filter((r) => r.kind === 'blob');
    t.is(blobRequests[0].fault, 'stall');
    t.true(blobRequests.slice(1).every((r) => r.connection !== blobRequests[0].connection && r.status === 206));
});
test('a blob corrupted in the registry storage fails digest verification', async (t) => {
    const bytes = Buffer.from('precious bytes that will be damaged on disk');
    const digest = sha256Digest(bytes);
    await client.pushBlob('corrupt', { digest, size: bytes.length }, bytes);
    const path = registry.blobDataPath(digest);
    const stored = await readFile(path);
    t.deepEqual(stored, bytes);
    stored[3] = stored[3] ^ 0x55;
    await writeFile(path, stored);
    const stream = await client.openBlob('corrupt', digest, { size: bytes.length });
    const err = await t.throwsAsync(readAll(stream), { instanceOf: DigestMismatchError });
    t.is(err.expected, digest);
    await t.throwsAsync(client.getBlob('corrupt', digest), { instanceOf: DigestMismatchError });
    // A blob shorter on disk than its descriptor says: Content-Length gives it away.
    await writeFile(path, bytes.subarray(0, 10));
    await t.throwsAsync(client.openBlob('corrupt', digest, { size: bytes.length }), { instanceOf: SizeMismatchError });
});
test('missing manifests and blobs are REGISTRY_NOT_FOUND with a one-line message', async (t) => {
    const err = await t.throwsAsync(client.getManifest('nothing/here', 'latest'), { instanceOf: RegistryError });
    t.is(err.code, 'REGISTRY_NOT_FOUND');
    t.is(err.status, 404);
    t.is(err.message, `GET ${registry.url}/v2/nothing/here/manifests/latest: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)`);
    const missing = sha256Digest(Buffer.from('missing'));
    const blobErr = await t.throwsAsync(client.openBlob('nothing/here', missing), { instanceOf: RegistryError });
    t.is(blobErr.code, 'REGISTRY_NOT_FOUND');
    t.true(blobErr.message.includes(`/v2/nothing/here/blobs/${missing}: 404`));
    t.false(blobErr.message.includes('\n'));
});
test('cross-repository mount, and the fallback when the registry cannot mount', async (t) => {
    const bytes = Buffer.from('shared layer');
    const digest = sha256Digest(bytes);
    await client.pushBlob('mount/src', { digest, size: bytes.length }, bytes);
    t.true(await client.mountBlob('mount/dst', digest, 'mount/src'));
    t.is(await client.headBlob('mount/dst', digest), bytes.length);
    const unknown = sha256Digest(Buffer.from('nobody has me'));
    t.false(await client.mountBlob('mount/dst', unknown, 'mount/src'));
    // pushBlob with mountFrom falls back to uploading through the session the registry opened.
    const other = Buffer.from('only uploaded');
    await client.pushBlob('mount/dst', { digest: sha256Digest(other), size: other.length }, other, { mountFrom: 'mount/src' });
    t.is(await client.headBlob('mount/dst', sha256Digest(other)), other.length);
});
test('uploads check their input', async (t) => {
    const bytes = Buffer.from('some bytes');
    const digest = sha256Digest(bytes);
    await t.throwsAsync(client.pushBlob('checks', { digest: sha256Digest(Buffer.from('other')), size: bytes.length }, bytes), { instanceOf: DigestMismatchError });
    await t.throwsAsync(client.pushBlob('checks', { digest, size: 3 }, bytes), { instanceOf: SizeMismatchError });
    // A stream whose bytes do not match: the registry refuses the commit.
    const wrong = await t.throwsAsync(client.pushBlob('checks', { digest, size: bytes.length }, () => Readable.from([Buffer.from('Some bytes')])), { instanceOf: RegistryError });
    t.is(wrong.status, 400);
    t.regex(wrong.message, /DIGEST_INVALID/);
    t.is(await client.headBlob('checks', digest), undefined);
    // A stream shorter than the size it was announced with: our input is wrong, no retry helps.
    const short = await t.throwsAsync(client.pushBlob('checks', { digest, size: bytes.length }, () => Readable.from([bytes.subarray(0, 4)])), { instanceOf: SizeMismatchError });
    t.regex(short.message, /request body: size mismatch \(expected 10 bytes, got a different length\)$/);
    await t.throwsAsync(client.putManifest('checks', sha256Digest(Buffer.from('x')), Buffer.from('{}'), MediaType.OCI_MANIFEST), { instanceOf: DigestMismatchError });
});
test('a registry that is not there is REGISTRY_UNREACHABLE (status 0)', async (t) => {
    const port = await freePort();
    const c = new RegistryClient(`127.0.0.1:${port}`, { dockerConfigPath: null, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    t.teardown(() => c.close());
    const err = await t.throwsAsync(c.getManifest('x', 'latest'), { instanceOf: RegistryError });
    t.is(err.code, 'REGISTRY_UNREACHABLE');
    t.is(err.status, 0);
    t.regex(err.message, new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/v2/x/manifests/latest: unreachable: .*ECONNREFUSED`));
});
test('the registry keeps its data across restart()', async (t) => {
    const bytes = Buffer.from('survives a restart');
    const digest = sha256Digest(bytes);
    const own = await startRegistry();
    t.teardown(() => own.stop());
    const c = new RegistryClient(own.host, { dockerConfigPath: null });
    t.teardown(() => c.close());
    await c.pushBlob('r', { digest, size: bytes.length }, bytes);
    await own.restart();
    t.deepEqual(await c.getBlob('r', digest), bytes);
});
//# sourceMappingURL=registry.test.js.map