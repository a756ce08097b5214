/**
 * `darner daemon` as a child process for the lazy-pull tests: its own cache and state
 * directories, its control socket where the snapshotter expects it. stop() sends SIGTERM (the
 * daemon unmounts what it serves), waits, SIGKILLs if it must, and lazily unmounts anything left
 * under its directories.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DaemonClient } from '../../src/daemon/client.js';
import { parseMountPoints, readMountInfo } from '../../snapshotter/mountinfo.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface DaemonProcess {
  socket: string;
  pid: number;
  client: DaemonClient;
  logs(): string;
  stop(): Promise<void>;
}

/** Starts `darner daemon --socket <socket>` with cache and state in `dir`. */
export async function startDaemonProcess(socket: string, dir: string): Promise<DaemonProcess> {
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn(
    process.execPath,
    [CLI, 'daemon', '--socket', socket, '--cache', path.join(dir, 'cache'), '--state', path.join(dir, 'state')],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DARNER_LOG_LEVEL: process.env.DARNER_LOG_LEVEL ?? 'info' } },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-(1 << 20));
  });
  let exited = false;
  const done = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const client = new DaemonClient(socket, { timeoutMs: 120_000 });
  const stop = async (): Promise<void> => {
    await client.close().catch(() => undefined);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await done;
      clearTimeout(timer);
    }
    for (const p of parseMountPoints(readMountInfo()).filter((m) => m.startsWith(`${dir}/`)).reverse()) {
      spawnSync('umount', ['-l', p], { stdio: 'ignore' });
    }
  };
  const deadline = Date.now() + 30_000;
  while (!(await client.ping())) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`darner daemon did not start:\n${stderr.slice(-3000)}`);
    }
    await sleep(100);
  }
  return { socket, pid: child.pid ?? -1, client, logs: () => stderr, stop };
}
