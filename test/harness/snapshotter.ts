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
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { snapshotsServiceDefinition, type WireInfo, type WireMount } from '../../snapshotter/proto.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface SnapshotterProcessOptions {
  /** State directory; default a new temporary directory, deleted by stop(). */
  root?: string;
  /** Socket path; default `<tmp>/snapshotter.sock`. */
  address?: string;
  configFile?: string;
  env?: Record<string, string>;
}

export interface SnapshotterProcess {
  address: string;
  root: string;
  pid: number;
  /** The process's stderr so far. */
  logs(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

export async function startSnapshotter(options: SnapshotterProcessOptions = {}): Promise<SnapshotterProcess> {
  const own = options.root === undefined || options.address === undefined ? mkdtempSync(path.join(os.tmpdir(), 'darner-sn-')) : undefined;
  const root = options.root ?? path.join(own as string, 'root');
  const address = options.address ?? path.join(own as string, 'snapshotter.sock');
  const args = [CLI, 'snapshotter', '--address', address, '--root', root];
  if (options.configFile) args.push('--config', options.configFile);
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DARNER_LOG_LEVEL: 'debug', ...options.env },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr += d;
  });
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? -1);
    });
  });

  const instance: SnapshotterProcess = {
    address,
    root,
    pid: child.pid ?? -1,
    logs: () => stderr,
    exited,
    kill: (signal) => {
      if (!done) child.kill(signal);
    },
    stop: async () => {
      if (!done) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      if (own) rmSync(own, { recursive: true, force: true });
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

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = net.connect(socketPath);
    conn.once('connect', () => {
      conn.destroy();
      resolve(true);
    });
    conn.once('error', () => resolve(false));
  });
}

/** The gRPC error a failed call rejects with (`code` is a grpc.status). */
export type CallError = grpc.ServiceError;

export interface SnapshotsClient {
  prepare(key: string, parent: string, labels?: Record<string, string>): Promise<WireMount[]>;
  view(key: string, parent: string, labels?: Record<string, string>): Promise<WireMount[]>;
  mounts(key: string): Promise<WireMount[]>;
  commit(name: string, key: string, labels?: Record<string, string>): Promise<void>;
  remove(key: string): Promise<void>;
  stat(key: string): Promise<WireInfo>;
  update(info: { name: string; labels?: Record<string, string> }, paths?: string[]): Promise<WireInfo>;
  /** All infos, and how many stream messages carried them. */
  list(filters?: string[]): Promise<{ infos: WireInfo[]; messages: number }>;
  usage(key: string): Promise<{ size: number; inodes: number }>;
  cleanup(): Promise<void>;
  close(): void;
}

/** A client for the snapshots service at a unix socket; sends no namespace, like containerd's GC. */
export function snapshotsClient(socketPath: string, snapshotter = 'darner'): SnapshotsClient {
  const Client = grpc.makeGenericClientConstructor(snapshotsServiceDefinition(), 'Snapshots');
  const client = new Client(`unix:${socketPath}`, grpc.credentials.createInsecure());
  const call = <Res>(method: string, request: object): Promise<Res> =>
    new Promise((resolve, reject) => {
      const fn = (client as unknown as Record<string, (req: object, cb: (err: grpc.ServiceError | null, res: Res) => void) => void>)[method];
      if (!fn) throw new Error(`no method ${method}`);
      fn.call(client, { snapshotter, ...request }, (err, res) => (err ? reject(err) : resolve(res)));
    });
  return {
    prepare: async (key, parent, labels = {}) => (await call<{ mounts: WireMount[] }>('Prepare', { key, parent, labels })).mounts,
    view: async (key, parent, labels = {}) => (await call<{ mounts: WireMount[] }>('View', { key, parent, labels })).mounts,
    mounts: async (key) => (await call<{ mounts: WireMount[] }>('Mounts', { key })).mounts,
    commit: async (name, key, labels = {}) => {
      await call('Commit', { name, key, labels });
    },
    remove: async (key) => {
      await call('Remove', { key });
    },
    stat: async (key) => (await call<{ info: WireInfo }>('Stat', { key })).info,
    update: async (info, paths = []) =>
      (await call<{ info: WireInfo }>('Update', { info: { name: info.name, labels: info.labels ?? {} }, updateMask: { paths } })).info,
    list: (filters = []) =>
      new Promise((resolve, reject) => {
        const infos: WireInfo[] = [];
        let messages = 0;
        const stream = (client as unknown as { List(req: object): grpc.ClientReadableStream<{ info: WireInfo[] }> }).List({ snapshotter, filters });
        stream.on('data', (msg: { info: WireInfo[] }) => {
          messages += 1;
          infos.push(...msg.info);
        });
        stream.on('error', reject);
        stream.on('end', () => resolve({ infos, messages }));
      }),
    usage: (key) => call<{ size: number; inodes: number }>('Usage', { key }),
    cleanup: async () => {
      await call('Cleanup', {});
    },
    close: () => client.close(),
  };
}
