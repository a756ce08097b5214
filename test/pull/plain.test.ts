import { createHash } from 'node:crypto';
import fs from 'node:fs';
import test from 'ava';
import { startContainerd } from '../harness/containerd.js';
import { BUSYBOX_PATH, buildOciImage, busyboxEntries, pushOciImage } from '../harness/oci-image.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { startSnapshotter } from '../harness/snapshotter.js';
import { pullImage } from '../../snapshotter/pull/pull.js';
import { uid } from './env.js';
import { ContainerdClient } from '../../snapshotter/pull/containerd-client.js';

// darner pull of a plain OCI image from a real registry into a real containerd through the darner
// snapshotter: every layer is fetched once and unpacked, and ctr runs the image.

test('darner pull unpacks a plain OCI image that ctr then runs; a second pull fetches nothing', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const proxy = await startCountingProxy(registry.host);
  t.teardown(() => proxy.stop());
  const sn = await startSnapshotter();
  t.teardown(() => sn.stop());
  const ctd = await startContainerd({ snapshotterSocket: sn.address });
  t.teardown(() => ctd.stop());

  const image = await buildOciImage({
    name: 'plain',
    layers: [
      [...busyboxEntries(), { type: 'file', path: 'etc/motd', data: 'layer one\n' }],
      [{ type: 'dir', path: 'etc' }, { type: 'file', path: 'etc/greeting', data: 'hello\n' }, { type: 'whiteout', path: 'etc/motd' }],
    ],
    config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
  });
  const ref = `${proxy.host}/test/plain:v1`;
  await pushOciImage(image, ref);
  proxy.reset();

  const result = await pullImage(ref, { address: ctd.address, namespace: 'default', snapshotter: 'darner' });
  t.deepEqual(result.layers.map((l) => l.result), ['unpacked', 'unpacked']);
  t.is(result.topChainId, image.layers[1]!.chainId);
  const layerBytes = image.layers.reduce((n, l) => n + l.size, 0);
  t.is(result.fetchedBytes, layerBytes);
  t.is(proxy.bytesServed((r) => r.kind === 'blob' && image.layers.some((l) => r.path.endsWith(l.digest))), layerBytes);

  // containerd's view: the image, its snapshots, and GC labels on the content.
  t.regex(await ctd.ctr(['images', 'ls', '-q']), new RegExp(`^${ref.replace(/[.]/g, '\\.')}$`, 'm'));
  const snapshots = await ctd.ctr(['snapshots', '--snapshotter', 'darner', 'ls']);
  for (const layer of image.layers) t.regex(snapshots, new RegExp(`${layer.chainId}\\s.*Committed`));
  const client = ContainerdClient.connect({ address: ctd.address, namespace: 'default' });
  t.teardown(() => client.close());
  const config = await client.contentInfo(image.config.digest);
  t.is(config.labels['containerd.io/gc.ref.snapshot.darner'], image.layers[1]!.chainId);
  const manifest = await client.contentInfo(image.manifest.digest);
  t.is(manifest.labels['containerd.io/gc.ref.content.config'], image.config.digest);
  t.is(manifest.labels['containerd.io/gc.ref.content.l.1'], image.layers[1]!.digest);
  t.is((await client.contentInfo(image.layers[0]!.digest)).labels['containerd.io/uncompressed'], image.layers[0]!.diffId);
  t.deepEqual(await ctd.ctr(['leases', 'ls', '-q']), '', 'the pull lease is gone');

  const busybox = createHash('sha256').update(fs.readFileSync(BUSYBOX_PATH)).digest('hex');
  const out = await ctd.ctr([
    'run', '--rm', '--snapshotter', 'darner', ref, uid('c1'),
    'sh', '-c', 'cat /etc/greeting; test -e /etc/motd && echo motd || echo no-motd; sha256sum /bin/busybox',
  ]);
  t.is(out, `hello\nno-motd\n${busybox}  /bin/busybox\n`);

  // Pulling again finds everything in place.
  proxy.reset();
  const again = await pullImage(ref, { address: ctd.address, namespace: 'default', snapshotter: 'darner' });
  t.deepEqual(again.layers.map((l) => l.result), ['present', 'present']);
  t.is(proxy.bytesServed('blob') - image.config.size, 0, 'only the config is read again');
});
