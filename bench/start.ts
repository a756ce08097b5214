/**
 * `npm run bench:start`: time from pull to the first output of a command in a container, darner
 * (`darner pull` + `ctr run --snapshotter darner`) against containerd's overlayfs snapshotter
 * (`ctr images pull` + `ctr run --snapshotter overlayfs`), side by side in one run, with the
 * registry behind the shaped link (100 Mbit/s, 10 ms each way; docs/benchmarking.md).
 *
 * Images (built, pushed and converted with `darner convert` before anything is timed):
 *   - python: Debian bookworm minbase + a layer with python3 (bench/debian-python.ts), gzip
 *     layers; command `python3 -c 'print(1)'`;
 *   - big: busybox + 1 GiB of incompressible files (102 × 10 MiB + 4 MiB), uncompressed tar
 *     layers; command `cat /data/f000 /data/f001 | wc -c` (reads 20 MiB).
 *
 * Every run of every system is cold: a new containerd (root and state on the scratch ext4), for
 * darner a new daemon with an empty cache and a new snapshotter, and the page cache dropped. The
 * daemon and the snapshotter are started before the clock starts, as node services are (so is
 * containerd). Per run: pull seconds, run seconds (to the first output and to the exit), total =
 * pull + first output, the bytes the shaped link carried from the registry. START_RUNS (default
 * 3) runs; the systems alternate which goes first; medians.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertImage } from '../converter/convert.js';
import { isDataBlobLayer } from '../src/oci/layer-kind.js';
import { startContainerd, unmountUnder, type Containerd } from '../test/harness/containerd.js';
import { startDaemonProcess, type DaemonProcess } from '../test/harness/daemon.js';
import { pseudoRandomBytes } from '../test/harness/layer-tar.js';
import { createScratchFs, startShapedRegistry, type ShapedRegistry } from '../test/harness/network.js';
import { buildLayerTar, busyboxEntries } from '../test/harness/oci-image.js';
import { startSnapshotter, type SnapshotterProcess } from '../test/harness/snapshotter.js';
import { debianPythonLayers } from './debian-python.js';
import { MiB, Teardown, dropCaches, fmt, linkBytesDown, median, metricOf, runCommand } from './lib.js';
import { fileLayer, pushFileImage, type FileLayer } from '../test/harness/file-image.js';
import { printTable, writeResults } from './report.js';

const RUNS = Number(process.env.START_RUNS ?? 3);
const IMAGES = (process.env.START_IMAGES ?? 'python,big').split(',');
/** Which systems run (default both; the ratios need both). */
const SYSTEMS = (process.env.START_SYSTEMS ?? 'overlayfs,darner').split(',');
/** START_DROP_CACHES=0 keeps the page cache between runs (how much of a start is reading code from disk). */
const DROP_CACHES = process.env.START_DROP_CACHES !== '0';
/** Extra daemon configuration (TOML) for every darner run, to compare fetch settings. */
const DAEMON_TOML = process.env.START_DAEMON_TOML ?? '';
const RATE_MBIT = 100;
const DELAY_MS = 10;
const DARNER = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface BenchImage {
  name: string;
  /** Plain OCI image and its darner conversion, at the shaped registry. */
  oci: string;
  darner: string;
  command: string[];
  expect: string;
  ociBytes: number;
  darnerBlobBytes: number;
  bootstrapBytes: number;
}

export interface Measurement {
  pull: number;
  firstOutput: number;
  run: number;
  total: number;
  linkBytes: number;
  originBytes?: number;
  originRequests?: number;
}

export type System = 'overlayfs' | 'darner';

// ---------------------------------------------------------------------------------------------
// Images

async function bigImageLayers(dir: string): Promise<FileLayer[]> {
  const busybox = join(dir, 'busybox.tar');
  writeFileSync(busybox, await buildLayerTar(busyboxEntries(['sh', 'cat', 'wc', 'head', 'ls', 'echo'])));
  const data = join(dir, 'data');
  mkdirSync(data);
  const sizes = [...Array.from({ length: 102 }, () => 10 * MiB), 4 * MiB];
  sizes.forEach((size, i) => writeFileSync(join(data, `f${String(i).padStart(3, '0')}`), pseudoRandomBytes(size, 1000 + i)));
  const tar = join(dir, 'data.tar');
  await runCommand('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=@1700000000', '--sort=name', '--format=posix', '-C', dir, '-cf', tar, 'data']);
  rmSync(data, { recursive: true, force: true });
  return [await fileLayer(busybox), await fileLayer(tar)];
}

