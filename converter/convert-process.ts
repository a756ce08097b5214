import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * `darner convert` runs in a Node process of its own, started with V8 flags that bound its heap
 * (docs/converter.md, "Memory and CPU"). V8 reads them only when a process starts, and the other
 * darner commands (the daemon above all) want V8's defaults, so the convert verb, once its
 * arguments are parsed, starts node again on the same arguments with these flags and waits.
 *
 * - --max-semi-space-size=1: V8's young generation grows to 2 × 16 MiB by default, most of it
 *   empty between collections; at 1 MiB a semi-space the conversion's peak RSS falls by 20–30
 *   MiB at about the same CPU.
 * - --expose-gc: lets the converter collect the layer's spent stream buffers every GC_PACE_BYTES
 *   of input (gc-pacer.ts).
 */
export const CONVERT_V8_FLAGS = ['--max-semi-space-size=1', '--expose-gc'] as const;

/** Whether this process already runs with the convert verb's flags. */
export function hasConvertFlags(execArgv: readonly string[] = process.execArgv): boolean {
  return CONVERT_V8_FLAGS.every((flag) => execArgv.includes(flag));
}

/** Node's arguments for the converting process: this one's, with the flags, then the script and its arguments. */
export function convertProcessArgs(execArgv: readonly string[], argv: readonly string[]): string[] {
  return [...execArgv, ...CONVERT_V8_FLAGS, ...argv.slice(1)];
}

/** The exit code a parent reports for its child: the child's own, or 128 + the signal that ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal !== null ? constants.signals[signal] : undefined;
  return 128 + (number ?? 0);
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs this command again in a node process with CONVERT_V8_FLAGS (stdio shared, signals passed
 * on) and resolves with its exit code; resolves undefined when node cannot be started, so that
 * the caller converts in this process instead (the flags only bound memory).
 */
export async function runInConvertProcess(): Promise<number | undefined> {
  const child = spawn(process.execPath, convertProcessArgs(process.execArgv, process.argv), {
    stdio: 'inherit',
    env: { ...process.env, [PARENT_ENV]: String(process.pid) },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    return await new Promise<number | undefined>((resolve) => {
      child.once('error', () => resolve(undefined));
      child.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)));
    });
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward);
  }
}

/** Names, in the converting process's environment, the process that waits for it. */
export const PARENT_ENV = 'DARNER_CONVERT_PARENT';

/** How often the converting process checks that the process waiting for it is still there. */
const PARENT_CHECK_MS = 1_000;

/**
 * In the converting process: ends the conversion (SIGTERM to itself, which the verb handles as
 * from the parent) once the process that started it is gone, which only a signal that cannot be
 * forwarded (SIGKILL) leaves behind. Nothing when this process was not started by
 * runInConvertProcess.
 */
export function endWithParent(env: NodeJS.ProcessEnv = process.env): void {
  const parent = Number(env[PARENT_ENV]);
  if (!Number.isSafeInteger(parent) || parent <= 0) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, PARENT_CHECK_MS);
  timer.unref();
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}
