import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkImage } from '../../converter/check.js';
import { convertImage } from '../../converter/convert.js';
import { HOLE } from '../../src/format/index.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { buildOciImage, pushOciImage } from '../harness/oci-image.js';
import { startRegistry } from '../harness/registry.js';
import { RICH_BIG_FILE, richImageExpectations, richImageLayers } from '../harness/test-images.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
let registry;
let source;
let target;
test.before(async () => {
    registry = await startRegistry();
    source = `${registry.host}/rich:src`;
    target = `${registry.host}/rich:darner`;
    // One layer of each compression the converter must read.
    const image = await buildOciImage({ name: source, layers: richImageLayers(), compression: ['gzip', 'zstd', 'none'] });
    await pushOciImage(image, source);
});
test.after.always(async () => {
    await registry?.stop();
});
function lookup(root, path) {
    let node = root;
    for (const part of path.split('/')) {
        if (node?.kind !== 'dir')
            return undefined;
        node = node.entries.get(part);
    }
    return node;
}
test.serial('registry to registry: the converted image is the applied source, byte for byte', async (t) => {
    const summary = await convertImage(source, target);
    t.is(summary.blobs, 3);
    t.true(summary.duplicateChunks > 0, 'the repeated file and the shared half of the big file deduplicate');
    t.true(summary.zeroChunks >= 3, 'the zero file is all-zero chunks');
    const report = await checkImage(source, target);
    t.deepEqual(report.differences, []);
    t.deepEqual(report.badBlobs, []);
    // The merge rules, stated independently of darner's merger.
    const loaded = await loadImageBootstrap(target, {});
    t.teardown(() => loaded.source.close());
    const meta = loaded.bootstrap.toMetadata();
    for (const path of richImageExpectations.absent)
        t.is(lookup(meta.root, path), undefined, `${path} is gone`);
    for (const [path, kind] of Object.entries(richImageExpectations.present))
        t.is(lookup(meta.root, path)?.kind, kind, path);
    for (const group of richImageExpectations.hardlinkGroups) {
        const nodes = group.map((p) => lookup(meta.root, p));
        t.truthy(nodes[0]);
        for (const n of nodes)
            t.is(n, nodes[0], `${group.join(' = ')}`);
    }
    const zeros = lookup(meta.root, 'data/zeros-3m');
    // Stored as one chunk used three times, not as EROFS holes (nydusd reads no holes).
    t.true(zeros?.kind === 'file' && zeros.chunks.length === 3 && zeros.chunks.every((c) => c !== HOLE && c === zeros.chunks[0]));
    // Data blobs first, the bootstrap last, under darner's media type and annotations; nothing of
    // Nydus's, which would make a Nydus snapshotter take the image for one it can read.
    const layers = loaded.image.manifest.layers;
    t.is(layers.length, 4);
    for (const layer of layers.slice(0, 3)) {
        t.is(layer.mediaType, 'application/vnd.oci.image.layer.darner.blob.v1');
        t.deepEqual(layer.annotations, { 'containerd.io/snapshot/darner-blob': 'true' });
    }
    t.is(layers[3]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    t.deepEqual(layers[3]?.annotations, {
        'containerd.io/snapshot/darner-bootstrap': 'true',
        'containerd.io/snapshot/darner-format-version': '2',
    });
    const manifestText = JSON.stringify(loaded.image.manifest);
    t.false(/nydus/i.test(manifestText), 'no Nydus media type or annotation anywhere in the manifest');
    t.deepEqual(loaded.image.config.rootfs.diff_ids.slice(0, 3), layers.slice(0, 3).map((l) => l.digest));
});
test.serial('a byte corrupted in the registry storage makes check fail and name the file', async (t) => {
    const loaded = await loadImageBootstrap(target, {});
    const { bootstrap } = loaded;
    await loaded.source.close();
    // Pick a chunk used only by the big file and flip one byte in the middle of its stored bytes.
    const meta = bootstrap.toMetadata();
    const big = lookup(meta.root, RICH_BIG_FILE);
    if (big?.kind !== 'file')
        throw new Error('big file missing');
    const users = new Map();
    const count = (node) => {
        if (node.kind === 'dir')
            node.entries.forEach(count);
        else if (node.kind === 'file')
            for (const c of node.chunks)
                users.set(c, (users.get(c) ?? 0) + 1);
    };
    count(meta.root);
    const victim = big.chunks.find((c, i) => c !== HOLE && i >= 12 && users.get(c) === 1);
    const record = bootstrap.chunk(victim);
    const blob = bootstrap.blobs[record.blobIndex];
    if (!blob)
        throw new Error('blob missing');
    const path = registry.blobDataPath(`sha256:${blob.id}`);
    const original = readFileSync(path);
    const corrupted = Buffer.from(original);
    const at = record.compressedOffset + Math.floor(record.compressedSize / 2);
    corrupted[at] = corrupted[at] ^ 0x40;
    writeFileSync(path, corrupted);
    t.teardown(() => writeFileSync(path, original));
    const report = await checkImage(source, target);
    t.true(report.differences.some((d) => d.path === RICH_BIG_FILE && d.field === 'content'), JSON.stringify(report.differences));
    t.deepEqual(report.badBlobs, [blob.id]);
    // Through the CLI: a non-zero exit, the file named on stdout, one line on stderr.
    const result = await run(process.execPath, [CLI, 'check', source, target]).then(() => ({ code: 0, stdout: '', stderr: '' }), (err) => err);
    t.is(result.code, 1);
    t.regex(result.stdout, new RegExp(`/${RICH_BIG_FILE}: content differs`));
    // Progress lines (stderr is a pipe here) come first; the error is one line.
    t.deepEqual(result.stderr.trim().split('\n').filter((l) => !l.startsWith('check: ')).length, 1);
    t.regex(result.stderr, /\n?darner: [^\n]*\[CHECK_FAILED\]\n$/);
});
test.serial('the CLI converts with options and prints a summary', async (t) => {
    const out = `${registry.host}/rich:cli`;
    const { stdout } = await run(process.execPath, [CLI, 'convert', '--chunk-size', '256K', '--digest', 'sha256', '--compressor', 'none', source, out]);
    t.regex(stdout, /chunks: \d+ total, \d+ unique, \d+ duplicate/);
    t.regex(stdout, /input: .* stored/);
    const { stdout: inspected } = await run(process.execPath, [CLI, 'inspect', '--json', out]);
    const report = JSON.parse(inspected);
    t.like(report, { chunkSize: 256 * 1024, digestAlgorithm: 'sha256', compressor: 'none' });
    await run(process.execPath, [CLI, 'check', source, out]);
});
//# sourceMappingURL=roundtrip.test.js.map