/**
 * A darner image published under Nydus's media type and annotations (`convert --layer-annotations
 * nydus`) pulls lazily into containerd through the darner snapshotter, as a Nydus image does (its
 * data layers remote, never fetched; the bootstrap layer unpacked), and a container of it sees the
 * upper layers' view through the daemon's image mount.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { convertImage } from '../../converter/convert.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { pullImage } from '../../snapshotter/pull/pull.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { writeOciLayout } from '../harness/oci-image.js';
import { LAYERED_VIEW_SCRIPT, blobRequests, layeredImage, layeredView, startPullEnv, uid } from './env.js';

test("darner pull of a darner image under Nydus's annotations: data layers remote and never fetched, ctr run sees the layered view", async (t) => {
  let daemon: Awaited<ReturnType<typeof startDaemonProcess>> | undefined;
  const env = await startPullEnv(t, {
    daemon: async (dir) => {
      daemon = await startDaemonProcess({ dir });
      return { socket: daemon.socket, client: daemon.client, stop: () => daemon!.cleanup({ keepDir: true }) };
    },
  });
  const layout = fs.mkdtempSync(path.join(env.dir, 'layout-'));
  await writeOciLayout(await layeredImage(), layout);
  const summary = await convertImage(`oci:${layout}`, `${env.registry.host}/test/nydus-published:conv`, { chunkSize: 64 * 1024, workDir: env.dir, layerAnnotations: 'nydus' });
  const data = summary.manifest.layers.filter((l) => l.mediaType === MediaType.NYDUS_BLOB).map((l) => l.digest);
  t.is(data.length, 3, 'three data layers under Nydus\'s media type');
  t.is(summary.manifest.layers.at(-1)?.annotations?.['containerd.io/snapshot/nydus-bootstrap'], 'true');
  env.proxy.reset();

  const ref = `${env.proxy.host}/test/nydus-published:conv`;
  const result = await pullImage(ref, env.pullOptions);
  t.deepEqual(result.layers.map((l) => l.result), ['remote', 'remote', 'remote', 'unpacked']);
  t.is(blobRequests(env.proxy, data), 0, 'no request for any data blob reached the registry during the pull');
  const bootFiles = fs
    .readdirSync(path.join(env.sn.root, 'snapshots'))
    .map((id) => path.join(env.sn.root, 'snapshots', id, 'fs', 'image', 'image.boot'))
    .filter((f) => fs.existsSync(f));
  t.is(bootFiles.length, 1, 'exactly one snapshot holds the unpacked bootstrap');
  const loaded = await loadImageBootstrap(`${env.registry.host}/test/nydus-published:conv`, {});
  await loaded.source.close();
  t.true(fs.readFileSync(bootFiles[0]!).equals(loaded.bootstrapBytes));

  const container = uid('nydus-published');
  t.is(await env.ctd.ctr(['run', '--rm', '--snapshotter', 'darner', ref, container, 'sh', '-c', LAYERED_VIEW_SCRIPT]), layeredView());
  t.is((await daemon!.client.listMounts()).length, 1, 'the image is mounted by the darner daemon');
});
