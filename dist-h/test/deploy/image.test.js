import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { convertImage } from '../../converter/convert.js';
import { writeDemoImage } from '../../src/demo/demo-image.js';
import { startContainerd } from '../harness/containerd.js';
import { debianMinbaseTar } from '../harness/debian.js';
import { startRegistry } from '../harness/registry.js';
// darner's own image (scripts/build-image.ts): built from the Debian minbase root filesystem and
// the release package, pushed to a local registry, pulled and run by containerd with the
// DaemonSet's privileges (privileged, host network, /dev/fuse, a host directory shared with
// rshared propagation). Its daemon mounts a darner image; a process on the host reads a file of it
// through the propagated mount.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
test('the darner image runs the daemon under containerd and its mount is readable from the host', async (t) => {
    const rootfs = await debianMinbaseTar();
    if (!rootfs.ok)
        throw new Error(`no Debian minbase root filesystem (.ci/setup builds it): ${rootfs.reason}`);
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-image-'));
    // The directory shared with the container: a mount point of its own, rshared, as /run/darner
    // and /var/lib/darner are on a node.
    await run('mount', ['--bind', work, work]);
    await run('mount', ['--make-rshared', work]);
    t.teardown(async () => {
        await run('umount', ['-R', '-l', work]).catch(() => undefined);
        fs.rmSync(work, { recursive: true, force: true });
    });
    const reference = `${registry.host}/darner:test`;
    const built = await run(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'build-image.js'), '--rootfs', rootfs.tar, '--to', reference], { cwd: ROOT, timeout: 15 * 60_000, maxBuffer: 1 << 24 });
    t.regex(built.stdout, /@sha256:[0-9a-f]{64}/);
    // The image the daemon in the container mounts: the demo image, converted, as an OCI layout.
    const layout = path.join(work, 'layout');
    const files = await writeDemoImage(layout, 'demo');
    await convertImage(`oci:${layout}:demo`, `oci:${layout}:darner`);
    const motd = files.entries.find((e) => e.type === 'file' && e.path === 'etc/motd');
    t.truthy(motd, 'the demo image has /etc/motd');
    const ctd = await startContainerd();
    t.teardown(() => ctd.stop());
    await ctd.ctr(['images', 'pull', '--plain-http', reference], { timeoutMs: 600_000 });
    // runc keeps its container state in /run/containerd/runc/<namespace> whatever containerd's
    // state directory is, so a container left by an interrupted run must not collide with this one.
    const node = `darner-node-${process.pid}`;
    const version = await ctd.ctr(['run', '--rm', reference, `darner-version-${process.pid}`, 'darner', '--version']);
    t.regex(version, /^darner \d+\.\d+\.\d+\nnative addon \d+\.\d+\.\d+\n$/);
    const mnt = path.join(work, 'mnt');
    const socket = path.join(work, 'daemon.sock');
    const script = [
        `darner daemon --socket ${socket} --cache ${work}/cache --state ${work}/state >${work}/daemon.log 2>&1 &`,
        `for i in $(seq 1 600); do test -S ${socket} && break; sleep 0.1; done`,
        `darner mount --daemon ${socket} oci:${layout}:darner ${mnt}`,
        'wait',
    ].join('\n');
    await ctd.ctr([
        // What CRI does for a Bidirectional volume: the volume rshared and the container's root too.
        'run', '-d', '--privileged', '--net-host', '--rootfs-propagation', 'rshared',
        '--mount', `type=bind,src=${work},dst=${work},options=rbind:rshared:rw`,
        reference, node, 'sh', '-c', script,
    ]);
    t.teardown(async () => {
        await ctd.ctr(['task', 'kill', '-s', 'SIGKILL', node]).catch(() => undefined);
        await run('umount', ['-l', mnt]).catch(() => undefined);
        await ctd.ctr(['task', 'delete', '-f', node]).catch(() => undefined);
        await ctd.ctr(['containers', 'delete', node]).catch(() => undefined);
    });
    // Read from the host, through the mount the container's daemon made (at most 120 s of polls).
    let text;
    for (let attempt = 0; attempt < 1200 && text === undefined; attempt++) {
        try {
            text = fs.readFileSync(path.join(mnt, 'etc', 'motd'), 'utf8');
        }
        catch {
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    const log = fs.existsSync(path.join(work, 'daemon.log')) ? fs.readFileSync(path.join(work, 'daemon.log'), 'utf8') : '';
    t.is(text, motd?.type === 'file' ? motd.data.toString('utf8') : undefined, `daemon log: ${log.slice(-2000)}`);
});
//# sourceMappingURL=image.test.js.map