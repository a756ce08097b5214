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

/**
 * Whether `args` (the command line after the script) name the convert verb: its first word that
 * is not an option, skipping the value of the one global option that takes one (--log-format).
 */
export function isConvertCommand(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--log-format') {
      i += 1;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return arg === 'convert';
  }
  return false;
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
  const child = spawn(process.execPath, convertProcessArgs(process.execArgv, process.argv), { stdio: 'inherit' });
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
