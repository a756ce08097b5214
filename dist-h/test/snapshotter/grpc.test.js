import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { ConfigError } from '../../src/errors.js';
import { SnapshotServer } from '../../snapshotter/grpc-server.js';
import { MetaStoreError } from '../../snapshotter/metastore.js';
import { Snapshotter } from '../../snapshotter/snapshotter.js';
import { snapshotsClient } from '../harness/snapshotter.js';
const quiet = pino({ level: 'silent' });
async function serve(t, remote) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-grpc-'));
    const root = path.join(dir, 'root');
    const socket = path.join(dir, 'sn.sock');
    const logger = quiet;
    const sn = Snapshotter.open({ root, remote, overlay: { indexOff: false, userxattr: false }, logger });
    const server = await SnapshotServer.start(sn, { address: `unix://${socket}`, logger });
    const client = snapshotsClient(socket);
    t.teardown(async () => {
        client.close();
        await server.stop();
        sn.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    return { dir, root, socket, sn, server, client };
}
async function code(t, promise, expected) {
    const err = (await t.throwsAsync(promise));
    t.is(err?.code, expected, `expected ${grpc.status[expected]}, got ${err?.code === undefined ? 'success' : grpc.status[err.code]}: ${err?.details}`);
    t.false((err?.details ?? '').includes('\n'));
    return err?.details ?? '';
}
const fsDir = (root, id) => path.join(root, 'snapshots', String(id), 'fs');
test('unknown keys are NOT_FOUND for every RPC that takes one', async (t) => {
    const { client } = await serve(t);
    await code(t, client.stat('nope'), grpc.status.NOT_FOUND);
    await code(t, client.mounts('nope'), grpc.status.NOT_FOUND);
    await code(t, client.usage('nope'), grpc.status.NOT_FOUND);
    await code(t, client.remove('nope'), grpc.status.NOT_FOUND);
    await code(t, client.commit('name', 'nope'), grpc.status.NOT_FOUND);
    await code(t, client.update({ name: 'nope', labels: { a: 'b' } }), grpc.status.NOT_FOUND);
    await code(t, client.prepare('k', 'missing-parent'), grpc.status.NOT_FOUND);
    await code(t, client.view('k', 'missing-parent'), grpc.status.NOT_FOUND);
});
test('existing keys and names are ALREADY_EXISTS', async (t) => {
    const { client } = await serve(t);
    await client.prepare('a', '');
    await code(t, client.prepare('a', ''), grpc.status.ALREADY_EXISTS);
    await code(t, client.view('a', ''), grpc.status.ALREADY_EXISTS);
    await client.commit('base', 'a');
    await code(t, client.prepare('base', ''), grpc.status.ALREADY_EXISTS);
    await client.prepare('b', 'base');
    await code(t, client.commit('base', 'b'), grpc.status.ALREADY_EXISTS);
    await code(t, client.commit('b', 'b'), grpc.status.ALREADY_EXISTS);
});
test('wrong kinds: committing a view or a committed snapshot and mounting a committed one are FAILED_PRECONDITION; a non-committed parent is INVALID_ARGUMENT', async (t) => {
    const { client } = await serve(t);
    await client.prepare('a', '');
    await client.commit('base', 'a');
    await client.view('v', 'base');
    await code(t, client.commit('v-committed', 'v'), grpc.status.FAILED_PRECONDITION);
    await code(t, client.commit('again', 'base'), grpc.status.FAILED_PRECONDITION);
    await code(t, client.mounts('base'), grpc.status.FAILED_PRECONDITION);
    await client.prepare('active', 'base');
    await code(t, client.prepare('child', 'active'), grpc.status.INVALID_ARGUMENT);
    await code(t, client.view('child', 'v'), grpc.status.INVALID_ARGUMENT);
});
test('removing a snapshot with children is FAILED_PRECONDITION; children first works', async (t) => {
    const { client, root } = await serve(t);
    await client.prepare('a', '');
    await client.commit('base', 'a');
    await client.prepare('c1', 'base');
    await client.view('c2', 'base');
    await code(t, client.remove('base'), grpc.status.FAILED_PRECONDITION);
    await client.remove('c1');
    await code(t, client.remove('base'), grpc.status.FAILED_PRECONDITION);
    await client.remove('c2');
    await client.remove('base');
    t.deepEqual((await client.list()).infos, []);
    t.deepEqual(fs.readdirSync(path.join(root, 'snapshots')), []);
});
test('bad update paths, oversized labels and bad filters are INVALID_ARGUMENT', async (t) => {
    const { client } = await serve(t);
    await client.prepare('a', '', { keep: 'me' });
    const details = await code(t, client.update({ name: 'a', labels: { x: 'y' } }, ['labels.x', 'parent']), grpc.status.INVALID_ARGUMENT);
    t.regex(details, /cannot update "parent" field on snapshot "a"/);
    t.deepEqual((await client.stat('a')).labels, { keep: 'me' }, 'a failed update changes nothing');
    const big = { k: 'v'.repeat(4096) };
    await code(t, client.prepare('b', '', big), grpc.status.INVALID_ARGUMENT);
    await code(t, client.view('b', '', big), grpc.status.INVALID_ARGUMENT);
    await code(t, client.update({ name: 'a', labels: big }, ['labels.k']), grpc.status.INVALID_ARGUMENT);
    await code(t, client.commit('c', 'a', big), grpc.status.INVALID_ARGUMENT);
    await code(t, client.list(['name==']), grpc.status.INVALID_ARGUMENT);
    await code(t, client.stat('b'), grpc.status.NOT_FOUND);
});
test('kind is always set and Info round-trips through Stat, List and Update', async (t) => {
    const { client } = await serve(t);
    const before = Date.now();
    await client.prepare('a', '', { one: '1', empty: '' });
    const active = await client.stat('a');
    t.is(active.kind, 'ACTIVE');
    t.deepEqual(active.labels, { one: '1' }, 'empty label values are not stored');
    t.is(active.parent, '');
    const created = Number(active.createdAt?.seconds) * 1000 + Math.floor((active.createdAt?.nanos ?? 0) / 1e6);
    t.true(created >= before - 1000 && created <= Date.now() + 1000);
    await client.commit('base', 'a', { two: '2' });
    const committed = await client.stat('base');
    t.is(committed.kind, 'COMMITTED');
    t.deepEqual(committed.labels, { two: '2' }, 'commit replaces labels, it does not inherit them');
    await client.view('v', 'base');
    t.is((await client.stat('v')).kind, 'VIEW');
    t.is((await client.stat('v')).parent, 'base');
    const kinds = Object.fromEntries((await client.list()).infos.map((i) => [i.name, i.kind]));
    t.deepEqual(kinds, { base: 'COMMITTED', v: 'VIEW' });
    const updated = await client.update({ name: 'base', labels: { three: '3', two: '' } }, ['labels.three', 'labels.two']);
    t.deepEqual(updated.labels, { three: '3' });
    t.deepEqual((await client.stat('base')).labels, { three: '3' });
    t.deepEqual((await client.update({ name: 'base', labels: { four: '4' } })).labels, { four: '4' }, 'no paths replaces all');
});
test('List streams large results in several messages and applies filters', async (t) => {
    const { client } = await serve(t);
    for (let i = 0; i < 230; i++)
        await client.prepare(`k${i}`, '', { n: String(i % 3) });
    const all = await client.list();
    t.is(all.infos.length, 230);
    t.true(all.messages >= 3, `got ${all.messages} messages`);
    const some = await client.list(['labels.n==1', 'name==k0']);
    t.is(some.infos.length, 77 + 1);
    const none = await client.list(['kind==committed']);
    t.is(none.infos.length, 0);
});
test('mounts follow the overlayfs snapshotter and directories have the expected shape', async (t) => {
    const { client, root } = await serve(t);
    t.deepEqual(await client.prepare('a', ''), [{ type: 'bind', source: fsDir(root, 1), target: '', options: ['rw', 'rbind'] }]);
    t.true(fs.statSync(path.join(root, 'snapshots', '1', 'work')).isDirectory());
    await client.commit('l1', 'a');
    await client.prepare('b', 'l1');
    await client.commit('l2', 'b');
    const mounts = await client.prepare('c', 'l2');
    t.deepEqual(mounts, [
        {
            type: 'overlay',
            source: 'overlay',
            target: '',
            options: [`workdir=${path.join(root, 'snapshots', '3', 'work')}`, `upperdir=${fsDir(root, 3)}`, `lowerdir=${fsDir(root, 2)}:${fsDir(root, 1)}`],
        },
    ]);
    t.deepEqual(await client.mounts('c'), mounts);
    t.deepEqual(await client.view('v1', 'l1'), [{ type: 'bind', source: fsDir(root, 1), target: '', options: ['ro', 'rbind'] }]);
    t.false(fs.existsSync(path.join(root, 'snapshots', '4', 'work')), 'a view has no work dir');
    t.deepEqual((await client.view('v2', 'l2'))[0]?.options, [`lowerdir=${fsDir(root, 2)}:${fsDir(root, 1)}`]);
});
test('usage: active is measured on demand, committed is measured once at commit', async (t) => {
    const { client, root } = await serve(t);
    await client.prepare('a', '');
    const empty = await client.usage('a');
    t.is(empty.inodes, 1);
    const file = path.join(fsDir(root, 1), 'data');
    fs.writeFileSync(file, Buffer.alloc(100_000, 1));
    const blocks = fs.statSync(file).blocks * 512;
    const written = await client.usage('a');
    t.is(written.inodes, 2);
    t.is(written.size, empty.size + blocks);
    fs.linkSync(file, path.join(fsDir(root, 1), 'hardlink'));
    t.deepEqual(await client.usage('a'), written, 'a hard link is counted once');
    await client.commit('c', 'a');
    t.deepEqual(await client.usage('c'), written);
    fs.writeFileSync(path.join(fsDir(root, 1), 'more'), Buffer.alloc(50_000, 1));
    t.deepEqual(await client.usage('c'), written, 'committed usage is stored');
    await client.view('v', 'c');
    t.deepEqual(await client.usage('v'), { size: 0, inodes: 0 });
});
test('no namespace metadata is needed (GC calls carry none)', async (t) => {
    const { socket } = await serve(t);
    const client = snapshotsClient(socket);
    t.teardown(() => client.close());
    await client.prepare('x', '');
    await client.cleanup();
    t.is((await client.stat('x')).name, 'x');
});
test('the socket is 0660, a stale socket file is replaced and a live one is refused', async (t) => {
    const { socket, sn } = await serve(t);
    t.is(fs.statSync(socket).mode & 0o777, 0o660);
    await t.throwsAsync(SnapshotServer.start(sn, { address: socket, logger: quiet }), { instanceOf: ConfigError, message: /in use/ });
    const stalePath = path.join(path.dirname(socket), 'stale.sock');
    const listener = net.createServer();
    await new Promise((resolve) => listener.listen(stalePath, resolve));
    // Closing a net server unlinks its socket; a crashed process would leave it, so copy that state.
    fs.renameSync(stalePath, `${stalePath}.keep`);
    await new Promise((resolve) => listener.close(() => resolve()));
    fs.renameSync(`${stalePath}.keep`, stalePath);
    t.true(fs.lstatSync(stalePath).isSocket());
    const second = await SnapshotServer.start(sn, { address: `unix://${stalePath}`, logger: quiet });
    const client = snapshotsClient(stalePath);
    await client.prepare('via-second', '');
    client.close();
    await second.stop();
    t.false(fs.existsSync(stalePath), 'stop removes the socket');
    const regular = path.join(path.dirname(socket), 'regular-file');
    fs.writeFileSync(regular, 'not a socket');
    await t.throwsAsync(SnapshotServer.start(sn, { address: regular, logger: quiet }), { instanceOf: ConfigError, message: /not a socket/ });
});
test('a second snapshotter on the same root is refused', async (t) => {
    const { root } = await serve(t);
    t.throws(() => Snapshotter.open({ root }), { instanceOf: MetaStoreError, message: /in use/ });
});
test('Cleanup removes directories no snapshot owns, and never one with a mount inside', async (t) => {
    const { client, root } = await serve(t);
    await client.prepare('keep', '');
    const snapshots = path.join(root, 'snapshots');
    for (const orphan of ['new-abc', '99', 'rm-7-0000', 'junk']) {
        fs.mkdirSync(path.join(snapshots, orphan, 'fs'), { recursive: true });
        fs.writeFileSync(path.join(snapshots, orphan, 'fs', 'f'), 'x');
    }
    const mounted = path.join(snapshots, '55', 'fs', 'mnt');
    fs.mkdirSync(mounted, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', mounted]);
    t.teardown(() => {
        try {
            execFileSync('umount', [mounted], { stdio: 'ignore' });
        }
        catch {
            // already unmounted
        }
    });
    fs.writeFileSync(path.join(mounted, 'precious'), 'still here');
    await client.cleanup();
    t.deepEqual(fs.readdirSync(snapshots).sort(), ['1', '55']);
    t.is(fs.readFileSync(path.join(mounted, 'precious'), 'utf8'), 'still here');
    execFileSync('umount', [mounted]);
    await client.cleanup();
    t.deepEqual(fs.readdirSync(snapshots), ['1']);
});
test('a stale directory that has the next id (a crash between rename and commit) is moved aside', async (t) => {
    const { client, root } = await serve(t);
    await client.prepare('a', '');
    const stale = path.join(root, 'snapshots', '2');
    fs.mkdirSync(path.join(stale, 'fs'), { recursive: true });
    fs.writeFileSync(path.join(stale, 'fs', 'leftover'), 'old');
    await client.prepare('b', '');
    t.deepEqual(fs.readdirSync(path.join(root, 'snapshots', '2', 'fs')), [], 'the new snapshot starts empty');
    await client.cleanup();
    t.deepEqual(fs.readdirSync(path.join(root, 'snapshots')).sort(), ['1', '2']);
});
test('a new layer belongs to the owner of its parent layer', async (t) => {
    const { client, root } = await serve(t);
    await client.prepare('a', '');
    fs.chownSync(fsDir(root, 1), 1234, 5678);
    await client.commit('base', 'a');
    await client.prepare('b', 'base');
    const st = fs.statSync(fsDir(root, 2));
    t.deepEqual([st.uid, st.gid], [1234, 5678]);
});
// ---- the remote-layer seam ------------------------------------------------------------------
const REF = 'containerd.io/snapshot.ref';
test('remote seam: a remote layer is committed under its chain ID and answered ALREADY_EXISTS', async (t) => {
    const calls = [];
    const remote = {
        prepareLayer: async (req) => {
            calls.push(`prepare ${req.chainId} parents=${req.parents.map((p) => p.name).join(',')}`);
            return req.labels['test/remote'] === 'yes' ? { remote: true, labels: { 'test/added': 'by-handler' } } : { remote: false };
        },
    };
    const { client, root } = await serve(t, remote);
    // Layer 1 is plain: unpacked as usual.
    await client.prepare('default/1/extract-1 sha256:c1', '', { [REF]: 'sha256:c1' });
    await client.commit('default/2/sha256:c1', 'default/1/extract-1 sha256:c1', { [REF]: 'sha256:c1' });
    // Layer 2 is remote.
    const labels = { [REF]: 'sha256:c2', 'test/remote': 'yes' };
    await code(t, client.prepare('default/3/extract-2 sha256:c2', 'default/2/sha256:c1', labels), grpc.status.ALREADY_EXISTS);
    t.deepEqual(calls, ['prepare sha256:c1 parents=', 'prepare sha256:c2 parents=default/2/sha256:c1']);
    await code(t, client.stat('default/3/extract-2 sha256:c2'), grpc.status.NOT_FOUND);
    // containerd's lookup finds it.
    const found = await client.list([`labels."${REF}"==sha256:c2,parent=="default/2/sha256:c1"`]);
    t.is(found.infos.length, 1);
    const info = found.infos[0];
    t.is(info?.name, 'sha256:c2');
    t.is(info?.kind, 'COMMITTED');
    t.deepEqual(info?.labels, { ...labels, 'test/added': 'by-handler', 'containerd.io/snapshot/remote': 'true' });
    t.deepEqual(fs.readdirSync(fsDir(root, 2)), [], 'a remote layer is an empty directory');
    // Asked again (another namespace), the answer is the same and nothing new is created.
    await code(t, client.prepare('other/1/extract-9 sha256:c2', 'default/2/sha256:c1', labels), grpc.status.ALREADY_EXISTS);
    t.is((await client.list()).infos.length, 2);
    // Views and labels without snapshot.ref never reach the handler.
    await client.view('v', 'sha256:c2', { 'test/remote': 'yes' });
    t.is(calls.length, 3);
});
test('remote seam: lowerDirs replaces the lower directories; removed and cleanup are told', async (t) => {
    const events = [];
    let live = [];
    const remote = {
        lowerDirs: async ({ snapshot, parents }) => {
            events.push(`lowerDirs ${snapshot.name} ${parents.map((p) => p.name).join(',')}`);
            return parents.some((p) => p.labels.image === 'lazy') ? ['/mnt/lazy-image'] : undefined;
        },
        removed: async (s) => {
            events.push(`removed ${s.name} ${s.kind}`);
        },
        cleanup: async (l) => {
            live = l;
            events.push('cleanup');
        },
    };
    const { client, root } = await serve(t, remote);
    await client.prepare('a', '');
    await client.commit('plain', 'a');
    await client.prepare('b', 'plain');
    await client.commit('lazy', 'b', { image: 'lazy' });
    const mounts = await client.prepare('container', 'lazy');
    t.deepEqual(mounts[0]?.options, [`workdir=${path.join(root, 'snapshots', '3', 'work')}`, `upperdir=${fsDir(root, 3)}`, 'lowerdir=/mnt/lazy-image']);
    t.deepEqual(await client.mounts('container'), mounts);
    const plainMounts = await client.view('plain-view', 'plain');
    t.deepEqual(plainMounts[0]?.source, fsDir(root, 1), 'undefined keeps the layer directories');
    await client.remove('container');
    await client.cleanup();
    t.deepEqual(live.map((l) => l.name).sort(), ['lazy', 'plain', 'plain-view']);
    t.deepEqual(events, [
        'lowerDirs b plain',
        'lowerDirs container lazy,plain',
        'lowerDirs container lazy,plain',
        'lowerDirs plain-view plain',
        'removed container active',
        'cleanup',
    ]);
});
test('remote seam: a failing handler falls back to the plain path', async (t) => {
    const remote = {
        prepareLayer: async () => {
            throw new Error('daemon unreachable');
        },
        lowerDirs: async () => {
            throw new Error('daemon unreachable');
        },
    };
    const { client, root } = await serve(t, remote);
    await client.prepare('k', '', { [REF]: 'sha256:c1' });
    await client.commit('sha256:c1', 'k');
    const mounts = await client.prepare('c', 'sha256:c1');
    t.is(mounts[0]?.options.at(-1), `lowerdir=${fsDir(root, 1)}`);
});
//# sourceMappingURL=grpc.test.js.map