/**
 * darner's bootstraps against the structural rules Nydus loads a RAFS v6 bootstrap by
 * (test/harness/rafs-v6-rules.ts, written from the RAFS v6 fact sheet): the real Nydus fixture
 * keeps them all, and so does every bootstrap darner's writer produces, apart from EROFS holes,
 * which nydusd cannot read (docs/format.md).
 */
import test from 'ava';
import { writeBootstrap, type ImageMetadata } from '../../src/format/index.js';
import { basicModel, multiblobModel } from '../../fixtures/make-bootstraps.js';
import { rafsV6Violations } from '../harness/rafs-v6-rules.js';
import { nydusMergedBootstrap } from '../harness/nydus-fixture.js';
import { ModelBuilder, dir, file, special, symlink } from './helpers/model-builder.js';
import { richModel } from './helpers/rich-model.js';

test('the Nydus fixture keeps every rule (the rules are not stricter than Nydus)', (t) => {
  t.deepEqual(rafsV6Violations(nydusMergedBootstrap()), []);
});

function holeFree(meta: ImageMetadata): number {
  let holes = 0;
  const visit = (n: ImageMetadata['root']): void => {
    for (const c of n.entries.values()) {
      if (c.kind === 'dir') visit(c);
      else if (c.kind === 'file') holes += c.chunks.filter((s) => s < 0).length;
    }
  };
  visit(meta.root);
  return holes;
}

const models: Array<[string, () => ImageMetadata]> = [
  ['basic', basicModel],
  ['multiblob', multiblobModel],
  ['rich (4 KiB chunks)', () => richModel(4096)],
  ['rich (16 KiB chunks)', () => richModel(16384)],
  [
    'no blobs',
    () => ({ chunkSize: 1 << 20, digestAlgorithm: 'blake3', compressor: 'zstd', blobs: [], chunks: [], root: dir({ e: file(0, []), s: symlink('e'), f: special('fifo') }), prefetch: [], buildTime: 0 }),
  ],
  [
    'blake3, prefetch, many chunks',
    () => {
      const b = new ModelBuilder(4096);
      const blob = b.addBlob('x');
      const big = b.file(4096 * 300 + 7, blob);
      const small = b.file(10, blob);
      return b.finish(dir({ big, d: dir({ small }) }), { prefetch: [small, big], digestAlgorithm: 'blake3' });
    },
  ],
];

for (const [name, model] of models) {
  test(`darner's bootstrap of the ${name} model keeps every RAFS v6 rule`, (t) => {
    const meta = model();
    const violations = rafsV6Violations(writeBootstrap(meta));
    const holes = violations.filter((v) => v.startsWith('holes:'));
    t.deepEqual(violations.filter((v) => !v.startsWith('holes:')), []);
    t.is(holes.length, holeFree(meta), 'every EROFS hole is listed, nothing else');
    if (holes.length > 0) t.log(`${holes.length} hole entries (nydusd cannot read those files' zero chunks)`);
  });
}
