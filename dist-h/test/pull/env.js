/**
 * The parts a lazy-pull test needs, all real and private to the test: a registry behind a
 * counting proxy, darner's snapshotter (remote snapshots on, its daemon socket in the test's
 * directory) and containerd with the snapshotter registered as `darner`. Everything is stopped
 * and removed in t.teardown, in reverse order.
 *
 *   const env = await startPullEnv(t);
 *   await pushOciImage(image, `${env.registry.host}/test/app:v1`);
 *   await pullImage(`${env.proxy.host}/test/app:v1`, env.pullOptions);
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DaemonClient } from '../../src/daemon/client.js';
import { convertImage } from '../../converter/convert.js';
import { startContainerd, unmountUnder } from '../harness/containerd.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { buildOciImage, busyboxEntries, writeOciLayout } from '../harness/oci-image.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { startSnapshotter } from '../harness/snapshotter.js';
export async function startPullEnv(t, options = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-pull-'));
    t.teardown(() => {
        unmountUnder(dir); // image mounts live under the snapshotter's root
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    let daemonSocket = path.join(dir, 'daemon.sock');
    if (options.daemonStartCommand)
        t.teardown(() => stopDaemonOn(daemonSocket));
    if (options.daemon) {
        const daemonDir = path.join(dir, 'daemon');
        fs.mkdirSync(daemonDir, { mode: 0o755 });
        const daemon = await options.daemon(daemonDir);
        t.teardown(() => daemon.stop());
        daemonSocket = daemon.socket;
    }
    const configFile = path.join(dir, 'snapshotter.toml');
    fs.writeFileSync(configFile, [
        '[daemon]',
        `address = ${JSON.stringify(daemonSocket)}`,
        `start_command = ${JSON.stringify(options.daemonStartCommand?.(path.join(dir, 'daemon'), daemonSocket) ?? [])}`,
        '[containerd]',
        `address = ${JSON.stringify(path.join(dir, 'containerd.sock'))}`,
        options.snapshotterConfig ?? '',
    ].join('\n'));
    const snOptions = { root: path.join(dir, 'sn-root'), address: path.join(dir, 'sn.sock'), configFile };
    const sn = await startSnapshotter(snOptions);
    const env = {
        dir,
        registry,
        proxy,
        sn,
        ctd: undefined,
        daemonSocket,
        pullOptions: { address: '', namespace: 'default', snapshotter: 'darner' },
        restartSnapshotter: async () => {
            env.sn.kill('SIGKILL');
            await env.sn.exited;
            env.sn = await startSnapshotter(snOptions);
            return env.sn;
        },
    };
    t.teardown(() => env.sn.stop());
    env.ctd = await startContainerd({ snapshotterSocket: sn.address, address: path.join(dir, 'containerd.sock'), ...(options.cri ? { cri: { plainHttpRegistries: [proxy.host] } } : {}) });
    t.teardown(() => env.ctd.stop());
    env.pullOptions.address = env.ctd.address;
    return env;
}
/** Converts a built OCI image into a darner image pushed at `target` (one compression worker). */
export async function convertToRegistry(image, dir, target) {
    const layout = fs.mkdtempSync(path.join(dir, 'layout-'));
    await writeOciLayout(image, layout);
    return convertImage(`oci:${layout}`, target, { chunkSize: 64 * 1024, workDir: dir });
}
/** Body bytes the proxy served for GETs of the given blobs. */
export function blobBytesServed(proxy, digests) {
    return proxy.bytesServed((r) => r.kind === 'blob' && digests.some((d) => r.path.endsWith(`/blobs/${d}`)));
}
/** Requests the proxy saw for the given blobs (any method). */
export function blobRequests(proxy, digests) {
    return proxy.requests.filter((r) => r.kind === 'blob' && digests.some((d) => r.path.endsWith(`/blobs/${d}`))).length;
}
/**
 * A runnable three-layer image whose upper layers delete and replace files of the lower ones:
 *   1: busybox, /etc/motd, /data/a.bin (200 KiB), /data/keep.txt, /data/dir/x
 *   2: /data/a.bin replaced (150 KiB, other bytes), /etc/motd deleted, /data/new.txt
 *   3: /data/dir made opaque, holding only /data/dir/y
 */
export async function layeredImage(name = 'layered') {
    return buildOciImage({
        name,
        layers: [
            [
                ...busyboxEntries([...DEFAULT_TEST_APPLETS]),
                { type: 'file', path: 'etc/motd', data: 'motd of layer one\n' },
                { type: 'dir', path: 'data' },
                { type: 'file', path: 'data/a.bin', data: pseudoRandomBytes(200 * 1024, 1) },
                { type: 'file', path: 'data/keep.txt', data: 'kept\n' },
                { type: 'dir', path: 'data/dir' },
                { type: 'file', path: 'data/dir/x', data: 'x of layer one\n' },
            ],
            [
                { type: 'dir', path: 'data' },
                { type: 'file', path: 'data/a.bin', data: pseudoRandomBytes(150 * 1024, 2) },
                { type: 'whiteout', path: 'etc/motd' },
                { type: 'file', path: 'data/new.txt', data: 'new in layer two\n' },
            ],
            [
                { type: 'dir', path: 'data/dir' },
                { type: 'opaque', path: 'data/dir' },
                { type: 'file', path: 'data/dir/y', data: 'y of layer three\n' },
            ],
        ],
        config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
    });
}
const DEFAULT_TEST_APPLETS = ['sh', 'cat', 'ls', 'echo', 'sha256sum', 'stat', 'mkdir', 'rm', 'touch', 'test', 'wc', 'head', 'sleep', 'true', 'find', 'sort'];
/** What a container of layeredImage() must print for LAYERED_VIEW_SCRIPT. */
export function layeredView() {
    const a = createHash('sha256').update(pseudoRandomBytes(150 * 1024, 2)).digest('hex');
    return [`${a}  /data/a.bin`, 'no motd', '/data/dir/y', 'kept', 'new in layer two', ''].join('\n');
}
/** A shell script that shows the merged view of layeredImage(). */
export const LAYERED_VIEW_SCRIPT = 'sha256sum /data/a.bin; test -e /etc/motd && echo motd || echo no motd; find /data/dir -type f | sort; cat /data/keep.txt /data/new.txt';
/**
 * A container id of its own: runc keeps container state per namespace for the whole machine
 * (/run/containerd/runc/<ns>), so two containerd instances running tests at once share it.
 */
export function uid(name) {
    return `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
/** SIGTERMs whatever daemon answers on `socket` (one the snapshotter started) and waits for it to exit. */
async function stopDaemonOn(socket) {
    const client = new DaemonClient(socket);
    let pid;
    try {
        pid = (await client.status()).pid;
    }
    catch {
        return;
    }
    finally {
        await client.close();
    }
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 300 && fs.existsSync(`/proc/${pid}`); i++)
        await sleep(100);
    if (fs.existsSync(`/proc/${pid}`))
        process.kill(pid, 'SIGKILL');
}
//# sourceMappingURL=env.js.map