/**
 * Nydus's own tools on darner's bootstraps, where they are installed: `nydus-image check` loads
 * each bootstrap with the loader nydusd uses; nydusd mounts a model's bootstrap and lists its
 * tree, and reads images `darner convert` wrote (under darner's or Nydus's annotations, from an
 * OCI layout or a registry), every file's bytes through the chunk-info arrays at the end of their
 * blobs. Without the binaries on PATH each test says so in its log and checks only what needs no
 * Nydus tool; the structural rules are checked without them in rafs-rules.test.ts.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sourceImageTree } from '../../converter/check.js';
import { convertImage } from '../../converter/convert.js';
import { chunkDigests } from '../../src/digest.js';
import { writeBootstrap } from '../../src/format/index.js';
import { HOLE, type DirectoryNode, type TreeNode } from '../../src/format/model.js';
import { compareTrees, formatDifference, treeFromDirectory, type FsTree } from '../../src/fstree/index.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { buildOciImage, writeOciLayout } from '../harness/oci-image.js';
import { startRegistry } from '../harness/registry.js';
import { richImageLayers } from '../harness/test-images.js';
import { basicModel, multiblobModel } from '../../fixtures/make-bootstraps.js';
import { tempDir } from './helpers/mount.js';
import { richModel } from './helpers/rich-model.js';
import { xattrsOf } from '../fs/helpers/mounted.js';

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

function skipped(t: ExecutionContext, tool: string): boolean {
  if (onPath(tool)) return false;
  t.log(`SKIPPED: ${tool} is not on PATH, so nothing was checked with it`);
  t.pass();
  return true;
}

/**
 * The writer models without holes: `darner convert` stores zero chunks like any other, and Nydus
 * refuses a hole (device 0 in a chunk index entry: "invalid zero blob index"). Holes stay covered
 * by darner's own format tests.
 */
const models = { basic: basicModel, multiblob: () => multiblobModel({ holes: false }), rich: () => richModel(4096, { holes: false }) };

for (const [name, model] of Object.entries(models)) {
  test(`nydus-image check accepts darner's ${name} bootstrap`, (t) => {
    const meta = model();
    t.false(hasHole(meta.root), `the ${name} model has a hole`);
    if (skipped(t, 'nydus-image')) return;
    const dir = tempDir(t, 'nydus-check');
    const boot = join(dir, 'image.boot');
    writeFileSync(boot, writeBootstrap(meta));
    const run = spawnSync('nydus-image', ['check', '--bootstrap', boot, '--log-level', 'warn'], { encoding: 'utf8', timeout: 120_000 });
    t.log(run.stdout.split('\n').slice(0, 5).join('\n'));
    t.is(run.status, 0, run.stderr);
  });
}

/** nydusd's storage backend: blob files named by id in a directory, or a registry repository. */
type NydusBackend =
  | { type: 'localfs'; config: { dir: string } }
  | { type: 'registry'; config: { scheme: 'http'; host: string; repo: string; timeout: number; connect_timeout: number; retry_limit: number } };

const localfs = (dir: string): NydusBackend => ({ type: 'localfs', config: { dir } });

/** Starts nydusd (FUSE, `backend`, a blob cache in `dir`) on `boot`; resolves once `mnt` is mounted. */
async function startNydusd(t: ExecutionContext, dir: string, boot: string, backend: NydusBackend, mnt: string): Promise<{ stop: () => void; mounted: boolean; stderr: () => string }> {
  mkdirSync(mnt, { recursive: true });
  mkdirSync(join(dir, 'cache'), { recursive: true });
  const config = {
    device: { backend, cache: { type: 'blobcache', config: { work_dir: join(dir, 'cache') } } },
    mode: 'direct',
    // nydusd refuses to mount RAFS v6 with it: "Rafs v6 doesn't support integrity validation yet".
    digest_validate: false,
    enable_xattr: true,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const daemon = spawn('nydusd', ['--config', join(dir, 'config.json'), '--mountpoint', mnt, '--bootstrap', boot, '--rlimit-nofile', '0', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  daemon.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = (): void => {
    spawnSync('umount', [mnt]);
    daemon.kill();
  };
  // Mounted once /proc/self/mounts lists the mount point (bounded by attempts, not by time).
  let mounted = false;
  for (let i = 0; i < 600 && !mounted && daemon.exitCode === null; i++) {
    mounted = readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === mnt);
    if (!mounted) await sleep(100);
  }
  t.teardown(stop);
  return { stop, mounted, stderr: () => stderr };
}

test("nydusd mounts darner's bootstrap and lists the model's tree", async (t) => {
  if (skipped(t, 'nydusd')) return;
  const dir = tempDir(t, 'nydusd');
  const meta = basicModel();
  const boot = join(dir, 'image.boot');
  writeFileSync(boot, writeBootstrap(meta));
  // localfs opens each blob as <dir>/<blob id> when the device is set up; listing reads no data,
  // so a blob file of the recorded stored size is enough.
  mkdirSync(join(dir, 'blobs'));
  for (const blob of meta.blobs) writeFileSync(join(dir, 'blobs', blob.id), Buffer.alloc(blob.compressedSize));
  const nydusd = await startNydusd(t, dir, boot, localfs(join(dir, 'blobs')), join(dir, 'mnt'));
  t.true(nydusd.mounted, `nydusd did not mount: ${nydusd.stderr()}`);
  if (!nydusd.mounted) return;
  t.deepEqual(listTree(join(dir, 'mnt')), modelPaths(meta.root));
});

/** Every path under a directory on disk, sorted, without following symlinks. */
function listTree(root: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    out.push(path);
    if (entry.isDirectory()) out.push(...listTree(root, path));
  }
  return out.sort();
}

function modelPaths(dir: DirectoryNode, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, node] of dir.entries) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    out.push(path);
    if (node.kind === 'dir') out.push(...modelPaths(node, path));
  }
  return out.sort();
}

