/**
 * One cold start of bench:start: a new containerd (root and state on the scratch fs), for darner
 * a new daemon with an empty cache and a new snapshotter, the page cache dropped; then the pull
 * and `ctr run` of the image, timed. The daemon and the snapshotter are started before the clock
 * starts, as node services are (so is containerd).
 *
 * Systems:
 *   - overlayfs: `ctr images pull` + `ctr run --snapshotter overlayfs`;
 *   - darner: `darner pull` + `ctr run --snapshotter darner`;
 *   - darner-cri: `crictl pull` through containerd's CRI plugin (which pulls into the darner
 *     snapshotter with layer labels, as kubelet does) + `ctr -n k8s.io run`;
 *   - darner-traced: as darner, with the trace-optimized conversion of the image.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startContainerd, unmountUnder, type Containerd, type ContainerdOptions } from '../test/harness/containerd.js';
import { crictl } from '../test/harness/crictl.js';
import { startDaemonProcess, type DaemonProcess } from '../test/harness/daemon.js';
import type { ShapedRegistry } from '../test/harness/network.js';
import { startSnapshotter, type SnapshotterProcess } from '../test/harness/snapshotter.js';
import { Teardown, dropCaches, linkBytesDown, metricOf, runCommand } from './lib.js';
import type { BenchImage, DarnerImage } from './start-images.js';
import { firstBlobGet, mountedAt, registryRequests } from './start-phases.js';

export const SYSTEMS = ['overlayfs', 'darner', 'darner-cri', 'darner-traced'] as const;
export type System = (typeof SYSTEMS)[number];

/** Seconds from the start of the pull, except `run` (from the start of `ctr run`). */
export interface Measurement {
  pull: number;
  /** The snapshotter logged `image mounted` (darner systems). */
  mount?: number;
  /** The registry received the first GET of a data blob (a layer for overlayfs). */
  firstDataRequest?: number;
  firstOutput: number;
  run: number;
  /** pull + time to the first output of `ctr run` (= the start of ctr run to its first output). */
  total: number;
  linkBytes: number;
  originBytes?: number;
  originRequests?: number;
}

export interface StartOptions {
  /** Extra daemon configuration (TOML) for every darner run. */
  daemonToml: string;
  dropCaches: boolean;
  /** The daemon's log level (default info; debug logs the stages of each cold read). */
  daemonLogLevel?: string;
}

const DARNER = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** startContainerd puts everything under os.tmpdir(): point that at the scratch fs meanwhile. */
async function containerdIn(dir: string, options: ContainerdOptions): Promise<Containerd> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await startContainerd(options);
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

function darnerImageOf(system: System, image: BenchImage, traced: DarnerImage | undefined): DarnerImage {
  if (system !== 'darner-traced') return image.darner;
  if (traced === undefined) throw new Error(`${image.name}: no trace-optimized image`);
  return traced;
}

