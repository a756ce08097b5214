/**
 * The converter's memory is bounded by its settings, not by its input: a 2 GiB layer (seeded,
 * mostly random, with deduplicable, compressible and zero parts, streamed to disk, never held in
 * memory) converts with a peak RSS (VmHWM, read from the converting process's /proc) within the
 * bound docs/converter.md states for an uncompressed layer in a local file: Node's own memory (measured here by converting a tiny image the
 * same way) plus the chunk pipeline (memory-bound.ts) plus the tree and chunk table.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hasConvertFlags } from '../../converter/convert-process.js';
import { batchLayout, localFilePipelineBytes, TABLE_BYTES_PER_CHUNK, TREE_BYTES_PER_ENTRY } from '../../converter/memory-bound.js';
import { DEFAULT_CHUNK_SIZE } from '../../src/format/index.js';
import { writeStreamedLayerImage } from '../harness/streamed-layer.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PRELOAD = fileURLToPath(new URL('../harness/vmhwm-preload.js', import.meta.url));
const MiB = 1 << 20;
const LAYER_BYTES = 2048 * MiB;
const FILE_BYTES = 64 * MiB;

let dir: string;

test.before(async () => {
  dir = await mkdtemp(join(process.env.DARNER_TEST_SCRATCH ?? tmpdir(), 'darner-memory-'));
});

test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Converts the layout at `source` in a child process; its peak RSS in bytes and its summary. */
async function convertMeasured(source: string, name: string): Promise<{ vmHwm: number; execArgv: string[]; processes: number[]; summary: { chunks: number; uniqueChunks: number; zeroChunks: number; duplicateChunks: number } }> {
  const statusFile = join(dir, `${name}.status`);
  const target = join(dir, `${name}-out`);
  const { stdout } = await run(process.execPath, ['--import', PRELOAD, CLI, 'convert', '--json', `oci:${source}:src`, `oci:${target}:darner`], {
    env: { ...process.env, DARNER_TEST_STATUS_FILE: statusFile },
    timeout: 900_000,
    maxBuffer: 16 << 20,
  });
  await rm(target, { recursive: true, force: true });
  // `darner convert` converts in a node it starts with its own V8 flags; each process appends its
  // status on exit. The converting process is the one with the highest peak.
  const status = await readFile(statusFile, 'utf8');
  const processes = status
    .split(/^(?=Name:)/m)
    .filter((s) => s.trim() !== '')
    .map((s) => ({ vmHwm: Number(/^VmHWM:\s+(\d+) kB$/m.exec(s)?.[1] ?? NaN) * 1024, execArgv: JSON.parse(/^ExecArgv:\t(.*)$/m.exec(s)?.[1] ?? 'null') as string[] | null }));
  if (processes.length === 0 || processes.some((p) => Number.isNaN(p.vmHwm) || p.execArgv === null)) throw new Error(`no VmHWM or node arguments in ${status}`);
  const converting = processes.reduce((a, b) => (b.vmHwm > a.vmHwm ? b : a));
  return { vmHwm: converting.vmHwm, execArgv: converting.execArgv ?? [], processes: processes.map((p) => p.vmHwm), summary: JSON.parse(stdout) as never };
}

test('a 2 GiB layer converts within the stated memory bound', async (t) => {
  t.timeout(1_200_000);
  const tiny = join(dir, 'tiny');
  await writeStreamedLayerImage(tiny, { totalBytes: 2 * MiB, fileBytes: 2 * MiB, seed: 1 });
  const big = join(dir, 'big');
  const size = await writeStreamedLayerImage(big, { totalBytes: LAYER_BYTES, fileBytes: FILE_BYTES, seed: 2 });
  t.true(size > LAYER_BYTES);

  const base = await convertMeasured(tiny, 'tiny');
  const measured = await convertMeasured(big, 'big');
  const s = measured.summary;
  t.is(s.chunks, LAYER_BYTES / DEFAULT_CHUNK_SIZE);
  t.true(s.duplicateChunks > 100 && s.zeroChunks > 10, 'the layer exercises deduplication and all-zero chunks');

  const entries = LAYER_BYTES / FILE_BYTES + 2;
  const bound =
    base.vmHwm +
    localFilePipelineBytes(batchLayout(DEFAULT_CHUNK_SIZE), DEFAULT_CHUNK_SIZE, true, availableParallelism()) +
    s.uniqueChunks * TABLE_BYTES_PER_CHUNK +
    entries * TREE_BYTES_PER_ENTRY;
  const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
  t.log(`peak RSS: ${mib(measured.vmHwm)} MiB for 2 GiB; ${mib(base.vmHwm)} MiB for 2 MiB; bound ${mib(bound)} MiB; per process ${measured.processes.map(mib).join(', ')} MiB`);
  // The bound's young-generation and garbage terms hold for the process the verb converts in.
  t.true(hasConvertFlags(measured.execArgv), `the converting process ran with ${JSON.stringify(measured.execArgv)}`);
  t.true(measured.vmHwm <= bound, `peak RSS ${measured.vmHwm} > bound ${bound}`);
});
