/**
 * Test harness: a real `darner daemon` process (dist/src/cli/main.js) with private socket, cache
 * and state directories and a metrics endpoint on a free port, plus its typed client.
 *
 *   const d = await startDaemonProcess();                  // or { dir } to reuse dirs across restarts
 *   t.teardown(() => d.cleanup());
 *   const { mount } = await d.client.mount({ reference, mountpoint });
 *   await d.metric('darner_fetch_origin_bytes_total');
 *   await d.stop();                                        // SIGTERM; exit code in d.exitCode
 *   const again = await startDaemonProcess({ dir: d.dir }); // same cache, state and socket
 *
 * The daemon runs in its own process because a process reading a FUSE mount it serves itself
 * (xattr calls are synchronous) would wait on itself. cleanup() kills it, lazily unmounts every
 * darner mount under its directories and removes them. The fd keeper a daemon spawns
 * (state/fd-keeper.sock) outlives kill(); cleanup() kills it too (killKeeper).
 */
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DaemonClient, waitForDaemon } from '../../src/daemon/client.js';
const run = promisify(execFile);
const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Every mount point at or under `dir`, deepest first. */
async function mountsUnder(dir) {
    const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
    const points = text
        .split('\n')
        .map((l) => l.split(' ')[4])
        .filter((p) => p !== undefined)
        .map((p) => p.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))))
        .filter((p) => p === dir || p.startsWith(`${dir}/`));
    return points.sort((a, b) => b.length - a.length);
}
/** The pid of the fd keeper a daemon with state dir `stateDir` spawned, if it runs. */
export async function keeperPid(stateDir) {
    const text = await readFile(join(stateDir, 'fd-keeper.sock.pid'), 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0)
        return undefined;
    try {
        process.kill(pid, 0);
        return pid;
    }
    catch {
        return undefined;
    }
}
/** SIGKILLs the fd keeper of `stateDir` (its connections end) and waits until it is gone. */
export async function killKeeper(stateDir) {
    const pid = await keeperPid(stateDir);
    if (pid === undefined)
        return;
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 600 && (await keeperPid(stateDir)) === pid; i++)
        await new Promise((r) => setTimeout(r, 50));
}
export async function unmountAllUnder(dir) {
    for (const p of await mountsUnder(dir)) {
        await run('umount', ['-l', p]).catch(() => run('fusermount', ['-uz', p]).catch(() => { }));
    }
}
export async function startDaemonProcess(options = {}) {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'darner-daemon-')));
    await chmod(dir, 0o755);
    const socket = join(dir, 'daemon.sock');
    const cacheDir = join(dir, 'cache');
    const stateDir = join(dir, 'state');
    const mountRoot = join(dir, 'mnt');
    await mkdir(mountRoot, { recursive: true, mode: 0o755 });
    const configFile = join(dir, 'daemon.toml');
    await writeFile(configFile, `log_level = "debug"\n${options.configToml ?? ''}\n`);
    const argv = [CLI_MAIN, 'daemon', '--socket', socket, '--cache', cacheDir, '--state', stateDir, '--metrics', '127.0.0.1:0', '--config', configFile, ...(options.args ?? [])];
    const [cmd, cmdArgs] = options.wrap ? options.wrap(process.execPath, argv) : [process.execPath, argv];
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    let logs = '';
    child.stderr.on('data', (d) => {
        logs += d.toString();
        if (logs.length > 4 << 20)
            logs = logs.slice(-(2 << 20));
    });
    let exitCode = null;
    let alive = true;
    const exited = new Promise((resolve) => {
        child.once('exit', (code) => {
            exitCode = code;
            alive = false;
            resolve();
        });
    });
    let status;
    try {
        status = await waitForDaemon(socket, 60_000, () => alive);
        // With --takeover the running daemon answers until it has handed over.
        const deadline = Date.now() + 60_000;
        while (options.args?.includes('--takeover') === true && status.pid !== child.pid && alive && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 20));
            status = await waitForDaemon(socket, 60_000, () => alive);
        }
        if (status.pid !== child.pid) {
            // Another daemon answers on this socket; ours is on its way out.
            await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
            child.kill('SIGKILL');
            await exited;
            throw new Error(`another daemon (pid ${status.pid}) answers on ${socket}: ${logs.slice(-2000)}`);
        }
    }
    catch (err) {
        if (err.message.startsWith('another daemon'))
            throw err;
        child.kill('SIGKILL');
        await exited;
        if (options.dir === undefined)
            await killKeeper(stateDir);
        await unmountAllUnder(dir);
        if (options.dir === undefined)
            await rm(dir, { recursive: true, force: true });
        throw new Error(`daemon did not start: ${err.message}\n${logs.slice(-4000)}`);
    }
    const client = new DaemonClient(socket);
    const metricsAddress = status.metrics;
    const signalAndWait = async (signal) => {
        if (alive) {
            child.kill(signal);
            const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
            await exited;
            clearTimeout(timer);
        }
    };
    return {
        dir,
        socket,
        cacheDir,
        stateDir,
        mountRoot,
        child,
        pid: child.pid,
        status,
        metricsAddress,
        client,
        get logs() {
            return logs;
        },
        get exitCode() {
            return exitCode;
        },
        exited,
        async metric(name, labels) {
            const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
            let sum = 0;
            for (const line of text.split('\n')) {
                const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
                if (!m || m[1] !== name)
                    continue;
                if (labels !== undefined) {
                    const have = m[3] ?? '';
                    if (!Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`)))
                        continue;
                }
                sum += Number(m[4]);
            }
            return sum;
        },
        stop: () => signalAndWait('SIGTERM'),
        kill: () => signalAndWait('SIGKILL'),
        async cleanup(cleanupOptions = {}) {
            await client.close().catch(() => { });
            await signalAndWait('SIGTERM');
            await killKeeper(stateDir);
            await unmountAllUnder(dir);
            if (!cleanupOptions.keepDir)
                await rm(dir, { recursive: true, force: true });
        },
    };
}
//# sourceMappingURL=daemon.js.map