/**
 * A private containerd (Debian's, with runc) for tests.
 *
 *   const ctd = await startContainerd({ snapshotterSocket: sn.address });
 *   t.teardown(() => ctd.stop());
 *   await ctd.ctr(['images', 'import', '--snapshotter', 'darner', archive]);
 *   const out = await ctd.ctr(['run', '--rm', '--snapshotter', 'darner', image, 'c1', 'sh', '-c', 'echo hi']);
 *
 * Everything lives in one temporary directory: the config file, containerd's root and state, its
 * gRPC and ttrpc sockets. The CRI plugin is disabled (it wants CNI and a network); containers run
 * under runc through containerd-shim-runc-v2 in their own (empty) network namespace. When a
 * snapshotter socket is given it is registered as `[proxy_plugins.<snapshotterName>]`
 * (default name `darner`).
 *
 * stop() is safe to call more than once and after failures: it kills every task in every
 * namespace, stops containerd, kills the shims that belong to this instance, unmounts whatever is
 * left under the temporary directory and deletes it.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync, closeSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
export async function startContainerd(options = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'darner-ctd-'));
    const root = path.join(dir, 'root');
    const state = path.join(dir, 'state');
    const address = options.address ?? path.join(dir, 'containerd.sock');
    const logFile = path.join(dir, 'containerd.log');
    const name = options.snapshotterName ?? 'darner';
    const toml = (s) => JSON.stringify(s);
    const config = [
        'version = 2',
        `root = ${toml(root)}`,
        `state = ${toml(state)}`,
        `disabled_plugins = [${options.cri ? '' : '"io.containerd.grpc.v1.cri", '}"io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.aufs"]`,
        '[grpc]',
        `  address = ${toml(address)}`,
        '[ttrpc]',
        `  address = ${toml(`${address}.ttrpc`)}`,
        '[debug]',
        '  level = "debug"',
        '[plugins."io.containerd.internal.v1.opt"]',
        `  path = ${toml(path.join(root, 'opt'))}`,
        ...(options.snapshotterSocket
            ? [`[proxy_plugins.${name}]`, '  type = "snapshot"', `  address = ${toml(options.snapshotterSocket)}`]
            : []),
        ...(options.cri ? criConfig(options.cri.plainHttpRegistries, name, dir) : []),
        options.extraConfig ?? '',
    ].join('\n');
    const configFile = path.join(dir, 'config.toml');
    writeFileSync(configFile, `${config}\n`);
    const logFd = openSync(logFile, 'a');
    const child = spawn('containerd', ['--config', configFile], {
        stdio: ['ignore', logFd, logFd],
        detached: true, // its own process group, so a test runner's signals do not reach it first
    });
    closeSync(logFd);
    let exited = false;
    child.once('exit', () => {
        exited = true;
    });
    const logs = () => {
        try {
            return readFileSync(logFile, 'utf8');
        }
        catch {
            return '';
        }
    };
    const ctr = (args, opts = {}) => new Promise((resolve, reject) => {
        const argv = ['--address', address, ...(opts.namespace ? ['-n', opts.namespace] : []), ...args];
        execFile('ctr', argv, { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err)
                reject(new Error(`ctr ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
            else
                resolve(stdout);
        });
    });
    let stopped;
    const instance = {
        address,
        root,
        state,
        dir,
        ctr,
        logs,
        stop: () => (stopped ??= stopAll()),
    };
    async function stopAll() {
        if (!exited) {
            await killTasks().catch(() => undefined);
            child.kill('SIGTERM');
            for (let i = 0; i < 50 && !exited; i++)
                await sleep(100);
            if (!exited)
                child.kill('SIGKILL');
            for (let i = 0; i < 50 && !exited; i++)
                await sleep(100);
        }
        killShims(address);
        await sleep(100);
        unmountUnder(dir);
        rmSync(dir, { recursive: true, force: true });
    }
    async function killTasks() {
        const namespaces = (await ctr(['namespaces', 'ls', '-q'], { timeoutMs: 10_000 })).split('\n').filter(Boolean);
        for (const ns of namespaces) {
            const tasks = (await ctr(['tasks', 'ls', '-q'], { namespace: ns, timeoutMs: 10_000 })).split('\n').filter(Boolean);
            for (const id of tasks) {
                await ctr(['tasks', 'kill', '-a', '-s', 'SIGKILL', id], { namespace: ns, timeoutMs: 10_000 }).catch(() => undefined);
                for (let i = 0; i < 20; i++) {
                    try {
                        await ctr(['tasks', 'rm', '-f', id], { namespace: ns, timeoutMs: 10_000 });
                        break;
                    }
                    catch {
                        await sleep(100);
                    }
                }
            }
        }
    }
    // Ready when ctr can talk to it.
    const deadline = Date.now() + 30_000;
    for (;;) {
        if (exited) {
            const log = logs();
            await instance.stop();
            throw new Error(`containerd exited during startup:\n${log.slice(-3000)}`);
        }
        try {
            await ctr(['version'], { timeoutMs: 5_000 });
            break;
        }
        catch (err) {
            if (Date.now() > deadline) {
                await instance.stop();
                throw new Error(`containerd did not become ready: ${err.message}`);
            }
            await sleep(100);
        }
    }
    return instance;
}
/** SIGKILLs containerd-shim processes started for the containerd at `address`. */
function killShims(address) {
    for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry))
            continue;
        let argv;
        try {
            argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        }
        catch {
            continue;
        }
        if (!(argv[0] ?? '').includes('containerd-shim'))
            continue;
        const i = argv.indexOf('-address');
        if (i >= 0 && argv[i + 1] === address) {
            try {
                process.kill(Number(entry), 'SIGKILL');
            }
            catch {
                // already gone
            }
        }
    }
}
/** Lazily unmounts every mount point at or below `dir`, deepest first. */
export function unmountUnder(dir) {
    let info;
    try {
        info = readFileSync('/proc/self/mountinfo', 'utf8');
    }
    catch {
        return;
    }
    const points = info
        .split('\n')
        .map((line) => (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))))
        .filter((p) => p === dir || p.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
    for (const p of points) {
        spawnSync('umount', ['-l', p], { stdio: 'ignore' }); // best effort
    }
}
/** The CRI plugin's settings for a test: the snapshotter with layer labels, plain http mirrors, CNI dirs of its own. */
function criConfig(plainHttp, snapshotter, dir) {
    const cri = '[plugins."io.containerd.grpc.v1.cri"]';
    return [
        cri,
        '  restrict_oom_score_adj = true', // a test machine's containerd may not lower its children's scores
        '  stream_server_port = "0"',
        `${cri.slice(0, -1)}.containerd]`,
        `  snapshotter = ${JSON.stringify(snapshotter)}`,
        '  disable_snapshot_annotations = false',
        `${cri.slice(0, -1)}.cni]`,
        `  bin_dir = ${JSON.stringify(path.join(dir, 'cni-bin'))}`,
        `  conf_dir = ${JSON.stringify(path.join(dir, 'cni-conf'))}`,
        ...plainHttp.flatMap((host) => [`${cri.slice(0, -1)}.registry.mirrors.${JSON.stringify(host)}]`, `  endpoint = [${JSON.stringify(`http://${host}`)}]`]),
    ];
}
//# sourceMappingURL=containerd.js.map