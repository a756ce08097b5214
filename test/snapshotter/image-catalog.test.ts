import { createHash } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { ImageCatalog } from '../../snapshotter/image-catalog.js';
import { buildOciImage, pushOciImage, type BuiltImage } from '../harness/oci-image.js';
import { startCountingProxy, startRegistry, type ProxyHandle, type RegistryHandle } from '../harness/registry.js';

// Layer lookups against a real registry: what a layer is, the manifest read once, tags followed
// when they move, mirrors tried first.

const DARNER_BLOB = { 'containerd.io/snapshot/darner-blob': 'true' };

/**
 * A registry behind a counting proxy (both stopped at the test's end) and an image, not yet
 * pushed, of one-file layers named by `files`: the first annotated as a darner data blob, the
 * second as the bootstrap.
 */
async function registryAndDarnerImage(t: ExecutionContext, files: string[]): Promise<{ registry: RegistryHandle; proxy: ProxyHandle; image: BuiltImage }> {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const proxy = await startCountingProxy(registry.host);
  t.teardown(() => proxy.stop());
  const image = await buildOciImage({
    name: 'x',
    layers: files.map((name) => [{ type: 'file' as const, path: name, data: name }]),
    layerAnnotations: [DARNER_BLOB, { 'containerd.io/snapshot/darner-bootstrap': 'true' }],
  });
  return { registry, proxy, image };
}

test('layers are classified from the manifest, which is read once per image', async (t) => {
  const { registry, proxy, image } = await registryAndDarnerImage(t, ['a', 'b', 'c']);
  // Make layer 0 a darner data blob as the converter writes one: media type and annotation.
  const manifest = JSON.parse(image.blobs.get(image.manifest.digest)!.toString()) as { layers: Array<{ mediaType: string }> };
  manifest.layers[0]!.mediaType = 'application/vnd.oci.image.layer.darner.blob.v1';
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  image.blobs.delete(image.manifest.digest);
  image.blobs.set(digest, bytes);
  image.manifest = { ...image.manifest, digest, size: bytes.length };
  await pushOciImage(image, `${registry.host}/t/app:1`);
  proxy.reset();

  const catalog = new ImageCatalog();
  t.teardown(() => catalog.close());
  const reference = `${proxy.host}/t/app:1`;
  const kinds = await Promise.all(
    image.layers.map((l) => catalog.lookupLayer({ reference, layerDigest: l.digest, plainHttp: false, source: 'stargz' })),
  );
  t.deepEqual(kinds.map((k) => k?.kind), ['data', 'bootstrap', 'other']);
  t.is(kinds[0]?.image, `${proxy.host}/t/app@${digest}`);
  t.is(proxy.requests.filter((r) => r.kind === 'manifest').length, 1, 'concurrent lookups share one read');

  // By digest: no registry request at all (the manifest is cached).
  proxy.reset();
  const byDigest = await catalog.lookupLayer({ reference, manifestDigest: digest, layerDigest: image.layers[0]!.digest, plainHttp: false, source: 'cri' });
  t.is(byDigest?.kind, 'data');
  t.is(proxy.requests.length, 0);
  t.false(byDigest?.plainHttp, 'no label, and not in [registry] plain_http');

  // A layer the image does not have: the tag is read again (it may have moved), then undefined.
  const stray = await catalog.lookupLayer({ reference, layerDigest: `sha256:${'f'.repeat(64)}`, plainHttp: false, source: 'stargz' });
  t.is(stray, undefined);
  t.is(proxy.requests.filter((r) => r.kind === 'manifest').length, 1);

  // A CRI pull carries no plain-http label: the snapshotter's own [registry] plain_http decides.
  const listed = new ImageCatalog({ plainHttp: [proxy.host] });
  t.teardown(() => listed.close());
  const cri = await listed.lookupLayer({ reference, manifestDigest: digest, layerDigest: image.layers[0]!.digest, plainHttp: false, source: 'cri' });
  t.true(cri?.plainHttp, 'a registry named in [registry] plain_http is spoken to over plain http by the daemon too');
});

