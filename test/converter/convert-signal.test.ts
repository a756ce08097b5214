/**
 * `darner convert` converts in a node process of its own (converter/convert-process.ts): a signal
 * sent to the command must end that process too, and the command must report it in its exit code,
 * so that a stopped conversion leaves nothing running.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStreamedLayerImage } from '../harness/streamed-layer.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const MiB = 1 << 20;

/** Pids of the processes whose command line mentions `marker`. */
async function processesWith(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) pids.push(Number(name));
  }
  return pids;
}

/** Starts `darner convert` of a 1 GiB image into `target` and waits until it is reading. */
async function convertUntilReading(dir: string, target: string, seed: number): Promise<{ child: ChildProcess; converting: number[] }> {
  const source = join(dir, 'src');
  // Large enough that the conversion is still reading when the signal comes.
  await writeStreamedLayerImage(source, { totalBytes: 1024 * MiB, fileBytes: 64 * MiB, seed });
  const child = spawn(process.execPath, [CLI, 'convert', `oci:${source}:src`, `oci:${target}:darner`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/: reading/.test(stderr)) resolve();
    });
    child.once('exit', () => reject(new Error(`convert ended before reading: ${stderr}`)));
  });
  return { child, converting: (await processesWith(target)).filter((pid) => pid !== child.pid) };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test.serial(`${signal} to darner convert ends the converting process and exits 128 + the signal`, async (t) => {
    t.timeout(300_000);
    const dir = await mkdtemp(join(process.env.DARNER_TEST_SCRATCH ?? tmpdir(), 'darner-convert-signal-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const target = join(dir, `out-${signal}`);
    const { child, converting } = await convertUntilReading(dir, target, 3);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    t.is(converting.length, 1, 'one converting process besides the command');
    child.kill(signal);
    const [code] = await exited;
    t.is(code, 128 + constants.signals[signal]);
    t.deepEqual(await processesWith(target), [], 'nothing of the conversion left running');
  });
}

test.serial('SIGKILL to darner convert: the converting process sees its parent gone and ends too', async (t) => {
  t.timeout(300_000);
  const dir = await mkdtemp(join(process.env.DARNER_TEST_SCRATCH ?? tmpdir(), 'darner-convert-signal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const target = join(dir, 'out-kill');
  const { child, converting } = await convertUntilReading(dir, target, 4);
  const exited = once(child, 'exit');
  t.is(converting.length, 1, 'one converting process besides the command');
  child.kill('SIGKILL');
  await exited;
  // Polled, not timed: the converting process checks for its parent every second; 60 s only bounds a hang.
  for (let i = 0; i < 600 && (await processesWith(target)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(await processesWith(target), [], 'the orphaned converting process ended');
  const index = await readFile(join(target, 'index.json'), 'utf8').catch(() => '');
  t.false(index.includes('darner'), 'it ended by its parent going, not by finishing the conversion');
});