export async function prepareImage(name: string, reg: ShapedRegistry, seed: string, work: string): Promise<BenchImage> {
  const dir = join(work, name);
  mkdirSync(dir);
  let layers: FileLayer[];
  let config: Record<string, unknown>;
  let command: string[];
  let expect: string;
  if (name === 'python') {
    layers = await Promise.all((await debianPythonLayers()).layers.map((l) => fileLayer(l)));
    config = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/bash'] };
    command = ['python3', '-c', 'print(1)'];
    expect = '1\n';
  } else if (name === 'big') {
    layers = await bigImageLayers(dir);
    config = { Env: ['PATH=/bin'], Cmd: ['sh'] };
    command = ['sh', '-c', 'cat /data/f000 /data/f001 | wc -c'];
    expect = `${20 * MiB}\n`;
  } else throw new Error(`unknown image ${name} (START_IMAGES: python, big)`);
  await pushFileImage(`${seed}/bench/${name}:oci`, layers, config);
  const summary = await convertImage(`${seed}/bench/${name}:oci`, `${seed}/bench/${name}:darner`, { workDir: dir });
  rmSync(dir, { recursive: true, force: true });
  return {
    name,
    oci: `${reg.host}/bench/${name}:oci`,
    darner: `${reg.host}/bench/${name}:darner`,
    command,
    expect,
    ociBytes: layers.reduce((n, l) => n + l.size, 0),
    darnerBlobBytes: summary.manifest.layers.filter(isDataBlobLayer).reduce((n, l) => n + l.size, 0),
    bootstrapBytes: summary.bootstrapBytes,
  };
}

// ---------------------------------------------------------------------------------------------
// One cold start

/** startContainerd puts everything under os.tmpdir(): point that at the scratch fs meanwhile. */
async function containerdIn(dir: string, snapshotterSocket?: string): Promise<Containerd> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await startContainerd(snapshotterSocket === undefined ? {} : { snapshotterSocket });
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

let containerSeq = 0;

/** What a cold start ran, for a caller that wants to look closer (`inspect`). */
export interface StartContext {
  ctd: Containerd;
  daemon?: DaemonProcess;
  snapshotter?: SnapshotterProcess;
}