function hasHole(node: TreeNode): boolean {
  if (node.kind === 'file') return node.chunks.includes(HOLE);
  return node.kind === 'dir' && [...node.entries.values()].some(hasHole);
}

const conversions = [
  { digestAlgorithm: 'blake3', layerAnnotations: 'darner', from: 'localfs' },
  { digestAlgorithm: 'sha256', layerAnnotations: 'nydus', from: 'localfs' },
  { digestAlgorithm: 'blake3', layerAnnotations: 'nydus', from: 'registry' },
] as const;

for (const { digestAlgorithm, layerAnnotations, from } of conversions) {
  test.serial(`nydusd reads a converted image (${digestAlgorithm}, ${layerAnnotations} annotations, ${from} backend) through its blobs' chunk-info arrays: the tree and every byte equal the OCI source`, async (t) => {
    if (skipped(t, 'nydusd') || skipped(t, 'nydus-image')) return;
    const dir = tempDir(t, 'nydusd-convert');
    const image = await buildOciImage({ name: 'nydusd/rich:1', layers: richImageLayers() });
    await writeOciLayout(image, join(dir, 'src'));
    let target = `oci:${join(dir, 'out')}:darner`;
    // localfs finds a blob as <dir>/<blob id>: the OCI layout's blobs/sha256 directory.
    let backend = localfs(join(dir, 'out', 'blobs', 'sha256'));
    if (from === 'registry') {
      const registry = await startRegistry();
      t.teardown(() => registry.stop());
      target = `${registry.host}/nydusd/rich:converted`;
      // Generous limits (seconds): a loaded machine must not turn a slow answer into a failed read.
      backend = { type: 'registry', config: { scheme: 'http', host: registry.host, repo: 'nydusd/rich', timeout: 120, connect_timeout: 60, retry_limit: 3 } };
    }
    const summary = await convertImage(`oci:${join(dir, 'src')}`, target, { digestAlgorithm, layerAnnotations });
    const dataMediaType = layerAnnotations === 'nydus' ? MediaType.NYDUS_BLOB : MediaType.DARNER_BLOB;
    t.true(summary.manifest.layers.slice(0, -1).every((l) => l.mediaType === dataMediaType), `data layers are ${dataMediaType}`);
    const loaded = await loadImageBootstrap(target, {});
    t.teardown(() => loaded.source.close());
    const boot = join(dir, 'image.boot');
    writeFileSync(boot, loaded.bootstrapBytes);
    t.true(loaded.bootstrap.blobs.length > 1 && loaded.bootstrap.blobs.every((b) => b.chunkInfoOffset !== undefined), 'every blob carries its chunk-info array');

    const check = spawnSync('nydus-image', ['check', '--bootstrap', boot, '--log-level', 'warn'], { encoding: 'utf8', timeout: 120_000 });
    t.is(check.status, 0, check.stderr);

    const mnt = join(dir, 'mnt');
    const startedBefore = Math.floor(Date.now() / 1000);
    const nydusd = await startNydusd(t, dir, boot, backend, mnt);
    const mountedAfter = Math.ceil(Date.now() / 1000);
    t.true(nydusd.mounted, `nydusd did not mount: ${nydusd.stderr()}`);
    if (!nydusd.mounted) return;
    const like = { chunkSize: loaded.bootstrap.chunkSize, digestAlgorithm: 'sha256' as const };
    const expected = await sourceImageTree(`oci:${join(dir, 'src')}`, like, {});
    const mounted = await treeFromDirectory(mnt, { chunkSize: like.chunkSize, digest: (chunks) => chunkDigests('sha256', chunks), xattrs: xattrsOf });
    const zeroMtimes = undoNydusdZeroMtime(expected, mounted);
    t.true(zeroMtimes.paths.includes('dev'), 'the source has a directory with mtime 0');
    t.true(zeroMtimes.shown.length === 1, `nydusd shows one start time for every mtime-0 inode: ${zeroMtimes.shown.join(', ')}`);
    const shown = zeroMtimes.shown[0] ?? 0;
    t.true(shown >= startedBefore && shown <= mountedAfter, `mtime 0 shows as ${shown}, not nydusd's start time (${startedBefore}..${mountedAfter})`);
    t.deepEqual(compareTrees(expected, mounted).map(formatDifference), [], nydusd.stderr());
    t.true(expected.size > 40);
  });
}

/**
 * nydusd shows an inode whose recorded mtime is 0 with the time it started instead, whatever the
 * bootstrap says (`Rafs::get_inode_attr` and `Rafs::get_inode_entry` in Nydus's rafs/src/fs.rs
 * replace `mtime == 0` with `i_time`, set once in `Rafs::new`: "Older rafs image or the root inode
 * doesn't include mtime"). darner writes 0, which the kernel's EROFS shows. So, for each entry
 * whose source mtime is 0 (seconds; nydusd keeps the nanoseconds), this collects the seconds
 * nydusd shows and sets them back to 0 in `mounted`; every other mtime is compared as it is.
 */
function undoNydusdZeroMtime(expected: FsTree, mounted: FsTree): { paths: string[]; shown: number[] } {
  const paths: string[] = [];
  const shown = new Set<number>();
  for (const [path, want] of expected) {
    const got = mounted.get(path);
    if (want.mtime !== 0 || !got) continue;
    paths.push(path);
    shown.add(got.mtime);
    got.mtime = 0;
  }
  return { paths, shown: [...shown] };
}

