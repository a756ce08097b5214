/**
 * Starts Debian's redis-server for a test: 127.0.0.1 on a free port, a private temp directory,
 * no persistence (no RDB snapshots, no AOF). `stop()` kills it and removes the directory; call it
 * from t.teardown / test.after.always so it runs even when the test fails.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { freePort } from './registry.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/** A port that was free a moment ago on 127.0.0.1. */
export { freePort };
/**
 * Starts a redis-server. `port` reuses a known port (e.g. to restart a server that a test
 * stopped); by default a free one is picked.
 */
export async function startRedis(options = {}) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-redis-'));
    let lastError;
    // Another process may take the free port between our probe and redis binding it: try again.
    for (let attempt = 0; attempt < (options.port === undefined ? 5 : 1); attempt++) {
        const port = options.port ?? await freePort();
        const child = spawn('redis-server', [
            '--port', String(port),
            '--bind', '127.0.0.1',
            '--dir', dir,
            '--save', '',
            '--appendonly', 'no',
            '--protected-mode', 'yes',
            '--loglevel', 'warning',
            '--databases', '1',
        ], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr?.on('data', (d) => {
            stderr += d.toString();
        });
        try {
            await waitForPong(port, child);
            return {
                url: `redis://127.0.0.1:${port}`,
                port,
                pid: child.pid,
                stop: async () => {
                    await kill(child);
                    await rm(dir, { recursive: true, force: true });
                },
            };
        }
        catch (err) {
            lastError = new Error(`redis-server on port ${port} did not start: ${err.message} ${stderr}`);
            await kill(child);
        }
    }
    await rm(dir, { recursive: true, force: true });
    throw lastError;
}
async function waitForPong(port, child) {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null)
            throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
        if (await ping(port))
            return;
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no PONG within 10 s');
}
function ping(port) {
    return new Promise((resolve) => {
        const socket = createConnection({ host: '127.0.0.1', port });
        let answer = '';
        const done = (ok) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(1000, () => done(false));
        socket.once('error', () => done(false));
        socket.once('connect', () => socket.write('PING\r\n'));
        socket.on('data', (d) => {
            answer += d.toString();
            if (answer.includes('\r\n'))
                done(answer.startsWith('+PONG'));
        });
    });
}
async function kill(child) {
    if (child.exitCode !== null || child.signalCode !== null)
        return;
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
}
//# sourceMappingURL=redis.js.map