// Shared by the P2P tests: schedulers in-process or as `darner scheduler` processes, and clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { SchedulerClient, type SchedulerClientOptions } from '../../src/p2p/scheduler-client.js';
import { defaultProcessConfig, type SchedulerProcessConfig } from '../../src/p2p/scheduler/config.js';
import type { SchedulerConfig } from '../../src/p2p/scheduler/model.js';
import { startScheduler, type RunningScheduler } from '../../src/p2p/scheduler/process.js';

export const BLOB = 'd'.repeat(64);
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Short timings so that tests about expiry and recovery finish quickly. */
export const FAST: Partial<SchedulerConfig> = { keepaliveIntervalMs: 300, peerTtlMs: 3000, leaseTtlMs: 20_000 };

export async function inProcessScheduler(
  t: ExecutionContext,
  options: { listen?: string; token?: string; redis?: string; prefix?: string; scheduling?: Partial<SchedulerConfig>; metrics?: boolean } = {},
): Promise<RunningScheduler> {
  const cfg: SchedulerProcessConfig = defaultProcessConfig();
  cfg.listen = options.listen ?? '127.0.0.1:0';
  if (options.redis !== undefined) cfg.redis = options.redis;
  if (options.prefix !== undefined) cfg.redisPrefix = options.prefix;
  if (options.metrics) cfg.metrics = '127.0.0.1:0';
  cfg.scheduling = { ...cfg.scheduling, ...FAST, ...options.scheduling };
  const running = await startScheduler(cfg, options.token);
  let stopped = false;
  const stop = running.stop;
  running.stop = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
  };
  t.teardown(() => running.stop());
  return running;
}

export interface SchedulerProcess {
  address: string;
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/** Runs `darner scheduler --listen 127.0.0.1:0 ...args` and waits for its address line. */
export async function schedulerProcess(t: ExecutionContext, args: string[], env: NodeJS.ProcessEnv = {}): Promise<SchedulerProcess> {
  const child = spawn(process.execPath, [CLI, 'scheduler', '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DARNER_LOG_LEVEL: 'info', ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /scheduler listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`darner scheduler exited (${code}) before listening: ${stderr}`)));
  });
  return { address, child, stderr: () => stderr, exited };
}

/** A started SchedulerClient for host `hostId`, closed at teardown. */
export function client(t: ExecutionContext, addresses: string[], hostId: string, extra: Partial<SchedulerClientOptions> = {}): SchedulerClient {
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
export async function readyClients(t: ExecutionContext, addresses: string[], hostIds: string[], extra: Partial<SchedulerClientOptions> = {}): Promise<SchedulerClient[]> {
  const clients = hostIds.map((h) => client(t, addresses, h, extra));
  for (const c of clients) {
    if (!(await c.ready(20_000))) throw new Error(`client ${c.hostId} did not register (state ${c.state})`);
  }
  return clients;
}

/** Polls `check` until it returns true (or throws after `ms`): for state that settles in the background. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Where the chunks of file `path` of image `reference` are stored: its blob, the stored extent, and the chunks' uncompressed offsets. */
export async function storedFile(
  reference: string,
  path: string,
): Promise<{ blobId: string; start: number; end: number; size: number; chunks: number; offsets: number[] }> {
  const loaded = await loadImageBootstrap(reference, {});
  try {
    const b = loaded.bootstrap;
    const nid = [...b.walk()].find((e) => e.path === path)!.nid;
    const chunks = b.fileChunks(nid).map((i) => b.chunk(i));
    return {
      blobId: b.blobs[chunks[0]!.blobIndex]!.id,
      start: Math.min(...chunks.map((c) => c.compressedOffset)),
      end: Math.max(...chunks.map((c) => c.compressedOffset + c.compressedSize)),
      size: chunks.reduce((n, c) => n + c.compressedSize, 0),
      chunks: chunks.length,
      offsets: chunks.map((c) => c.uncompressedOffset),
    };
  } finally {
    await loaded.source.close();
  }
}
