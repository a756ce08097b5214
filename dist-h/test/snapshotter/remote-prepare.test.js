import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import test from 'ava';
import { openImageSource } from '../../src/blob/image-store.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { CRI_LABELS } from '../../snapshotter/layer-labels.js';
import { chainIds } from '../../snapshotter/pull/pull-plan.js';
import { buildOciImage, busyboxEntries, pushOciImage } from '../harness/oci-image.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { snapshotsClient, startSnapshotter } from '../harness/snapshotter.js';
import { convertToRegistry, layeredImage } from '../pull/env.js';
// The snapshotter's remote-layer decisions, driven over its gRPC API the way containerd drives it
// for the CRI plugin (cri.* labels), against a real registry: data layers of a darner image are
// committed at once (ALREADY_EXISTS), everything else is prepared for unpacking.
const REF_LABEL = 'containerd.io/snapshot.ref';
test('CRI labels: data layers are committed remotely, bootstrap and plain layers are prepared, the manifest is read once', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-rp-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    const configFile = path.join(dir, 'sn.toml');
    fs.writeFileSync(configFile, `[daemon]\naddress = "${path.join(dir, 'daemon.sock')}"\nstart_command = ["/bin/false"]\n`);
    const sn = await startSnapshotter({ root: path.join(dir, 'root'), address: path.join(dir, 'sn.sock'), configFile });
    t.teardown(() => sn.stop());
    const client = snapshotsClient(sn.address);
    t.teardown(() => client.close());
    const summary = await convertToRegistry(await layeredImage(), dir, `${registry.host}/test/app:conv`);
    const plain = await buildOciImage({ name: 'plain', layers: [busyboxEntries(['sh'])] });
    await pushOciImage(plain, `${registry.host}/test/plain:1`);
    const ref = `${proxy.host}/test/app:conv`;
    const source = await openImageSource(ref);
    const { config } = await source.resolve();
    await source.close();
    const chains = chainIds(config.rootfs.diff_ids);
    const layers = summary.manifest.layers;
    proxy.reset();
    const criLabels = (i, reference = ref, manifestDigest = summary.manifestDigest, digest = layers[i].digest) => ({
        [CRI_LABELS.imageRef]: reference,
        [CRI_LABELS.layerDigest]: digest,
        [CRI_LABELS.manifestDigest]: manifestDigest,
        [REF_LABEL]: chains[i],
    });
    // The data layers: ALREADY_EXISTS, and a committed snapshot under the chain ID.
    for (let i = 0; i < layers.length - 1; i++) {
        t.is(layers[i].mediaType, MediaType.DARNER_BLOB);
        const err = await t.throwsAsync(client.prepare(`k8s.io/${i}/extract-${i} ${chains[i]}`, i === 0 ? '' : chains[i - 1], criLabels(i)));
        t.is(err?.code, grpc.status.ALREADY_EXISTS, err?.details);
        const info = await client.stat(chains[i]);
        t.is(info.kind, 'COMMITTED');
        t.is(info.parent, i === 0 ? '' : chains[i - 1]);
        t.is(info.labels['containerd.io/snapshot/darner.blob'], layers[i].digest);
    }
    t.is(proxy.requests.filter((r) => r.kind === 'manifest').length, 1, 'one manifest read for all the layers');
    t.is(proxy.requests.filter((r) => r.kind === 'blob').length, 0);
    // The bootstrap layer is unpacked like any layer: an overlay over the (empty) data layers.
    const top = layers.length - 1;
    const bootKey = `k8s.io/9/extract-9 ${chains[top]}`;
    const mounts = await client.prepare(bootKey, chains[top - 1], criLabels(top));
    t.is(mounts[0]?.type, 'overlay');
    t.is((mounts[0]?.options.find((o) => o.startsWith('lowerdir=')) ?? '').split(':').length, top);
    const upper = (mounts[0]?.options.find((o) => o.startsWith('upperdir=')) ?? '').slice('upperdir='.length);
    fs.mkdirSync(path.join(upper, 'image'));
    fs.writeFileSync(path.join(upper, 'image', 'image.boot'), 'a bootstrap stand-in');
    await client.commit(chains[top], bootKey, criLabels(top));
    // A container on the image with no daemon to mount it (the start command fails): the call
    // fails with the reason, and leaves no snapshot behind.
    const noDaemon = await t.throwsAsync(client.prepare('k8s.io/20/c1', chains[top]));
    t.regex(noDaemon?.details ?? '', /cannot mount image .*\/bin\/false exited with 1.*IMAGE_MOUNT_FAILED/);
    t.is((await t.throwsAsync(client.stat('k8s.io/20/c1')))?.code, grpc.status.NOT_FOUND);
    // A layer the manifest does not list, a plain image's layer, and an unreachable registry: unpacked.
    const stray = criLabels(0, ref, summary.manifestDigest, `sha256:${'9'.repeat(64)}`);
    t.is((await client.prepare('k8s.io/10/stray', '', { ...stray, [REF_LABEL]: `sha256:${'8'.repeat(64)}` }))[0]?.type, 'bind');
    const plainLabels = criLabels(0, `${proxy.host}/test/plain:1`, plain.manifest.digest, plain.layers[0].digest);
    t.is((await client.prepare('k8s.io/11/plain', '', { ...plainLabels, [REF_LABEL]: plain.layers[0].chainId }))[0]?.type, 'bind');
    const gone = criLabels(0, '127.0.0.1:1/test/app:conv');
    t.is((await client.prepare('k8s.io/12/gone', '', { ...gone, [REF_LABEL]: `sha256:${'7'.repeat(64)}` }))[0]?.type, 'bind');
});
//# sourceMappingURL=remote-prepare.test.js.map