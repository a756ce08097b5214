/** The control API (docs/daemon-api.md) against a real daemon: every endpoint, success and failure. */
import test from 'ava';
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DaemonApiError } from '../../src/errors.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage, publishRichImage } from '../harness/rich-image.js';
const run = promisify(execFile);
/** The darner image's bootstrap as a local file (what containerd unpacks for the snapshotter). */
async function bootstrapFile(reference, path) {
    const loaded = await loadImageBootstrap(reference, {});
    await loaded.source.close();
    await writeFile(path, loaded.bootstrapBytes);
}
async function apiError(t, p) {
    try {
        await p;
    }
    catch (err) {
        if (err instanceof DaemonApiError)
            return err;
        throw err;
    }
    t.fail('expected an API error');
    throw new Error('unreachable');
}
/** Raw HTTP over the socket with curl, as the doc promises works. */
async function curl(socket, method, path, body) {
    const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '--unix-socket', socket, '-X', method, `http://darner${path}`];
    if (body !== undefined)
        args.push('-H', 'content-type: application/json', '--data-binary', body);
    const { stdout } = await run('curl', args);
    const cut = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}
test('control API: status, mount (idempotent, busy, bootstrap file, default mount point), list, unmount, cache, gc, errors', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const rich = await publishRichImage(registry.host);
    const other = await publishImage(registry.host, 'other', [[{ type: 'file', path: 'hello', data: 'other image\n' }]]);
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const { client, socket } = daemon;
    // status
    const status = await client.status();
    t.like(status, { pid: daemon.pid, mounts: 0, metrics: daemon.metricsAddress });
    t.is(status.cacheDir, daemon.cacheDir);
    t.regex(status.version, /^\d+\.\d+\.\d+/);
    t.false(Number.isNaN(Date.parse(status.startedAt)));
    t.is(((await stat(socket)).mode & 0o777).toString(8), '660');
    // mount: 201 with every field; the files are there
    const mnt = join(daemon.mountRoot, 'rich');
    const labels = { 'containerd.io/snapshot/darner.owner': 'test' };
    const created = await client.mount({ reference: rich.darnerRef, mountpoint: mnt, labels });
    t.true(created.created);
    const m = created.mount;
    t.regex(m.id, /^m-[0-9a-f]{16}$/);
    t.like(m, { reference: rich.darnerRef, mountpoint: mnt, manifestDigest: rich.summary.manifestDigest, labels });
    t.regex(m.bootstrapDigest, /^[0-9a-f]{64}$/);
    t.deepEqual(m.blobs.length, rich.summary.blobs);
    t.is(await readFile(join(mnt, 'etc/motd'), 'utf8'), 'layer 2 changed this\n');
    // the same image at the same place again: 200, the same mount
    const again = await client.mount({ reference: rich.darnerRef, mountpoint: mnt });
    t.false(again.created);
    t.is(again.mount.id, m.id);
    // a different image there: 409
    const busy = await apiError(t, client.mount({ reference: other.darnerRef, mountpoint: mnt }));
    t.is(busy.status, 409);
    t.is(busy.code, 'MOUNTPOINT_BUSY');
    // a local bootstrap file (the snapshotter's way); the same digest as fetched
    const bootFile = join(daemon.dir, 'rich.boot');
    await bootstrapFile(rich.darnerRef, bootFile);
    const mnt2 = join(daemon.mountRoot, 'from-file');
    const fromFile = await client.mount({ reference: rich.darnerRef, mountpoint: mnt2, bootstrap: bootFile });
    t.is(fromFile.mount.bootstrapDigest, m.bootstrapDigest);
    t.true((await stat(join(mnt2, 'sizes/big'))).size > 3 << 20);
    t.false((await client.mount({ reference: rich.darnerRef, mountpoint: mnt2, bootstrap: bootFile })).created);
    // a bootstrap of another image: 400, nothing mounted
    const otherBoot = join(daemon.dir, 'other.boot');
    await bootstrapFile(other.darnerRef, otherBoot);
    const wrongBoot = await apiError(t, client.mount({ reference: rich.darnerRef, mountpoint: join(daemon.mountRoot, 'wrong'), bootstrap: otherBoot }));
    t.is(wrongBoot.status, 400);
    t.regex(wrongBoot.message, /not a layer of/);
    const missingBoot = await apiError(t, client.mount({ reference: rich.darnerRef, mountpoint: join(daemon.mountRoot, 'x'), bootstrap: join(daemon.dir, 'absent.boot') }));
    t.is(missingBoot.status, 404);
    const garbage = join(daemon.dir, 'garbage.boot');
    await writeFile(garbage, Buffer.alloc(8192, 7));
    t.is((await apiError(t, client.mount({ reference: rich.darnerRef, mountpoint: join(daemon.mountRoot, 'y'), bootstrap: garbage }))).code, 'MALFORMED_BOOTSTRAP');
    // no mount point: one under the state dir
    const own = await client.mount({ reference: other.darnerRef });
    t.true(own.mount.mountpoint.startsWith(join(daemon.stateDir, 'mnt')));
    t.is(await readFile(join(own.mount.mountpoint, 'hello'), 'utf8'), 'other image\n');
    // images that cannot be mounted
    const notDarner = await apiError(t, client.mount({ reference: rich.sourceRef, mountpoint: join(daemon.mountRoot, 'plain') }));
    t.is(notDarner.status, 422);
    t.is(notDarner.code, 'BAD_MANIFEST');
    const absent = await apiError(t, client.mount({ reference: `${registry.host}/nope:latest`, mountpoint: join(daemon.mountRoot, 'nope') }));
    t.is(absent.status, 404);
    t.is(absent.code, 'REGISTRY_NOT_FOUND');
    const badRef = await apiError(t, client.mount({ reference: 'oci:', mountpoint: join(daemon.mountRoot, 'bad') }));
    t.is(badRef.status, 400);
    // a mount point where something else is mounted: 409
    const tmpfs = join(daemon.mountRoot, 'tmpfs');
    await mkdir(tmpfs);
    await run('mount', ['-t', 'tmpfs', 'tmpfs', tmpfs]);
    t.teardown(() => run('umount', ['-l', tmpfs]).then(() => undefined, () => undefined));
    t.is((await apiError(t, client.mount({ reference: other.darnerRef, mountpoint: tmpfs }))).code, 'MOUNTPOINT_BUSY');
    // list
    const listed = await client.listMounts();
    t.deepEqual(listed.map((x) => x.id).sort(), [m.id, fromFile.mount.id, own.mount.id].sort());
    t.deepEqual(listed.find((x) => x.id === m.id).labels, labels);
    t.is((await client.status()).mounts, 3);
    // cache: the rich image's blobs, referenced while mounted
    const cache = await client.cacheList();
    t.true(cache.blobs.length >= rich.summary.blobs);
    t.true(cache.totalBytes > 0);
    for (const id of m.blobs) {
        const b = cache.blobs.find((x) => x.id === id);
        t.truthy(b, `blob ${id} is listed`);
        t.true(b.referenced);
    }
    // unmount by id and by mount point; 404 for unknown
    await client.unmount(fromFile.mount.id);
    t.is((await apiError(t, client.unmount(fromFile.mount.id))).status, 404);
    await client.unmountAt(mnt);
    await t.throwsAsync(readFile(join(mnt, 'etc/motd')), { code: 'ENOENT' }, 'the mount point is an empty directory again');
    t.is((await apiError(t, client.unmountAt(mnt))).code, 'NOT_FOUND');
    await client.unmount(own.mount.id);
    await t.throwsAsync(access(own.mount.mountpoint), { code: 'ENOENT' }, 'the daemon removes mount points it made');
    t.deepEqual(await client.listMounts(), []);
    // gc: nothing is referenced any more; keep one blob
    const keep = m.blobs[0];
    const gc = await client.cacheGc([keep]);
    t.false(gc.removed.includes(keep));
    t.true(gc.removed.length >= 1);
    t.true(gc.freedBytes > 0);
    t.deepEqual((await client.cacheList()).blobs.map((b) => b.id), [keep]);
    t.deepEqual((await client.cacheGc()).removed, [keep]);
    // raw HTTP: routes, methods, bodies
    const viaCurl = await curl(socket, 'GET', '/api/v1/mounts');
    t.deepEqual({ status: viaCurl.status, body: JSON.parse(viaCurl.body) }, { status: 200, body: { mounts: [] } });
    const cases = [
        ['GET', '/api/v1/nothing', undefined, 404, 'NOT_FOUND'],
        ['PUT', '/api/v1/mounts', undefined, 405, 'METHOD_NOT_ALLOWED'],
        ['POST', '/api/v1/status', undefined, 405, 'METHOD_NOT_ALLOWED'],
        ['POST', '/api/v1/mounts', '{not json', 400, 'BAD_REQUEST'],
        ['POST', '/api/v1/mounts', '{"mountpoint": "/x"}', 400, 'BAD_REQUEST'],
        ['POST', '/api/v1/mounts', '{"reference": "a/b", "extra": 1}', 400, 'BAD_REQUEST'],
        ['DELETE', '/api/v1/mounts', undefined, 400, 'BAD_REQUEST'],
        ['DELETE', '/api/v1/mounts?mountpoint=/nowhere', undefined, 404, 'NOT_FOUND'],
        ['DELETE', '/api/v1/mounts/m-0000000000000000', undefined, 404, 'NOT_FOUND'],
        ['POST', '/api/v1/cache/gc', '{"keep": "x"}', 400, 'BAD_REQUEST'],
        ['GET', '/api/v1/cache/gc', undefined, 405, 'METHOD_NOT_ALLOWED'],
    ];
    for (const [method, path, body, wantStatus, wantCode] of cases) {
        const r = await curl(socket, method, path, body);
        t.is(r.status, wantStatus, `${method} ${path}`);
        const parsed = JSON.parse(r.body);
        t.is(parsed.error.code, wantCode, `${method} ${path}`);
        t.false(parsed.error.message.includes('\n'));
    }
    const gcCurl = await curl(socket, 'POST', '/api/v1/cache/gc');
    t.deepEqual(JSON.parse(gcCurl.body), { removed: [], freedBytes: 0 });
    t.true((await daemon.metric('darner_daemon_api_requests_total', { status: '409' })) >= 2);
});
test('a second daemon on the same socket is refused; the first keeps serving', async (t) => {
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const second = startDaemonProcess({ dir: daemon.dir });
    await t.throwsAsync(second, { message: /already answers|CACHE_LOCKED|in use/ });
    t.is((await daemon.client.status()).pid, daemon.pid);
});
test('a bootstrap that is not a regular file (/dev/zero, a FIFO, a symlink) is refused at once; the daemon still exits on SIGTERM', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, 'special', [[{ type: 'file', path: 'hello', data: 'hi\n' }]]);
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const { client } = daemon;
    const fifo = join(daemon.dir, 'boot.fifo');
    await run('mkfifo', [fifo]);
    const real = join(daemon.dir, 'real.boot');
    await bootstrapFile(image.darnerRef, real);
    const link = join(daemon.dir, 'link.boot');
    await symlink(real, link);
    const cases = [
        ['/dev/zero', /is a character device, not a regular file/],
        [fifo, /is a FIFO, not a regular file/],
        [daemon.dir, /is a directory, not a regular file/],
        [link, /is a symbolic link, not a regular file/],
    ];
    for (const [path, message] of cases) {
        const err = await apiError(t, client.mount({ reference: image.darnerRef, mountpoint: join(daemon.mountRoot, 'special'), bootstrap: path }));
        t.is(err.status, 400, path);
        t.is(err.code, 'BAD_REQUEST', path);
        t.regex(err.message, message, path);
    }
    // The file itself is fine.
    t.true((await client.mount({ reference: image.darnerRef, mountpoint: join(daemon.mountRoot, 'special'), bootstrap: real })).created);
    await daemon.stop();
    t.is(daemon.exitCode, 0, 'exited by itself on SIGTERM (not killed)');
});
//# sourceMappingURL=control-api.test.js.map