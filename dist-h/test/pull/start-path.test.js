import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { MediaType } from '../../src/oci/image-spec.js';
import { pullImage } from '../../snapshotter/pull/pull.js';
import { pullThroughSnapshotter } from '../../snapshotter/pull/remote-pull.js';
import { parseMountPoints, readMountInfo } from '../../src/util/mountinfo.js';
import { crictl } from '../harness/crictl.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { snapshotsClient } from '../harness/snapshotter.js';
import { convertToRegistry, layeredImage, startPullEnv, uid } from './env.js';
// The cold-start path: the image is mounted while it is pulled (when its bootstrap layer is
// committed), the daemon is handed the manifest instead of reading it again, and the pull runs
// inside the snapshotter. Counted at the registry: what creating and starting a container sends.
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
async function setup(t, options = {}) {
    let daemon;
    const env = await startPullEnv(t, {
        ...options,
        daemon: async (dir) => {
            const d = await startDaemonProcess({ dir });
            daemon = d.client;
            return { socket: d.socket, stop: () => d.cleanup({ keepDir: true }) };
        },
    });
    const summary = await convertToRegistry(await layeredImage(), env.dir, `${env.registry.host}/test/app:conv`);
    const layers = summary.manifest.layers;
    t.is(layers.filter((l) => l.mediaType === MediaType.DARNER_BLOB).length, 3);
    env.proxy.reset();
    return {
        env,
        daemon: daemon,
        ref: `${env.proxy.host}/test/app:conv`,
        manifestDigest: summary.manifestDigest,
        config: summary.manifest.config.digest,
        bootstrap: layers[layers.length - 1].digest,
    };
}
/** GETs of the image's manifest (by tag or digest), of its config and of its bootstrap layer, from request `from` on. */
function documentGets(proxy, s, from = 0) {
    const gets = proxy.requests.slice(from).filter((r) => r.method === 'GET');
    const blob = (digest) => gets.filter((r) => r.kind === 'blob' && r.path.split('?')[0].endsWith(`/blobs/${digest}`)).length;
    return {
        manifest: gets.filter((r) => r.kind === 'manifest' && /\/test\/app\/manifests\//.test(r.path)).length,
        config: blob(s.config),
        bootstrap: blob(s.bootstrap),
    };
}
function pullCall(s) {
    return { reference: s.ref, address: s.env.ctd.address, namespace: 'default', snapshotter: 'darner' };
}
test('a pull through the snapshotter mounts the image before any container; running it reads no manifest, config or bootstrap again', async (t) => {
    const s = await setup(t);
    const events = [];
    const result = await pullThroughSnapshotter(s.env.sn.address, pullCall(s), (e) => events.push(e.type));
    t.truthy(result, 'the snapshotter served the pull');
    t.deepEqual(result.layers.map((l) => l.result), ['remote', 'remote', 'remote', 'unpacked']);
    t.true(events.includes('resolved') && events.filter((e) => e === 'layer').length === 4, 'progress events streamed back');
    // Mounted during the pull: the daemon lists it before any container exists.
    const mounts = await s.daemon.listMounts();
    t.is(mounts.length, 1, 'the image was mounted during the pull');
    t.is(mounts[0].reference, `${s.env.proxy.host}/test/app@${s.manifestDigest}`);
    t.is(path.dirname(mounts[0].mountpoint), path.join(s.env.sn.root, 'mnt'));
    t.deepEqual(documentGets(s.env.proxy, s), { manifest: 1, config: 1, bootstrap: 1 }, 'the pull (and the mount) read each document once');
    const before = s.env.proxy.requests.length;
    t.is(await s.env.ctd.ctr(['run', '--rm', '--snapshotter', 'darner', s.ref, uid('c1'), 'cat', '/data/keep.txt']), 'kept\n');
    t.deepEqual(documentGets(s.env.proxy, s, before), { manifest: 0, config: 0, bootstrap: 0 }, 'creating and starting the container read none of them');
    t.deepEqual((await s.daemon.listMounts()).map((m) => m.id), [mounts[0].id], 'the container used the mount made at pull time');
    t.deepEqual(documentGets(s.env.proxy, s), { manifest: 1, config: 1, bootstrap: 1 }, 'one pull + run: each document once');
});
test('a pull in its own process (--local) also mounts at pull time, and the container reads no document', async (t) => {
    const s = await setup(t);
    await pullImage(s.ref, s.env.pullOptions);
    t.is((await s.daemon.listMounts()).length, 1, 'the image was mounted during the pull');
    const before = s.env.proxy.requests.length;
    t.is(await s.env.ctd.ctr(['run', '--rm', '--snapshotter', 'darner', s.ref, uid('c1'), 'cat', '/data/new.txt']), 'new in layer two\n');
    t.deepEqual(documentGets(s.env.proxy, s, before), { manifest: 0, config: 0, bootstrap: 0 });
    // The pull ran elsewhere, but stored the manifest in containerd before preparing the layers: the
    // snapshotter read it from there for its layer lookups, and handed it on to the mount.
    t.deepEqual(documentGets(s.env.proxy, s), { manifest: 1, config: 1, bootstrap: 1 });
});
test('an image mounted at pull time and never run is unmounted when its snapshots are removed', async (t) => {
    const s = await setup(t);
    await pullThroughSnapshotter(s.env.sn.address, pullCall(s), () => undefined);
    const [mount] = await s.daemon.listMounts();
    t.truthy(mount);
    // Cleanup with the image still there keeps the mount.
    const client = snapshotsClient(s.env.sn.address);
    t.teardown(() => client.close());
    await client.cleanup();
    t.deepEqual((await s.daemon.listMounts()).map((m) => m.id), [mount.id], 'a present image stays mounted');
    await s.env.ctd.ctr(['images', 'rm', '--sync', s.ref]);
    for (let i = 0; i < 50 && (await client.list()).infos.length > 0; i++) {
        await s.env.ctd.ctr(['leases', 'create', '--id', 'gc-kick']).catch(() => undefined);
        await s.env.ctd.ctr(['leases', 'rm', '--sync', 'gc-kick']).catch(() => undefined);
    }
    t.deepEqual((await client.list()).infos, [], 'containerd removed the image\'s snapshots');
    t.deepEqual(await s.daemon.listMounts(), [], 'the mount was released with the bootstrap snapshot');
    t.deepEqual(parseMountPoints(readMountInfo()).filter((p) => p.startsWith(`${s.env.sn.root}/`)), []);
    await client.cleanup();
    t.deepEqual(fs.readdirSync(path.join(s.env.sn.root, 'mnt')), []);
});
test('darner pull runs the pull inside the snapshotter named by --snapshotter-address', async (t) => {
    const s = await setup(t);
    const { stdout } = await run(process.execPath, [CLI, 'pull', '--address', s.env.ctd.address, '--snapshotter-address', s.env.sn.address, s.ref]);
    t.regex(stdout, /: 4 layers \(3 remote, 1 unpacked, 0 present\)/);
    // In the snapshotter, the pull handed its manifest to the layer lookups: read once, not twice.
    t.deepEqual(documentGets(s.env.proxy, s), { manifest: 1, config: 1, bootstrap: 1 });
    t.is((await s.daemon.listMounts()).length, 1);
    // With nothing on the socket, the CLI pulls by itself.
    const again = await run(process.execPath, [CLI, 'pull', '--address', s.env.ctd.address, '--snapshotter-address', path.join(s.env.dir, 'none.sock'), s.ref]);
    t.regex(again.stdout, /: 4 layers \(0 remote, 0 unpacked, 4 present\)/);
});
test('a failed pull in the snapshotter comes back as one line with its code', async (t) => {
    const s = await setup(t);
    const err = await t.throwsAsync(run(process.execPath, [CLI, 'pull', '--address', s.env.ctd.address, '--snapshotter-address', s.env.sn.address, `${s.env.proxy.host}/test/missing:1`]));
    t.is(err?.code, 1);
    t.regex(err?.stderr ?? '', /^darner: .*\[REGISTRY_NOT_FOUND\]\n$/);
});
test('a CRI pull (kubelet\'s way, with snapshot labels) mounts the image during the pull; the container reads no document', async (t) => {
    const s = await setup(t, { cri: true });
    await crictl(s.env.ctd.address, ['pull', s.ref]);
    const mounts = await s.daemon.listMounts();
    t.is(mounts.length, 1, 'the image was mounted during the CRI pull');
    t.is(mounts[0].reference, `${s.env.proxy.host}/test/app@${s.manifestDigest}`);
    const pulled = documentGets(s.env.proxy, s);
    t.is(pulled.manifest, 1, "the manifest once (containerd's): the snapshotter's layer lookups read it from containerd's content store");
    t.is(pulled.config, 1, 'the config once (containerd\'s), none for the mount');
    t.is(pulled.bootstrap, 1);
    const before = s.env.proxy.requests.length;
    const ns = { namespace: 'k8s.io' };
    t.is(await s.env.ctd.ctr(['run', '--rm', '--snapshotter', 'darner', s.ref, uid('c1'), 'cat', '/data/keep.txt'], ns), 'kept\n');
    t.deepEqual(documentGets(s.env.proxy, s, before), { manifest: 0, config: 0, bootstrap: 0 }, 'creating and starting the container read none');
    t.deepEqual((await s.daemon.listMounts()).map((m) => m.id), [mounts[0].id]);
});
//# sourceMappingURL=start-path.test.js.map