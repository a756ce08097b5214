/**
 * Helpers shared by the benchmarks that drive real processes (bench:fs, bench:start): timed
 * commands, the page cache, medians, a teardown stack that also runs on signals, and the bytes a
 * shaped link has carried.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { ShapedHost } from '../test/harness/network.js';

export const MB = 1e6;
export const MiB = 1 << 20;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Writes dirty pages back and drops the kernel's page, dentry and inode caches (machine-wide). */
export async function dropCaches(): Promise<void> {
  await runCommand('sync', []);
  writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Seconds from spawn to exit. */
  seconds: number;
  /** Seconds from spawn to the first byte on stdout (the whole run when nothing was printed). */
  firstOutput: number;
}

/** Runs a command to completion; rejects with its stderr on a non-zero exit or after `timeoutMs`. */
export function runCommand(cmd: string, args: readonly string[], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let first = 0;
    child.stdout!.on('data', (d: Buffer) => {
      if (first === 0) first = performance.now();
      if (stdout.length < 1 << 20) stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 1 << 20) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const end = performance.now();
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim().slice(-2000)}`));
        return;
      }
      resolve({ stdout, stderr, seconds: (end - started) / 1000, firstOutput: ((first || end) - started) / 1000 });
    });
  });
}

/**
 * Cleanup steps run in reverse order of registration: by run() at the end (success or failure)
 * and on SIGINT/SIGTERM/SIGHUP, so that no mount, namespace, containerd or daemon outlives the
 * benchmark. The network harness registers its own handlers too; both are idempotent.
 */
export class Teardown {
  readonly #steps: Array<{ what: string; fn: () => unknown }> = [];
  #running: Promise<void> | undefined;

  add(what: string, fn: () => unknown): void {
    this.#steps.push({ what, fn });
  }

  /** Runs and forgets the steps registered after `mark` (from mark()). */
  async unwindTo(mark: number): Promise<void> {
    while (this.#steps.length > mark) {
      const step = this.#steps.pop()!;
      try {
        await step.fn();
      } catch (err) {
        process.stderr.write(`teardown: ${step.what}: ${(err as Error).message}\n`);
      }
    }
  }

  mark(): number {
    return this.#steps.length;
  }

  all(): Promise<void> {
    this.#running ??= this.unwindTo(0);
    return this.#running;
  }

  /** Runs `main`, tears down, and exits non-zero on failure or on a signal. */
  async run(main: () => Promise<void>): Promise<void> {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.stderr.write(`\n${signal}: tearing down\n`);
      void this.all().finally(() => process.exit(130));
    };
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal);
    let failed = false;
    try {
      await main();
    } catch (err) {
      failed = true;
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    } finally {
      await this.all();
    }
    process.exit(failed ? 1 : 0);
  }
}

/** Bytes the shaped link has sent toward the root namespace (what the registry served, framing included). */
export async function linkBytesDown(link: ShapedHost): Promise<number> {
  return (await linkDown(link)).sentBytes;
}

/** The downstream tbf's counters: bytes sent, packets dropped (TCP losses on the shaped link). */
export async function linkDown(link: ShapedHost): Promise<{ sentBytes: number; drops: number }> {
  const qdiscs = await link.qdiscs();
  const q = qdiscs.find((d) => d.kind === 'tbf' && d.dev === link.shapedDevices.towardRoot);
  if (q === undefined) throw new Error(`no tbf qdisc on ${link.shapedDevices.towardRoot}`);
  return { sentBytes: q.sentBytes, drops: q.drops };
}

/**
 * A daemon metric, asked again when the first try fails: the harness's fetch() may reuse a
 * kept-alive connection that the metrics server has just closed after a long read.
 */
export async function metricOf(daemon: { metric(name: string): Promise<number> }, name: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await daemon.metric(name);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

export const fmt = {
  s: (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-'),
  mbps: (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '-'),
  ratio: (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(0)}%` : '-'),
  mb: (v: number): string => (Number.isFinite(v) ? (v / MB).toFixed(1) : '-'),
  int: (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-'),
};
