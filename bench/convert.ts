/**
 * `npm run bench:convert`: darner's converter against the physical references and against
 * stargz-snapshotter's converter, on the same inputs, in one run.
 *
 * Inputs: the Debian minbase root filesystem (one gzip layer, as registries serve it) and a
 * synthetic image of about 1 GiB (three gzip layers of mixed text, binary and duplicate files).
 * For each input:
 *   - reading the uncompressed layer tars (cat), `zstd -3` (one and two threads), `sha256sum`,
 *     and blake3 through darner's native addon: what the hardware allows;
 *   - `darner convert oci:… oci:…` (gzip source layers decompressed, chunked, deduplicated,
 *     zstd-compressed, bootstrap written);
 *   - `ctr-remote images convert --oci --estargz` and `--oci --zstdchunked` inside a private
 *     containerd (its content store holds the same image, imported from the same archive).
 * Throughput is MB/s of uncompressed input (1 MB = 10^6 bytes); peak RSS comes from GNU time.
 * Results: a table on stdout and bench/results/convert.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkDigests } from '../src/digest.js';
import { startContainerd } from '../test/harness/containerd.js';
import { debianMinbaseTar } from '../test/harness/debian.js';
import { buildLayerTar, pseudoRandomBytes, type LayerEntry } from '../test/harness/layer-tar.js';
import { buildOciImage, writeOciArchive, writeOciLayout, type BuiltImage } from '../test/harness/oci-image.js';
import { printTable, writeResults } from './report.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const MB = 1e6;

interface Measurement {
  input: string;
  tool: string;
  seconds: number;
  /** Uncompressed input bytes per second / 1e6. */
  mbPerSecond: number;
  outputBytes?: number;
  peakRssMiB?: number;
}

/** Runs a command under GNU time; returns wall seconds and peak RSS. */
async function timed(cmd: string, args: string[], options: { cwd?: string; stdoutTo?: string } = {}): Promise<{ seconds: number; rssKiB: number; stdout: string }> {
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%M', cmd, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (!options.stdoutTo) stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr.slice(-2000)}`);
  const lines = stderr.trim().split('\n');
  return { seconds, rssKiB: Number(lines[lines.length - 1]), stdout };
}

async function shell(script: string): Promise<{ seconds: number; rssKiB: number; stdout: string }> {
  return timed('bash', ['-c', script]);
}

/** About 1 GiB over three layers: text, binary, zeros-heavy files and cross-layer duplicates. */
function syntheticLayers(): LayerEntry[][] {
  const MiB = 1 << 20;
  const text = (size: number, seed: number): Buffer => {
    const words = ['container', 'image', 'chunk', 'layer', 'registry', 'lazy', 'node', 'blob', 'digest', 'mount', '\n'];
    const rnd = pseudoRandomBytes(size, seed);
    const out = Buffer.allocUnsafe(size);
    let o = 0;
    let i = 0;
    while (o < size) {
      const w = words[(rnd[i++ % size] as number) % words.length] as string;
      o += out.write(`${w} `, o);
    }
    return out;
  };
  const binary = (size: number, seed: number): Buffer => {
    // Compresses roughly like program code: random bytes with frequent runs.
    const b = pseudoRandomBytes(size, seed);
    for (let i = 0; i < size; i += 16) b.fill(0, i, Math.min(size, i + ((b[i] as number) & 7)));
    return b;
  };
  const layers: LayerEntry[][] = [[], [], []];
  let seed = 1;
  let n = 0;
  const sizes = [4 * 1024, 64 * 1024, 700 * 1024, 3 * MiB, 16 * MiB];
  for (const [layerIndex, budget] of [340 * MiB, 340 * MiB, 260 * MiB].entries()) {
    let used = 0;
    while (used < budget) {
      const size = sizes[n % sizes.length] as number;
      const data = n % 3 === 0 ? text(size, seed++) : binary(size, seed++);
      (layers[layerIndex] as LayerEntry[]).push({ type: 'file', path: `l${layerIndex}/d${n % 17}/f${n}`, data });
      used += size;
      n += 1;
    }
  }
  // Layer 3 repeats some files of layer 1 (rebuilt dependencies).
  for (const entry of (layers[0] as LayerEntry[]).slice(0, 40)) {
    if (entry.type === 'file') (layers[2] as LayerEntry[]).push({ ...entry, path: `copy/${entry.path}` });
  }
  return layers;
}

