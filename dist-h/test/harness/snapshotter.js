/**
 * `darner snapshotter` as a child process, and a promise-based client for containerd's snapshots
 * API over its unix socket.
 *
 *   const sn = await startSnapshotter();                 // private root and socket
 *   t.teardown(() => sn.stop());
 *   const client = snapshotsClient(sn.address);
 *   await client.prepare('k', '');
 *
 * startSnapshotter runs the compiled CLI (dist/src/cli/main.js) with `--address` and `--root`
 * (and `--config` when given), waits until the socket accepts connections, and keeps its stderr
 * (structured logs). stop() sends SIGTERM and waits; kill() sends any signal without waiting for
 * a clean exit (crash tests use SIGKILL). The root survives stop() unless the harness created
 * it, in which case it is deleted then.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { snapshotsServiceDefinition } from '../../snapshotter/proto.js';
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export async function startSnapshotter(options = {}) {
    const own = options.root === undefined || options.address === undefined ? mkdtempSync(path.join(os.tmpdir(), 'darner-sn-')) : undefined;
    const root = options.root ?? path.join(own, 'root');
    const address = options.address ?? path.join(own, 'snapshotter.sock');
    const args = [CLI, 'snapshotter', '--address', address, '--root', root];
    if (options.configFile)
        args.push('--config', options.configFile);
    const child = spawn(process.execPath, args, {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, DARNER_LOG_LEVEL: 'debug', ...options.env },
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d) => {
        stderr += d;
    });
    let done = false;
    const exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
            done = true;
            resolve(code ?? signal ?? -1);
        });
    });
    const instance = {
        address,
        root,
        pid: child.pid ?? -1,
        logs: () => stderr,
        exited,
        kill: (signal) => {
            if (!done)
                child.kill(signal);
        },
        stop: async () => {
            if (!done) {
                child.kill('SIGTERM');
                const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
                await exited;
                clearTimeout(timer);
            }
            if (own)
                rmSync(own, { recursive: true, force: true });
        },
    };
    const deadline = Date.now() + 20_000;
    while (!(await canConnect(address))) {
        if (done || Date.now() > deadline) {
            await instance.stop();
            throw new Error(`snapshotter did not start:\n${stderr.slice(-3000)}`);
        }
        await sleep(50);
    }
    return instance;
}
function canConnect(socketPath) {
    return new Promise((resolve) => {
        const conn = net.connect(socketPath);
        conn.once('connect', () => {
            conn.destroy();
            resolve(true);
        });
        conn.once('error', () => resolve(false));
    });
}
/** A client for the snapshots service at a unix socket; sends no namespace, like containerd's GC. */
export function snapshotsClient(socketPath, snapshotter = 'darner') {
    const Client = grpc.makeGenericClientConstructor(snapshotsServiceDefinition(), 'Snapshots');
    const client = new Client(`unix:${socketPath}`, grpc.credentials.createInsecure());
    const call = (method, request) => new Promise((resolve, reject) => {
        const fn = client[method];
        if (!fn)
            throw new Error(`no method ${method}`);
        fn.call(client, { snapshotter, ...request }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    return {
        prepare: async (key, parent, labels = {}) => (await call('Prepare', { key, parent, labels })).mounts,
        view: async (key, parent, labels = {}) => (await call('View', { key, parent, labels })).mounts,
        mounts: async (key) => (await call('Mounts', { key })).mounts,
        commit: async (name, key, labels = {}) => {
            await call('Commit', { name, key, labels });
        },
        remove: async (key) => {
            await call('Remove', { key });
        },
        stat: async (key) => (await call('Stat', { key })).info,
        update: async (info, paths = []) => (await call('Update', { info: { name: info.name, labels: info.labels ?? {} }, updateMask: { paths } })).info,
        list: (filters = []) => new Promise((resolve, reject) => {
            const infos = [];
            let messages = 0;
            const stream = client.List({ snapshotter, filters });
            stream.on('data', (msg) => {
                messages += 1;
                infos.push(...msg.info);
            });
            stream.on('error', reject);
            stream.on('end', () => resolve({ infos, messages }));
        }),
        usage: (key) => call('Usage', { key }),
        cleanup: async () => {
            await call('Cleanup', {});
        },
        close: () => client.close(),
    };
}
//# sourceMappingURL=snapshotter.js.map