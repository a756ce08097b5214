/**
 * darner's bootstraps against the structural rules Nydus loads a RAFS v6 bootstrap by
 * (test/harness/rafs-v6-rules.ts, written from the RAFS v6 fact sheet): the real Nydus fixture
 * keeps them all, and so does every bootstrap darner's writer produces, apart from EROFS holes,
 * which nydusd cannot read (docs/format.md) and `darner convert` no longer writes. A converted
 * image's blobs also carry the chunk-info arrays nydusd maps chunks through
 * (test/harness/rafs-blob-meta-rules.ts), as the fixture's blobs do.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertImage } from '../../converter/convert.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { blobMetaViolations } from '../harness/rafs-blob-meta-rules.js';
import { buildOciImage, writeOciLayout } from '../harness/oci-image.js';
import { richImageLayers } from '../harness/test-images.js';
import { writeBootstrap } from '../../src/format/index.js';
import { basicModel, multiblobModel } from '../../fixtures/make-bootstraps.js';
import { rafsV6Violations } from '../harness/rafs-v6-rules.js';
import { nydusLayoutBlob, nydusMergedBootstrap } from '../harness/nydus-fixture.js';
import { ModelBuilder, dir, file, special, symlink } from './helpers/model-builder.js';
import { richModel } from './helpers/rich-model.js';
test('the Nydus fixture keeps every rule (the rules are not stricter than Nydus)', (t) => {
    t.deepEqual(rafsV6Violations(nydusMergedBootstrap()), []);
});
function holeFree(meta) {
    let holes = 0;
    const visit = (n) => {
        for (const c of n.entries.values()) {
            if (c.kind === 'dir')
                visit(c);
            else if (c.kind === 'file')
                holes += c.chunks.filter((s) => s < 0).length;
        }
    };
    visit(meta.root);
    return holes;
}
const models = [
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
        if (holes.length > 0)
            t.log(`${holes.length} hole entries (nydusd cannot read those files' zero chunks)`);
    });
}
test("the Nydus fixture's blobs keep every blob-meta rule", (t) => {
    t.deepEqual(blobMetaViolations(nydusMergedBootstrap(), (id) => nydusLayoutBlob(id)), []);
});
for (const trace of [false, true]) {
    test(`a converted image${trace ? ' laid out for an access trace' : ''}: no holes, and every blob's chunk-info array is the bootstrap's chunks`, async (t) => {
        const dir = mkdtempSync(join(tmpdir(), 'darner-rafs-rules-'));
        t.teardown(() => rmSync(dir, { recursive: true, force: true }));
        const image = await buildOciImage({ name: 'rafs-rules/rich:1', layers: richImageLayers() });
        await writeOciLayout(image, join(dir, 'src'));
        const target = `oci:${join(dir, 'out')}:darner`;
        // The trace reorders chunks in their blobs, so compressed and uncompressed order differ.
        const prefetchTrace = { files: ['/data/big-20m', '/shared/repeated-copy', '/data/1m'].map((path) => ({ path, ranges: [] })) };
        await convertImage(`oci:${join(dir, 'src')}`, target, { chunkSize: 64 * 1024, ...(trace ? { prefetchTrace } : {}) });
        const loaded = await loadImageBootstrap(target, {});
        t.teardown(() => loaded.source.close());
        const boot = Buffer.from(loaded.bootstrapBytes);
        t.deepEqual(rafsV6Violations(boot), [], 'every RAFS v6 rule, and no hole');
        t.true(loaded.bootstrap.blobs.length >= 3);
        const blobFile = (id) => {
            const path = join(dir, 'out', 'blobs', 'sha256', id);
            return existsSync(path) ? readFileSync(path) : undefined;
        };
        t.deepEqual(blobMetaViolations(boot, blobFile), []);
    });
}
//# sourceMappingURL=rafs-rules.test.js.map