interface Input {
  name: string;
  image: BuiltImage;
  tars: Buffer[];
}

async function measureInput(input: Input, work: string, results: Measurement[]): Promise<void> {
  const dir = join(work, input.name);
  mkdirSync(dir, { recursive: true });
  const tarFiles = input.tars.map((tar, i) => {
    const file = join(dir, `layer${i}.tar`);
    writeFileSync(file, tar);
    return file;
  });
  const rawBytes = input.tars.reduce((s, t) => s + t.length, 0);
  const quoted = tarFiles.map((f) => `'${f}'`).join(' ');
  const record = (tool: string, seconds: number, extra: Partial<Measurement> = {}): void => {
    results.push({ input: input.name, tool, seconds, mbPerSecond: rawBytes / MB / seconds, ...extra });
  };
  // Warm the page cache so every tool reads from memory.
  await shell(`cat ${quoted} > /dev/null`);

  const read = await shell(`cat ${quoted} > /dev/null`);
  record('read (cat)', read.seconds);
  for (const threads of [1, 2]) {
    const z = await shell(`cat ${quoted} | zstd -3 -T${threads} -q -c | wc -c`);
    record(`zstd -3 -T${threads}`, z.seconds, { outputBytes: Number(z.stdout.trim()), peakRssMiB: z.rssKiB / 1024 });
  }
  const sha = await shell(`sha256sum ${quoted} > /dev/null`);
  record('sha256sum', sha.seconds);
  {
    const started = process.hrtime.bigint();
    for (const tar of input.tars) {
      const pieces: Buffer[] = [];
      for (let o = 0; o < tar.length; o += 1 << 20) pieces.push(tar.subarray(o, o + (1 << 20)));
      for (let i = 0; i < pieces.length; i += 64) await chunkDigests('blake3', pieces.slice(i, i + 64));
    }
    record('blake3 (native, 2 threads)', Number(process.hrtime.bigint() - started) / 1e9);
  }

  // darner: OCI layout in, OCI layout out; from the gzip layers a registry would serve, and from
  // the uncompressed tars (exactly the bytes zstd reads above).
  const src = join(dir, 'oci-src');
  await writeOciLayout(input.image, src);
  const plainSrc = join(dir, 'oci-src-tar');
  await writeOciLayout(await buildOciImage({ name: `${input.image.name}-tar`, layers: input.tars, compression: 'none' }), plainSrc);
  for (const [tool, from] of [
    ['darner convert (gzip layers)', src],
    ['darner convert (tar layers)', plainSrc],
  ] as const) {
    for (const attempt of [1, 2]) {
      const out = join(dir, `darner-out-${attempt}`);
      const d = await timed(process.execPath, [CLI, 'convert', '--json', `oci:${from}`, `oci:${out}:darner`]);
      const summary = JSON.parse(d.stdout) as { outputBytes: number };
      // The first run warms the page cache and the module cache; the second is measured.
      if (attempt === 2) record(tool, d.seconds, { outputBytes: summary.outputBytes, peakRssMiB: d.rssKiB / 1024 });
      rmSync(out, { recursive: true, force: true });
    }
  }

  // stargz-snapshotter's converter, inside a private containerd.
  const ctd = await startContainerd();
  try {
    const archive = join(dir, 'image.tar');
    await writeOciArchive(input.image, archive);
    await ctd.ctr(['images', 'import', '--no-unpack', '--index-name', 'bench/src:1', archive], { timeoutMs: 600_000 });
    for (const [flag, tool] of [
      ['--estargz', 'ctr-remote --estargz'],
      ['--zstdchunked', 'ctr-remote --zstdchunked'],
    ] as const) {
      const target = `bench/out${flag}:1`;
      const c = await timed('ctr-remote', ['--address', ctd.address, 'images', 'convert', '--oci', flag, 'bench/src:1', target]);
      const manifest = await manifestOf(ctd, target);
      record(tool, c.seconds, { outputBytes: manifest.layers.reduce((s, l) => s + l.size, 0), peakRssMiB: c.rssKiB / 1024 });
    }
  } finally {
    await ctd.stop();
  }
}

