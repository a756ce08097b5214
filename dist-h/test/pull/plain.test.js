import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ContainerdClient } from '../../snapshotter/pull/containerd-client.js';
import { pullImage } from '../../snapshotter/pull/pull.js';
import { BUSYBOX_PATH, buildOciImage, busyboxEntries, pushOciImage } from '../harness/oci-image.js';
import { startPullEnv, uid } from './env.js';
// darner pull of a plain OCI image from a real registry into a real containerd through the darner
// snapshotter (remote snapshots on): every layer is fetched once and unpacked, ctr runs the image,
// and the container's writes land in its own upper directory.
test('darner pull unpacks a plain OCI image that ctr then runs; a second pull fetches nothing', async (t) => {
    const env = await startPullEnv(t);
    const image = await buildOciImage({
        name: 'plain',
        layers: [
            [...busyboxEntries(), { type: 'file', path: 'etc/motd', data: 'layer one\n' }],
            [{ type: 'dir', path: 'etc' }, { type: 'file', path: 'etc/greeting', data: 'hello\n' }, { type: 'whiteout', path: 'etc/motd' }],
        ],
        config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
    });
    const ref = `${env.proxy.host}/test/plain:v1`;
    await pushOciImage(image, ref);
    env.proxy.reset();
    const result = await pullImage(ref, env.pullOptions);
    t.deepEqual(result.layers.map((l) => l.result), ['unpacked', 'unpacked']);
    t.is(result.topChainId, image.layers[1].chainId);
    const layerBytes = image.layers.reduce((n, l) => n + l.size, 0);
    t.is(result.fetchedBytes, layerBytes);
    t.is(env.proxy.bytesServed((r) => r.kind === 'blob' && image.layers.some((l) => r.path.endsWith(l.digest))), layerBytes);
    // containerd's view: the image, its snapshots, and GC labels on the content.
    t.regex(await env.ctd.ctr(['images', 'ls', '-q']), new RegExp(`^${ref.replace(/[.]/g, '\\.')}$`, 'm'));
    const snapshots = await env.ctd.ctr(['snapshots', '--snapshotter', 'darner', 'ls']);
    for (const layer of image.layers)
        t.regex(snapshots, new RegExp(`${layer.chainId}\\s.*Committed`));
    const client = ContainerdClient.connect({ address: env.ctd.address, namespace: 'default' });
    t.teardown(() => client.close());
    const config = await client.contentInfo(image.config.digest);
    t.is(config.labels['containerd.io/gc.ref.snapshot.darner'], image.layers[1].chainId);
    const manifest = await client.contentInfo(image.manifest.digest);
    t.is(manifest.labels['containerd.io/gc.ref.content.config'], image.config.digest);
    t.is(manifest.labels['containerd.io/gc.ref.content.l.1'], image.layers[1].digest);
    t.is(manifest.labels[`containerd.io/distribution.source.${env.proxy.host}`], 'test/plain');
    t.is((await client.contentInfo(image.layers[0].digest)).labels['containerd.io/uncompressed'], image.layers[0].diffId);
    t.is(await env.ctd.ctr(['leases', 'ls', '-q']), '', 'the pull lease is gone');
    const busybox = createHash('sha256').update(fs.readFileSync(BUSYBOX_PATH)).digest('hex');
    const c1 = uid('c1');
    const out = await env.ctd.ctr([
        'run', '--snapshotter', 'darner', ref, c1,
        'sh', '-c', 'cat /etc/greeting; test -e /etc/motd && echo motd || echo no-motd; sha256sum /bin/busybox; echo written > /root/out.txt; rm /etc/greeting',
    ]);
    t.is(out, `hello\nno-motd\n${busybox}  /bin/busybox\n`);
    // The container's writes are in its upper directory; the image layers are untouched.
    const mounts = await env.ctd.ctr(['snapshots', '--snapshotter', 'darner', 'mounts', '/mnt', c1]);
    const upper = /upperdir=([^,\s]+)/.exec(mounts)?.[1] ?? '';
    const lowers = /lowerdir=([^,\s]+)/.exec(mounts)?.[1]?.split(':') ?? [];
    t.true(upper.startsWith(path.join(env.sn.root, 'snapshots') + '/'), mounts);
    t.is(lowers.length, 2, 'a plain image keeps its layer directories as lowers');
    t.is(fs.readFileSync(path.join(upper, 'root', 'out.txt'), 'utf8'), 'written\n');
    t.true(fs.statSync(path.join(upper, 'etc', 'greeting')).isCharacterDevice(), 'the deletion is a whiteout in the upper dir');
    t.is(fs.readFileSync(path.join(lowers[0], 'etc', 'greeting'), 'utf8'), 'hello\n');
    for (const lower of lowers)
        t.false(fs.existsSync(path.join(lower, 'root', 'out.txt')));
    t.false(fs.existsSync(path.join(env.sn.root, 'mnt')) && fs.readdirSync(path.join(env.sn.root, 'mnt')).length > 0, 'no image mount for a plain image');
    await env.ctd.ctr(['containers', 'rm', c1]);
    // Pulling again finds everything in place.
    env.proxy.reset();
    const again = await pullImage(ref, env.pullOptions);
    t.deepEqual(again.layers.map((l) => l.result), ['present', 'present']);
    t.is(env.proxy.bytesServed('blob') - image.config.size, 0, 'only the config is read again');
});
//# sourceMappingURL=plain.test.js.map