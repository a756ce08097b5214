/**
 * `darner demo`: the whole job on an embedded example, in a temp directory, on this machine alone.
 *
 *   1. build a small OCI image (busybox + a few files, ~45 MiB) as an OCI layout;
 *   2. convert it to a darner image (chunked, deduplicated, compressed blobs + bootstrap);
 *   3. start a daemon (its own socket, cache and state dirs) and mount the image lazily;
 *   4. read a few files and run a binary from the mount;
 *   5. show how many bytes came from the origin compared with the image's size;
 *   6. unmount, stop the daemon, remove everything (unless --keep).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatBytes } from '../format-bytes.js';
import { DaemonClient } from '../daemon/client.js';
import { ensureDaemon } from '../daemon/spawn.js';
import { writeDemoImage } from './demo-image.js';
const run = promisify(execFile);
/** One sample from the daemon's metrics endpoint (0 when absent). */
async function metricValue(address, name) {
    const response = await fetch(`http://${address}/metrics`);
    const text = await response.text();
    let total = 0;
    for (const line of text.split('\n')) {
        if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
            total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    }
    return total;
}
async function waitForExit(pid, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            process.kill(pid, 0);
        }
        catch {
            return true;
        }
        if (Date.now() > deadline)
            return false;
        await new Promise((r) => setTimeout(r, 100));
    }
}
export async function runDemo(convertImage, options = {}) {
    const out = options.out ?? ((line) => process.stdout.write(`${line}\n`));
    const work = await mkdtemp(join(options.dir ?? tmpdir(), 'darner-demo-'));
    await chmod(work, 0o755);
    const layout = join(work, 'layout');
    const socket = join(work, 'daemon.sock');
    const mnt = join(work, 'mnt');
    let daemonPid;
    let mountId;
    const client = new DaemonClient(socket);
    try {
        out(`darner demo — lazy loading of a container image, end to end (work dir ${work})`);
        const files = await writeDemoImage(layout, 'demo');
        const imageBytes = files.entries.reduce((n, e) => n + (e.type === 'file' ? e.data.length : 0), 0);
        out(`1. built an OCI image: busybox and ${files.entries.filter((e) => e.type === 'file').length - 1} more files, ${formatBytes(imageBytes)} of file data → oci:${layout}:demo`);
        const summary = await convertImage(`oci:${layout}:demo`, `oci:${layout}:darner`);
        out(`2. converted it to a darner image: ${summary.blobs} data blob(s) of ${summary.uniqueChunks} unique chunks, ` +
            `a ${formatBytes(summary.bootstrapBytes)} bootstrap (${summary.durationMs} ms) → oci:${layout}:darner`);
        const ensured = await ensureDaemon({
            socket,
            args: ['--cache', join(work, 'cache'), '--state', join(work, 'state'), '--metrics', '127.0.0.1:0'],
            logFile: join(work, 'daemon.log'),
        });
        daemonPid = ensured.status.pid;
        const metrics = ensured.status.metrics;
        out(`3. started a darner daemon (pid ${daemonPid}) on ${socket}, metrics at ${metrics ?? 'none'}, log in ${ensured.logFile}`);
        await mkdir(mnt, { recursive: true });
        const { mount } = await client.mount({ reference: `oci:${layout}:darner`, mountpoint: mnt });
        mountId = mount.id;
        const originAtMount = metrics !== null ? await metricValue(metrics, 'darner_fetch_origin_bytes_total') : 0;
        out(`4. mounted it lazily at ${mnt} (${mount.id}, ${mount.mode === 'erofs' ? 'kernel EROFS over FUSE blob devices' : 'FUSE'}); origin bytes fetched so far: ${formatBytes(originAtMount)}`);
        out('5. reading through the mount:');
        const { stdout: listing } = await run('ls', ['-l', join(mnt, 'usr/share/demo')]);
        for (const line of listing.trimEnd().split('\n'))
            out(`     ${line}`);
        out(`     /etc/motd: ${(await readFile(join(mnt, 'etc/motd'), 'utf8')).trim()}`);
        const { stdout: echo } = await run(join(mnt, 'bin/busybox'), ['echo', 'hello from a binary that was never downloaded whole']);
        out(`     /bin/busybox echo …: ${echo.trim()}`);
        const { stdout: head } = await run('sh', ['-c', `head -c 65536 ${JSON.stringify(join(mnt, files.large[0]))} | sha256sum`]);
        out(`     first 64 KiB of ${files.large[0]}: sha256 ${head.split(' ')[0].slice(0, 16)}…`);
        const fileBytes = (await Promise.all(files.large.map(async (p) => (await stat(join(mnt, p))).size))).reduce((a, b) => a + b, 0);
        const origin = metrics !== null ? await metricValue(metrics, 'darner_fetch_origin_bytes_total') : NaN;
        const listingCache = await client.cacheList();
        const cached = listingCache.blobs.reduce((n, b) => n + b.cachedBytes, 0);
        out(`6. fetched from the origin: ${Number.isNaN(origin) ? 'n/a' : formatBytes(origin)} for an image of ${formatBytes(imageBytes)} ` +
            `(the three large files alone are ${formatBytes(fileBytes)}); the blob cache holds ${formatBytes(cached)}`);
        if (options.keep) {
            out(`kept: the image stays mounted at ${mnt}; stop with: darner umount --daemon ${socket} ${mnt} && kill ${daemonPid}`);
            return;
        }
        await client.unmount(mount.id);
        mountId = undefined;
        out('7. unmounted; stopping the daemon and removing the work dir');
    }
    finally {
        if (!options.keep) {
            if (mountId !== undefined)
                await client.unmount(mountId).catch(() => { });
            if (daemonPid !== undefined) {
                try {
                    process.kill(daemonPid, 'SIGTERM');
                }
                catch {
                    // already gone
                }
                if (!(await waitForExit(daemonPid, 20_000)))
                    process.kill(daemonPid, 'SIGKILL');
                await run('fusermount', ['-uz', mnt]).catch(() => { });
            }
            await rm(work, { recursive: true, force: true });
        }
        await client.close();
    }
}
//# sourceMappingURL=run-demo.js.map