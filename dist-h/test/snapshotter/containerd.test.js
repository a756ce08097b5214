import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startContainerd } from '../harness/containerd.js';
import { BUSYBOX_PATH, buildOciImage, busyboxEntries, writeOciArchive } from '../harness/oci-image.js';
import { snapshotsClient, startSnapshotter } from '../harness/snapshotter.js';
// darner's snapshotter behind a real containerd (Debian's 1.6) with runc: import a two-layer
// busybox image, run containers, look at the directories, then let containerd's GC remove it all.
const IMAGE = 'docker.io/library/darner-busybox:1';
const SN = ['snapshots', '--snapshotter', 'darner'];
// runc keeps container state per namespace for the whole machine, so ids must not collide with
// other test files running containerd at the same time.
const C1 = `snapshotter-c1-${process.pid}`;
const C2 = `snapshotter-c2-${process.pid}`;
test('containerd unpacks, runs and garbage-collects a plain OCI image through darner', async (t) => {
    const sn = await startSnapshotter();
    const ctd = await startContainerd({ snapshotterSocket: sn.address }).catch(async (err) => {
        await sn.stop();
        throw err;
    });
    t.teardown(async () => {
        await ctd.stop();
        await sn.stop();
    });
    const client = snapshotsClient(sn.address);
    t.teardown(() => client.close());
    const greeting = 'hello from layer two\n';
    const image = await buildOciImage({
        name: IMAGE,
        layers: [
            [...busyboxEntries(), { type: 'file', path: 'etc/motd', data: 'layer one motd\n' }],
            [
                { type: 'dir', path: 'etc' },
                { type: 'file', path: 'etc/greeting', data: greeting },
                { type: 'whiteout', path: 'etc/motd' },
            ],
        ],
        config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
    });
    const archive = path.join(sn.root, '..', 'image.tar');
    await writeOciArchive(image, archive);
    await ctd.ctr(['images', 'import', '--snapshotter', 'darner', archive]);
    // The layers are committed under their chain IDs (containerd's client keys).
    const ls = await ctd.ctr([...SN, 'ls']);
    for (const layer of image.layers)
        t.regex(ls, new RegExp(`${layer.chainId}\\s.*Committed`));
    const backend = (await client.list()).infos;
    t.is(backend.length, 2);
    t.true(backend.every((i) => i.kind === 'COMMITTED'));
    // A container sees both layers, the whiteout hides layer one's file.
    const busyboxDigest = createHash('sha256').update(fs.readFileSync(BUSYBOX_PATH)).digest('hex');
    const out = await ctd.ctr([
        'run', '--rm', '--snapshotter', 'darner', IMAGE, C1,
        'sh', '-c', 'cat /etc/greeting; test -e /etc/motd && echo motd-visible || echo motd-hidden; sha256sum /bin/busybox',
    ]);
    t.is(out, `${greeting}motd-hidden\n${busyboxDigest}  /bin/busybox\n`);
    t.notRegex(await ctd.ctr([...SN, 'ls']), new RegExp(`\\b${C1}\\b`), 'the --rm container snapshot is gone (the backend copy goes at the next GC)');
    // A container's writes land in its own upper directory, never in the image layers.
    await ctd.ctr(['run', '--snapshotter', 'darner', IMAGE, C2, 'sh', '-c', 'echo written-by-c2 > /root/out.txt; rm /etc/greeting']);
    const mountCmd = await ctd.ctr([...SN, 'mounts', '/mnt', C2]);
    const upper = /upperdir=([^,\s]+)/.exec(mountCmd)?.[1];
    const lowers = /lowerdir=([^,\s]+)/.exec(mountCmd)?.[1]?.split(':') ?? [];
    t.truthy(upper, mountCmd);
    t.true(upper.startsWith(path.join(sn.root, 'snapshots') + '/'), upper);
    t.is(lowers.length, 2);
    t.is(fs.readFileSync(path.join(upper, 'root', 'out.txt'), 'utf8'), 'written-by-c2\n');
    const whiteout = fs.statSync(path.join(upper, 'etc', 'greeting'));
    t.true(whiteout.isCharacterDevice() && whiteout.rdev === 0, 'a deleted file is an overlay whiteout in the upper dir');
    for (const lower of lowers)
        t.false(fs.existsSync(path.join(lower, 'root', 'out.txt')));
    t.is(fs.readFileSync(path.join(lowers[0], 'etc', 'greeting'), 'utf8'), greeting, 'the image layer is untouched');
    // ctr's snapshot commands work against the proxy.
    const info = JSON.parse(await ctd.ctr([...SN, 'info', C2]));
    t.is(info.Kind, 'Active');
    t.is(info.Parent, image.layers[1].chainId);
    const usage = await ctd.ctr([...SN, 'usage', C2]);
    t.regex(usage, new RegExp(`${C2}\\s+\\S+\\s+\\S+\\s+\\d+`));
    const tree = await ctd.ctr([...SN, 'tree']);
    t.regex(tree, new RegExp(`${image.layers[0].chainId}\\n\\s+\\\\_ ${image.layers[1].chainId}\\n\\s+\\\\_ ${C2}`));
    // Remove container and image; containerd's GC removes the snapshots and calls Cleanup.
    await ctd.ctr(['containers', 'rm', C2]);
    await ctd.ctr(['images', 'rm', '--sync', IMAGE]);
    t.is((await ctd.ctr([...SN, 'ls'])).trim().split('\n').length, 1, 'only the header is left');
    t.deepEqual((await client.list()).infos, []);
    t.deepEqual(fs.readdirSync(path.join(sn.root, 'snapshots')), []);
    t.is((await ctd.ctr(['content', 'ls', '-q'])).trim(), '');
});
//# sourceMappingURL=containerd.test.js.map