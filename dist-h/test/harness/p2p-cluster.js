/**
 * Test harness: a P2P cluster on one machine — `darner scheduler` processes and `darner daemon`
 * processes with their peers on, each daemon with its own cache, state, control socket and peer
 * address — and readers that read files through the daemons' FUSE mounts in separate processes.
 *
 *   const sched = await startSchedulerProcess({ tokenFile });
 *   const nodes = await startPeerDaemons(8, { schedulers: [sched.address], tokenFile });
 *   await mountEverywhere(nodes, reference);
 *   const sums = await readEverywhere(nodes, 'big');          // sha256 of each node's read
 *   await stopAll(nodes); await sched.stop();
 *
 * Every process is killed and every directory removed by the handles' stop/cleanup; call them
 * from t.teardown (or finally). Without ava: the bench uses the same functions.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startDaemonProcess } from './daemon.js';
import { freePort, startCountingProxy, startRegistry } from './registry.js';
import { publishImage } from './rich-image.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** A short keep-alive so that tests about expiry and recovery settle quickly. */
export const FAST_SCHEDULING = '[scheduling]\nkeepalive_interval_ms = 500\npeer_ttl_ms = 3000\n';
export async function startSchedulerProcess(options = {}) {
    const listen = options.listen ?? `127.0.0.1:${await freePort()}`;
    const dir = await mkdtemp(join(tmpdir(), 'darner-sched-'));
    const configFile = join(dir, 'scheduler.toml');
    await writeFile(configFile, options.configToml ?? FAST_SCHEDULING);
    const args = [
        CLI, 'scheduler', '--listen', listen, '--config', configFile,
        ...(options.tokenFile !== undefined ? ['--peer-token-file', options.tokenFile] : []),
        ...(options.redis !== undefined ? ['--redis', options.redis] : []),
        ...(options.args ?? []),
    ];
    const [cmd, argv] = options.wrap ? options.wrap(process.execPath, args) : [process.execPath, args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DARNER_LOG_LEVEL: 'info' } });
    let logs = '';
    child.stderr.on('data', (d) => {
        logs += d.toString();
        if (logs.length > 2 << 20)
            logs = logs.slice(-(1 << 20));
    });
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const address = await new Promise((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`scheduler not listening after 30 s: ${logs}`)), 30_000);
        child.stdout.on('data', (d) => {
            out += d.toString();
            const m = /scheduler listening on (\S+)/.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve(m[1]);
            }
        });
        void exited.then(() => {
            clearTimeout(timer);
            reject(new Error(`darner scheduler exited before listening: ${logs}`));
        });
    }).catch(async (err) => {
        await rm(dir, { recursive: true, force: true });
        throw err;
    });
    const signal = async (sig) => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill(sig);
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await exited;
            clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
    };
    return {
        address,
        child,
        get logs() {
            return logs;
        },
        stop: () => signal('SIGTERM'),
        kill: () => signal('SIGKILL'),
    };
}
/** Writes a cluster token to a private file; returns its path and a remover. */
export async function writeTokenFile(token) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-token-'));
    const path = join(dir, 'peer-token');
    await writeFile(path, `${token}\n`, { mode: 0o600 });
    return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
/**
 * Starts a registry, publishes `layer` as darner image `repo` (chunks of `chunkSize`), puts the
 * counting proxy in front and writes the cluster's token file; each stop goes onto `cleanups`.
 */
export async function startClusterOrigin(repo, layer, options, cleanups) {
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    const image = await publishImage(registry.host, repo, [layer], { chunkSize: options.chunkSize });
    const proxy = await startCountingProxy(registry.host);
    cleanups.push(() => proxy.stop());
    const reference = image.darnerRef.replace(registry.host, proxy.host);
    const tokenFile = await writeTokenFile(options.token);
    cleanups.push(() => tokenFile.remove());
    return { registry, proxy, image, reference, tokenFile };
}
/** Starts `n` daemons with P2P (when schedulers are given), in parallel. */
export async function startPeerDaemons(n, options) {
    const started = await Promise.allSettled(Array.from({ length: n }, (_, k) => {
        const index = k + (options.firstIndex ?? 0);
        return startPeerDaemon(index, options, options.dir?.(index));
    }));
    const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) {
        await stopAll(nodes);
        throw failed.reason;
    }
    return nodes;
}
export async function startPeerDaemon(index, options, dir) {
    const host = typeof options.peerHost === 'function' ? options.peerHost(index) : options.peerHost ?? '127.0.0.1';
    // A loopback port from freePort() can be taken by another process before the daemon binds it:
    // try again on a fresh port (in a namespace the fixed port is ours alone).
    const loopback = host === '127.0.0.1';
    for (let attempt = 1;; attempt++) {
        const port = loopback ? await freePort() : 8010;
        try {
            return await startPeerDaemonOn(index, options, dir, `${host}:${port}`);
        }
        catch (err) {
            if (!loopback || attempt >= 3 || !/EADDRINUSE/.test(err.message))
                throw err;
        }
    }
}
async function startPeerDaemonOn(index, options, dir, peerAddress) {
    const hostId = `node-${index}`;
    const extra = typeof options.args === 'function' ? options.args(index) : options.args ?? [];
    const p2pArgs = options.schedulers.length === 0 ? [] : [
        '--scheduler', options.schedulers.join(','),
        '--peer-listen', peerAddress,
        '--peer-advertise', `http://${peerAddress}`,
        '--peer-id', hostId,
        ...(options.tokenFile !== undefined ? ['--peer-token-file', options.tokenFile] : []),
    ];
    const wrap = options.wrap?.(index);
    const daemon = await startDaemonProcess({
        ...(dir !== undefined ? { dir } : {}),
        // Many daemons share two cores here: give the scheduler time before a range goes to the origin.
        configToml: `[p2p]\nresolve_timeout_ms = 2000\n${options.configToml ?? ''}`,
        args: [...p2pArgs, ...extra],
        ...(wrap !== undefined ? { wrap } : {}),
    });
    return Object.assign(daemon, { hostId, peerAddress });
}
/** Cleans up every node (kill if alive, unmount, remove dirs). */
export async function stopAll(nodes) {
    await Promise.all(nodes.map((n) => n.cleanup().catch(() => undefined)));
}
/** Mounts `reference` on every node under its mount root (`plainHttp` for a registry off loopback). */
export async function mountEverywhere(nodes, reference, options = {}) {
    await Promise.all(nodes.map(async (n) => {
        n.mountpoint = join(n.mountRoot, 'image');
        await n.client.mount({ reference, mountpoint: n.mountpoint, ...(options.plainHttp ? { plainHttp: true } : {}) });
    }));
}
/**
 * Reads `path` of the image on every node at once, each in its own process (sha256sum through
 * the FUSE mount); resolves to the digests in node order (a failed read rejects).
 */
export async function readEverywhere(nodes, path) {
    return Promise.all(nodes.map(async (n) => {
        const { stdout } = await run('sha256sum', [join(n.mountpoint, path)], { maxBuffer: 1 << 20 });
        return stdout.split(' ')[0];
    }));
}
/** Sum of a metric over nodes. */
export async function metricSum(nodes, name, labels) {
    const values = await Promise.all(nodes.map((n) => n.metric(name, labels).catch(() => 0)));
    return values.reduce((a, b) => a + b, 0);
}
//# sourceMappingURL=p2p-cluster.js.map