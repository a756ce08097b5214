import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sourceImageTree } from '../../converter/check.js';
import { convertImage } from '../../converter/convert.js';
import { expandImage } from '../../converter/expand.js';
import type { AccessTrace } from '../../src/format/access-trace.js';
import { Bootstrap } from '../../src/format/index.js';
import { chunkDigests } from '../../src/digest.js';
import { compareTrees, formatDifference, treeFromDirectory } from '../../src/fstree/index.js';
import { buildOciImage, writeOciLayout } from '../harness/oci-image.js';
import { richImageLayers } from '../harness/test-images.js';
import { xattrsOf } from '../fs/helpers/mounted.js';

/**
 * The format against oracles no one here wrote: erofs-utils' fsck.erofs accepts what
 * `darner expand` writes, and the kernel's own EROFS driver, mounting the bootstrap with the
 * expanded blobs as devices, shows exactly the tree that applying the OCI layers gives.
 */

const run = promisify(execFile);

/**
 * A blob layout for an access trace (convert --prefetch-trace) moves chunks, deduplicated ones
 * and hard links included, across files and layers of the rich image.
 */
const TRACE: AccessTrace = {
  files: ['/shared/repeated-copy', '/data/1m', '/etc/changed-link', '/data/1m-plus-1', '/data/zeros-3m', '/opaque-me/new', '/data/one-again', '/data/big-20m'].map((path) => ({ path, ranges: [] })),
};

for (const [chunkSize, trace] of [
  [1024 * 1024, undefined],
  [64 * 1024, undefined],
  [64 * 1024, TRACE],
] as const) {
  test(`fsck.erofs and the kernel agree with the applied layers (chunk size ${chunkSize}${trace ? ', laid out for a trace' : ''})`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'darner-oracle-'));
    const cleanups: Array<() => Promise<unknown>> = [];
    t.teardown(async () => {
      for (const undo of cleanups.reverse()) await undo().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });
    const image = await buildOciImage({ name: 'oracle/rich:1', layers: richImageLayers() });
    await writeOciLayout(image, join(dir, 'src'));
    await convertImage(`oci:${join(dir, 'src')}`, `oci:${join(dir, 'out')}:darner`, { chunkSize, digestAlgorithm: 'sha256', ...(trace ? { prefetchTrace: trace } : {}) });
    const expanded = await expandImage(`oci:${join(dir, 'out')}:darner`, join(dir, 'expanded'));
    const devices = readFileSync(join(dir, 'expanded', 'devices'), 'utf8').trim().split('\n');
    t.deepEqual(devices.map((d) => join(dir, 'expanded', d)), expanded.devices);
    if (trace) {
      // The trace's first file (layer 1's copy of /shared/repeated, stored once in layer 0's blob) leads that blob.
      const boot = Bootstrap.parse(readFileSync(expanded.bootstrap));
      const nid = [...boot.walk()].find((e) => e.path === '/shared/repeated-copy')!.nid;
      const first = boot.chunk(boot.fileChunks(nid)[0]!);
      t.deepEqual([first.blobIndex, first.compressedOffset, first.uncompressedOffset], [0, 0, 0]);
      t.is(boot.prefetchNids[0], nid);
    }

    // fsck.erofs checks every inode, directory and chunk index, reading the devices.
    await t.notThrowsAsync(run('fsck.erofs', [...expanded.devices.map((d) => `--device=${d}`), expanded.bootstrap]));

    // The kernel: every blob and the bootstrap on read-only loop devices, in device-table order.
    const loops: string[] = [];
    for (const file of [...expanded.devices, expanded.bootstrap]) {
      const { stdout } = await run('losetup', ['-f', '--show', '-r', file]);
      const loop = stdout.trim();
      loops.push(loop);
      cleanups.push(() => run('losetup', ['-d', loop]));
    }
    const boot = loops.pop() as string;
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    await run('mount', ['-t', 'erofs', '-o', ['ro', ...loops.map((l) => `device=${l}`)].join(','), boot, mnt]);
    cleanups.push(() => run('umount', [mnt]));

    const like = { chunkSize, digestAlgorithm: 'sha256' as const };
    const expected = await sourceImageTree(`oci:${join(dir, 'src')}`, like, {});
    const mounted = await treeFromDirectory(mnt, {
      chunkSize,
      digest: (chunks) => chunkDigests('sha256', chunks),
      xattrs: xattrsOf,
    });
    const differences = compareTrees(expected, mounted);
    t.deepEqual(differences.map(formatDifference), []);
    t.true(expected.size > 40);
  });
}