export async function coldStart(
  system: System,
  image: BenchImage,
  reg: Pick<ShapedRegistry, 'host' | 'link'>,
  dir: string,
  teardown: Teardown,
  inspect?: (context: StartContext) => Promise<void>,
): Promise<Measurement> {
  const mark = teardown.mark();
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  teardown.add('run directory', () => {
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    let daemon: DaemonProcess | undefined;
    let snapshotter: SnapshotterProcess | undefined;
    let ctd: Containerd;
    let pull: string[];
    if (system === 'darner') {
      const daemonDir = join(dir, 'daemon');
      mkdirSync(daemonDir, { mode: 0o755 });
      daemon = await startDaemonProcess({ dir: daemonDir, args: ['--log-level', 'info'], configToml: DAEMON_TOML });
      const d = daemon;
      teardown.add('daemon', () => d.cleanup({ keepDir: true }));
      const config = join(dir, 'snapshotter.toml');
      writeFileSync(
        config,
        ['[daemon]', `address = ${JSON.stringify(d.socket)}`, 'start_command = []', '[registry]', `plain_http = [${JSON.stringify(reg.host)}]`, ''].join('\n'),
      );
      const sn = await startSnapshotter({ root: join(dir, 'sn-root'), address: join(dir, 'sn.sock'), configFile: config, env: { DARNER_LOG_LEVEL: 'info' } });
      teardown.add('snapshotter', () => sn.stop());
      snapshotter = sn;
      ctd = await containerdIn(dir, sn.address);
      pull = [process.execPath, DARNER, 'pull', '--quiet', '--address', ctd.address, '--snapshotter', 'darner', '--plain-http', image.darner];
    } else {
      ctd = await containerdIn(dir);
      pull = ['ctr', '--address', ctd.address, 'images', 'pull', '--plain-http', '--snapshotter', 'overlayfs', image.oci];
    }
    const c = ctd;
    teardown.add('containerd', () => c.stop());
    const ref = system === 'darner' ? image.darner : image.oci;
    const id = `bench-start-${process.pid}-${containerSeq++}`;

    if (DROP_CACHES) await dropCaches();
    const origin0 = daemon ? await metricOf(daemon, 'darner_fetch_origin_bytes_total') : 0;
    const requests0 = daemon ? await metricOf(daemon, 'darner_fetch_origin_requests_total') : 0;
    const link0 = await linkBytesDown(reg.link);
    const pulled = await runCommand(pull[0]!, pull.slice(1), { timeoutMs: 1_200_000 });
    const ran = await runCommand('ctr', ['--address', ctd.address, 'run', '--rm', '--snapshotter', system, ref, id, ...image.command], { timeoutMs: 600_000 });
    const link1 = await linkBytesDown(reg.link);
    if (ran.stdout !== image.expect) throw new Error(`${system} ${image.name}: the container printed ${JSON.stringify(ran.stdout)}, not ${JSON.stringify(image.expect)}`);
    const m: Measurement = {
      pull: pulled.seconds,
      firstOutput: ran.firstOutput,
      run: ran.seconds,
      total: pulled.seconds + ran.firstOutput,
      linkBytes: link1 - link0,
    };
    if (daemon) {
      m.originBytes = (await metricOf(daemon, 'darner_fetch_origin_bytes_total')) - origin0;
      m.originRequests = (await metricOf(daemon, 'darner_fetch_origin_requests_total')) - requests0;
    }
    await inspect?.({ ctd, ...(daemon ? { daemon } : {}), ...(snapshotter ? { snapshotter } : {}) });
    return m;
  } finally {
    await teardown.unwindTo(mark);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(teardown: Teardown): Promise<void> {
  const scratch = await createScratchFs({ sizeGiB: 16 });
  teardown.add('scratch fs', () => scratch.destroy());
  const reg = await startShapedRegistry({ rateMbit: RATE_MBIT, delayMs: DELAY_MS });
  teardown.add('shaped registry', () => reg.stop());
  const seed = await reg.seedHost();
  const work = join(scratch.dir, 'work');
  mkdirSync(work);

  const images: BenchImage[] = [];
  for (const name of IMAGES) {
    process.stderr.write(`bench:start: preparing ${name}\n`);
    images.push(await prepareImage(name, reg, seed, work));
  }

  const results: Record<string, Record<System, Measurement[]>> = {};
  for (let run = 0; run < RUNS; run++) {
    for (const image of images) {
      const order: System[] = run % 2 === 0 ? ['overlayfs', 'darner'] : ['darner', 'overlayfs'];
      for (const system of order.filter((s) => SYSTEMS.includes(s))) {
        process.stderr.write(`bench:start: run ${run + 1}/${RUNS} ${image.name} ${system}\n`);
        const m = await coldStart(system, image, reg, join(scratch.dir, `r${run}-${image.name}-${system}`), teardown);
        ((results[image.name] ??= { overlayfs: [], darner: [] })[system]).push(m);
        process.stderr.write(`  pull ${fmt.s(m.pull)} s, first output ${fmt.s(m.firstOutput)} s, ${fmt.mb(m.linkBytes)} MB from the registry\n`);
      }
    }
  }

  const goals: Record<string, number> = { python: 0.5, big: 0.25 };
  const summary = images.map((image) => {
    const per = (system: System) => {
      const list = results[image.name]![system];
      const pick = (f: keyof Measurement): number => median(list.map((m) => m[f] ?? NaN));
      return { pull: pick('pull'), firstOutput: pick('firstOutput'), run: pick('run'), total: pick('total'), linkBytes: pick('linkBytes'), originBytes: pick('originBytes') };
    };
    const overlayfs = per('overlayfs');
    const darner = per('darner');
    const ratio = darner.total / overlayfs.total;
    return { image: image.name, overlayfs, darner, ratio, goal: goals[image.name], met: goals[image.name] === undefined ? undefined : ratio <= goals[image.name]! };
  });

  process.stdout.write(`\nbench:start — ${RUNS} cold runs each, medians; link ${RATE_MBIT} Mbit/s, ${DELAY_MS} ms each way; MB = 10^6 bytes\n\n`);
  printTable(
    ['image', 'system', 'pull s', 'run: first output s', 'run: exit s', 'total s', 'from registry MB', 'darner / overlayfs'],
    summary.flatMap((s) =>
      (['overlayfs', 'darner'] as const).map((system) => [
        s.image,
        system,
        fmt.s(s[system].pull),
        fmt.s(s[system].firstOutput),
        fmt.s(s[system].run),
        fmt.s(s[system].total),
        fmt.mb(s[system].linkBytes),
        system === 'darner' ? fmt.ratio(s.ratio) : '',
      ]),
    ),
  );
  process.stdout.write('\n');
  printTable(
    ['target', 'value', 'met'],
    summary.filter((s) => s.goal !== undefined).map((s) => [`${s.image}: darner total <= ${fmt.ratio(s.goal!)} of overlayfs`, fmt.ratio(s.ratio), s.met ? 'yes' : 'NO']),
  );
  const file = writeResults('start', {
    link: { rateMbit: RATE_MBIT, delayMs: DELAY_MS, delay: 'nfqueue' },
    runs: RUNS,
    images: images.map(({ name, command, ociBytes, darnerBlobBytes, bootstrapBytes }) => ({ name, command, ociBytes, darnerBlobBytes, bootstrapBytes })),
    notes: 'total = pull + time to the first output of `ctr run`; the darner daemon and snapshotter (like containerd) run before the clock starts; every run cold (new containerd root/state, empty darner cache, page cache dropped)',
    summary,
    raw: results,
  });
  process.stdout.write(`\nresults: ${file}\n`);
}

// Run as the benchmark; imported (to explore one case by hand), it only exports.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const teardown = new Teardown();
  void teardown.run(() => main(teardown));
}