async function manifestOf(ctd: { ctr(args: string[]): Promise<string> }, name: string): Promise<{ layers: Array<{ size: number }> }> {
  const list = await ctd.ctr(['images', 'ls']);
  const line = list.split('\n').find((l) => l.startsWith(`${name} `));
  const digest = line?.split(/\s+/).find((f) => f.startsWith('sha256:'));
  if (!digest) throw new Error(`image ${name} not found:\n${list}`);
  let doc = JSON.parse(await ctd.ctr(['content', 'get', digest])) as { manifests?: Array<{ digest: string }>; layers?: Array<{ size: number }> };
  if (doc.manifests) doc = JSON.parse(await ctd.ctr(['content', 'get', doc.manifests[0]?.digest as string]));
  return { layers: doc.layers ?? [] };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(process.env.DARNER_BENCH_DIR ?? tmpdir(), 'darner-bench-convert-'));
  const results: Measurement[] = [];
  try {
    const inputs: Input[] = [];
    const debian = await debianMinbaseTar();
    if (debian.ok) {
      const tar = readFileSync(debian.tar);
      inputs.push({ name: 'debian-minbase', image: await buildOciImage({ name: 'bench/debian:1', layers: [tar] }), tars: [tar] });
    } else {
      process.stderr.write(`skipping the Debian input: ${debian.reason}\n`);
    }
    {
      const layers = syntheticLayers();
      const tars: Buffer[] = [];
      for (const entries of layers) tars.push(await buildLayerTar(entries));
      inputs.push({ name: 'synthetic-1g', image: await buildOciImage({ name: 'bench/synthetic:1', layers: tars }), tars });
    }
    for (const input of inputs) {
      process.stderr.write(`measuring ${input.name} (${(input.tars.reduce((s, t) => s + t.length, 0) / MB).toFixed(0)} MB uncompressed)\n`);
      await measureInput(input, work, results);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const ratios: Record<string, Record<string, number>> = {};
  for (const input of new Set(results.map((r) => r.input))) {
    const of = (tool: string): Measurement | undefined => results.find((r) => r.input === input && r.tool === tool);
    const darner = of('darner convert (gzip layers)');
    const darnerTar = of('darner convert (tar layers)');
    const zc = of('ctr-remote --zstdchunked');
    const zstd1 = of('zstd -3 -T1');
    const zstd2 = of('zstd -3 -T2');
    if (!darner) continue;
    ratios[input] = {
      'darner / zstd:chunked throughput': zc ? darner.mbPerSecond / zc.mbPerSecond : NaN,
      'darner / zstd -3 (1 thread) throughput': zstd1 ? darner.mbPerSecond / zstd1.mbPerSecond : NaN,
      'darner / zstd -3 (2 threads) throughput': zstd2 ? darner.mbPerSecond / zstd2.mbPerSecond : NaN,
      'darner from tar layers / zstd -3 (1 thread) throughput': zstd1 && darnerTar ? darnerTar.mbPerSecond / zstd1.mbPerSecond : NaN,
      'darner from tar layers / zstd -3 (2 threads) throughput': zstd2 && darnerTar ? darnerTar.mbPerSecond / zstd2.mbPerSecond : NaN,
      'darner / zstd:chunked output size': zc?.outputBytes ? (darner.outputBytes ?? NaN) / zc.outputBytes : NaN,
    };
  }
  printTable(
    ['input', 'tool', 'seconds', 'MB/s', 'output MB', 'peak RSS MiB'],
    results.map((r) => [
      r.input,
      r.tool,
      r.seconds.toFixed(2),
      r.mbPerSecond.toFixed(1),
      r.outputBytes !== undefined ? (r.outputBytes / MB).toFixed(1) : '',
      r.peakRssMiB !== undefined ? r.peakRssMiB.toFixed(0) : '',
    ]),
  );
  for (const [input, r] of Object.entries(ratios)) {
    process.stdout.write(`\n${input}:\n`);
    for (const [k, v] of Object.entries(r)) process.stdout.write(`  ${k}: ${v.toFixed(2)}\n`);
  }
  const file = writeResults('convert', { results, ratios, targets: { 'darner / zstd:chunked throughput': '>= 1.5', 'darner / zstd -3 throughput': '>= 0.5', 'darner / zstd:chunked output size': '<= 1.0' } });
  process.stdout.write(`\nwrote ${file}\n`);
}

await main();