test('mirrors are tried before the registry, and a failing mirror falls through', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const mirror = await startCountingProxy(registry.host);
  t.teardown(() => mirror.stop());
  const broken = await startCountingProxy(registry.host);
  t.teardown(() => broken.stop());
  const image = await buildOciImage({ name: 'x', layers: [[{ type: 'file', path: 'a', data: 'a' }]] });
  await pushOciImage(image, `${registry.host}/t/app:1`);

  // The reference names a registry nobody listens on; its mirrors serve it.
  const origin = '127.0.0.1:1';
  broken.failNext(500, { kind: 'manifest' }, 100);
  const catalog = new ImageCatalog({ mirrors: { [origin]: [broken.host, mirror.host] } });
  t.teardown(() => catalog.close());
  const found = await catalog.lookupLayer({ reference: `${origin}/t/app:1`, layerDigest: image.layers[0]!.digest, plainHttp: false, source: 'stargz' });
  t.is(found?.kind, 'other');
  t.is(found?.image, `${origin}/t/app@${image.manifest.digest}`, 'the image keeps its own name');
  t.true(broken.requests.some((r) => r.kind === 'manifest'));
  t.true(mirror.requests.some((r) => r.kind === 'manifest' && r.status === 200));
});

test("a pinned manifest is read from containerd's content store when it is there and hashes to its digest, else from the registry", async (t) => {
  const { registry, proxy, image } = await registryAndDarnerImage(t, ['a', 'b']);
  await pushOciImage(image, `${registry.host}/t/local:1`);
  const digest = image.manifest.digest;
  const bytes = image.blobs.get(digest)!;
  const identity = { reference: `${proxy.host}/t/local:1`, manifestDigest: digest, layerDigest: image.layers[0]!.digest, plainHttp: false, source: 'cri' as const };
  const manifestGets = (): number => proxy.requests.filter((r) => r.kind === 'manifest').length;

  const asked: string[] = [];
  const stored = new ImageCatalog({}, undefined, async (namespace, d) => {
    asked.push(`${namespace} ${d}`);
    return bytes;
  });
  t.teardown(() => stored.close());
  proxy.reset();
  t.is((await stored.lookupLayer(identity, 'k8s.io'))?.kind, 'data');
  t.is(proxy.requests.length, 0, 'nothing read from the registry');
  t.deepEqual(asked, [`k8s.io ${digest}`]);
  t.true(stored.manifestBytes(`${proxy.host}/t/local@${digest}`)?.equals(bytes), 'kept to be handed to the daemon');

  // Other bytes under the digest (a corrupt store): refused, the registry is read.
  const tampered = Buffer.from(bytes.toString().replace('"layers"', ' "layers"'));
  const corrupt = new ImageCatalog({}, undefined, async () => tampered);
  t.teardown(() => corrupt.close());
  proxy.reset();
  t.is((await corrupt.lookupLayer(identity, 'k8s.io'))?.kind, 'data');
  t.is(manifestGets(), 1);

  // Not stored (or no containerd): the registry.
  const absent = new ImageCatalog({}, undefined, async () => undefined);
  t.teardown(() => absent.close());
  proxy.reset();
  t.is((await absent.lookupLayer(identity, 'k8s.io'))?.kind, 'data');
  t.is(manifestGets(), 1);

  // A lookup by tag is never answered from the store (the tag may have moved).
  const byTag = new ImageCatalog({}, undefined, async () => {
    t.fail('asked for a tag');
    return undefined;
  });
  t.teardown(() => byTag.close());
  const { manifestDigest: _pinned, ...unpinned } = identity;
  t.is((await byTag.lookupLayer({ ...unpinned, source: 'stargz' }, 'default'))?.kind, 'data');
});
