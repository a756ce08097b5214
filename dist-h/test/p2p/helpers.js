// Shared by the P2P tests: schedulers in-process or as `darner scheduler` processes, and clients.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SchedulerClient } from '../../src/p2p/scheduler-client.js';
import { defaultProcessConfig } from '../../src/p2p/scheduler/config.js';
import { startScheduler } from '../../src/p2p/scheduler/process.js';
export const BLOB = 'd'.repeat(64);
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Short timings so that tests about expiry and recovery finish quickly. */
export const FAST = { keepaliveIntervalMs: 300, peerTtlMs: 3000, leaseTtlMs: 20_000 };
export async function inProcessScheduler(t, options = {}) {
    const cfg = defaultProcessConfig();
    cfg.listen = options.listen ?? '127.0.0.1:0';
    if (options.redis !== undefined)
        cfg.redis = options.redis;
    if (options.prefix !== undefined)
        cfg.redisPrefix = options.prefix;
    if (options.metrics)
        cfg.metrics = '127.0.0.1:0';
    cfg.scheduling = { ...cfg.scheduling, ...FAST, ...options.scheduling };
    const running = await startScheduler(cfg, options.token);
    let stopped = false;
    const stop = running.stop;
    running.stop = async () => {
        if (stopped)
            return;
        stopped = true;
        await stop();
    };
    t.teardown(() => running.stop());
    return running;
}
/** Runs `darner scheduler --listen 127.0.0.1:0 ...args` and waits for its address line. */
export async function schedulerProcess(t, args, env = {}) {
    const child = spawn(process.execPath, [CLI, 'scheduler', '--listen', '127.0.0.1:0', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, DARNER_LOG_LEVEL: 'info', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
        stderr += d.toString();
    });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    t.teardown(async () => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
            await exited;
        }
    });
    const address = await new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
            out += d.toString();
            const m = /scheduler listening on (\S+)/.exec(out);
            if (m)
                resolve(m[1]);
        });
        void exited.then((code) => reject(new Error(`darner scheduler exited (${code}) before listening: ${stderr}`)));
    });
    return { address, child, stderr: () => stderr, exited };
}
/** A started SchedulerClient for host `hostId`, closed at teardown. */
export function client(t, addresses, hostId, extra = {}) {
    const c = new SchedulerClient({
        addresses,
        hostId,
        peerUrl: `http://${hostId}.test:8010`,
        uploadCapacity: 8,
        retryMinMs: 50,
        retryMaxMs: 300,
        announceDelayMs: 10,
        callTimeoutMs: 2000,
        resolveTimeoutMs: 2000,
        ...extra,
    });
    c.start();
    t.teardown(() => c.close());
    return c;
}
/** Clients that are all registered. */
export async function readyClients(t, addresses, hostIds, extra = {}) {
    const clients = hostIds.map((h) => client(t, addresses, h, extra));
    for (const c of clients) {
        if (!(await c.ready(20_000)))
            throw new Error(`client ${c.hostId} did not register (state ${c.state})`);
    }
    return clients;
}
/** Polls `check` until it returns true (or throws after `ms`): for state that settles in the background. */
export async function eventually(check, ms = 20_000, what = 'condition') {
    const deadline = Date.now() + ms;
    for (;;) {
        if (await check())
            return;
        if (Date.now() > deadline)
            throw new Error(`${what} not reached within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 50));
    }
}
//# sourceMappingURL=helpers.js.map