export async function coldStart(
  system: System,
  image: BenchImage,
  traced: DarnerImage | undefined,
  reg: Pick<ShapedRegistry, 'host' | 'link' | 'registry'>,
  dir: string,
  teardown: Teardown,
  options: StartOptions,
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
    let ref: string;
    let namespace = 'default';
    let dataBlobs: string[];
    if (system === 'overlayfs') {
      ctd = await containerdIn(dir, {});
      ref = image.oci;
      dataBlobs = image.ociLayers;
      pull = ['ctr', '--address', ctd.address, 'images', 'pull', '--plain-http', '--snapshotter', 'overlayfs', ref];
    } else {
      const darnerImage = darnerImageOf(system, image, traced);
      ref = darnerImage.ref;
      dataBlobs = darnerImage.dataBlobs;
      const daemonDir = join(dir, 'daemon');
      mkdirSync(daemonDir, { mode: 0o755 });
      daemon = await startDaemonProcess({ dir: daemonDir, args: ['--log-level', options.daemonLogLevel ?? 'info'], configToml: options.daemonToml });
      const d = daemon;
      teardown.add('daemon', () => d.cleanup({ keepDir: true }));
      const config = join(dir, 'snapshotter.toml');
      // Named before containerd starts: the snapshotter reads pinned manifests from its content store.
      const ctdSocket = join(dir, 'containerd.sock');
      writeFileSync(
        config,
        [
          '[daemon]',
          `address = ${JSON.stringify(d.socket)}`,
          'start_command = []',
          '[registry]',
          `plain_http = [${JSON.stringify(reg.host)}]`,
          '[containerd]',
          `address = ${JSON.stringify(ctdSocket)}`,
          '',
        ].join('\n'),
      );
      const sn = await startSnapshotter({ root: join(dir, 'sn-root'), address: join(dir, 'sn.sock'), configFile: config, env: { DARNER_LOG_LEVEL: 'info' } });
      teardown.add('snapshotter', () => sn.stop());
      snapshotter = sn;
      if (system === 'darner-cri') {
        // The CRI plugin speaks plain http to the registry as its config says; the snapshotter's
        // `plain_http` list tells the daemon's mount the same (a CRI pull carries no such label).
        ctd = await containerdIn(dir, { snapshotterSocket: sn.address, address: ctdSocket, cri: { plainHttpRegistries: [reg.host] } });
        namespace = 'k8s.io';
        pull = [];
      } else {
        ctd = await containerdIn(dir, { snapshotterSocket: sn.address, address: ctdSocket });
        // The pull runs inside the snapshotter (its pull RPC), as on a node where it listens on
        // its default socket; the CLI only asks.
        pull = [process.execPath, DARNER, 'pull', '--quiet', '--address', ctd.address, '--snapshotter', 'darner', '--snapshotter-address', sn.address, '--plain-http', ref];
      }
    }
    const c = ctd;
    teardown.add('containerd', () => c.stop());
    const id = `bench-start-${process.pid}-${containerSeq++}`;
    const snapshotterName = system === 'overlayfs' ? 'overlayfs' : 'darner';

    if (options.dropCaches) await dropCaches();
    const origin0 = daemon ? await metricOf(daemon, 'darner_fetch_origin_bytes_total') : 0;
    const requests0 = daemon ? await metricOf(daemon, 'darner_fetch_origin_requests_total') : 0;
    const link0 = await linkBytesDown(reg.link);
    const t0 = Date.now();
    const pullStarted = performance.now();
    if (system === 'darner-cri') await crictl(ctd.address, ['pull', ref]);
    else await runCommand(pull[0]!, pull.slice(1), { timeoutMs: 1_200_000 });
    const pullSeconds = (performance.now() - pullStarted) / 1000;
    const ran = await runCommand('ctr', ['--address', ctd.address, '-n', namespace, 'run', '--rm', '--snapshotter', snapshotterName, ref, id, ...image.command], {
      timeoutMs: 600_000,
    }).catch((err: unknown) => {
      // The container only sees EIO: say why from the daemon's and the snapshotter's warnings.
      for (const [what, logs] of [['daemon', daemon?.logs], ['snapshotter', snapshotter?.logs()]] as const) {
        const warnings = (logs ?? '').split('\n').filter((l) => /"level":(4|5|6)0/.test(l));
        for (const line of warnings.slice(-10)) process.stderr.write(`${what}: ${line.slice(0, 1000)}\n`);
      }
      throw err;
    });
    const link1 = await linkBytesDown(reg.link);
    if (ran.stdout !== image.expect) throw new Error(`${system} ${image.name}: the container printed ${JSON.stringify(ran.stdout)}, not ${JSON.stringify(image.expect)}`);
    const sinceT0 = (at: number | undefined): number | undefined => (at === undefined ? undefined : (at - t0) / 1000);
    const m: Measurement = {
      pull: pullSeconds,
      firstOutput: ran.firstOutput,
      run: ran.seconds,
      total: pullSeconds + ran.firstOutput,
      linkBytes: link1 - link0,
    };
    const firstData = sinceT0(firstBlobGet(registryRequests(reg.registry.logs), new Set(dataBlobs), t0));
    if (firstData !== undefined) m.firstDataRequest = firstData;
    if (snapshotter) {
      const mounted = sinceT0(mountedAt(snapshotter.logs(), t0));
      if (mounted !== undefined) m.mount = mounted;
    }
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
