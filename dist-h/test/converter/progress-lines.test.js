/**
 * `darner convert` and `darner check` with stderr piped (a CI log): one progress line per step,
 * per quarter of a layer and per finished layer, no carriage-return bars; the summary on stdout.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkProgressLines, convertProgressLines } from '../../converter/progress-lines.js';
import { buildOciImage, writeOciLayout } from '../harness/oci-image.js';
import { mulberry32 } from '../harness/prng.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
test('convertProgressLines: a line per phase, layer start, quarter and end', (t) => {
    const lines = [];
    const p = convertProgressLines((l) => lines.push(l));
    p.phase('resolve', 'oci:/x');
    p.layerStart(0, 2, { mediaType: 'm', digest: 'sha256:aa', size: 400 });
    for (let i = 0; i < 40; i++)
        p.layerBytes(0, 10);
    p.layerDone(0, { fileBytes: 300, chunks: 3, uniqueChunks: 2, duplicateChunks: 1, dictionaryChunks: 0, zeroChunks: 0 });
    t.deepEqual(lines, [
        'convert: resolving oci:/x',
        'convert: layer 1/2 sha256:aa (400 B): reading',
        'convert: layer 1/2: 25% (100 B of 400 B)',
        'convert: layer 1/2: 50% (200 B of 400 B)',
        'convert: layer 1/2: 75% (300 B of 400 B)',
        'convert: layer 1/2: done, 3 chunks (2 unique), 300 B of file data',
    ]);
    const check = [];
    const c = checkProgressLines((l) => check.push(l));
    c.phase('blobs');
    c.bytes(1000);
    c.phase('source', 'oci:/y');
    t.deepEqual(check, ['check: verifying its blobs', 'check: verified 1000 B', 'check: reading the source image oci:/y']);
});
test('darner convert and check print progress lines on a piped stderr', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-progress-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const random = mulberry32(11);
    const data = Buffer.alloc(3 << 20);
    for (let i = 0; i < data.length; i += 4)
        data.writeUInt32LE(Math.floor(random() * 2 ** 32), i);
    const image = await buildOciImage({
        name: 'progress:1',
        layers: [[{ type: 'file', path: 'big', data }], [{ type: 'file', path: 'small', data: 'small\n' }]],
    });
    await writeOciLayout(image, join(dir, 'src'));
    const env = { ...process.env, DARNER_LOG_LEVEL: 'error' };
    const converted = await run(process.execPath, [CLI, 'convert', `oci:${join(dir, 'src')}`, `oci:${join(dir, 'out')}`], { env });
    t.regex(converted.stdout, /^converted /);
    t.notRegex(converted.stderr, /\r/);
    const lines = converted.stderr.trimEnd().split('\n');
    t.is(lines[0], `convert: resolving oci:${join(dir, 'src')}`);
    t.true(lines.includes(`convert: layer 1/2 ${image.layers[0].digest} (${(image.layers[0].size / 1048576).toFixed(1)} MiB): reading`), converted.stderr);
    t.true(lines.some((l) => /^convert: layer 1\/2: 50% \(/.test(l)), converted.stderr);
    t.true(lines.some((l) => /^convert: layer 1\/2: done, \d+ chunks/.test(l)));
    t.true(lines.some((l) => /^convert: layer 2\/2: done, 1 chunks/.test(l)));
    t.true(lines.includes('convert: writing the bootstrap'));
    t.true(lines.some((l) => l.startsWith('convert: pushing oci:')));
    const checked = await run(process.execPath, [CLI, 'check', `oci:${join(dir, 'src')}`, `oci:${join(dir, 'out')}`], { env });
    t.regex(checked.stdout, /^identical: /);
    t.deepEqual(checked.stderr.trimEnd().split('\n').map((l) => l.replace(/ oci:.*$/, '').replace(/verified .*/, 'verified')), [
        'check: reading the darner image',
        'check: verifying its blobs',
        'check: verified',
        'check: reading the source image',
        'check: comparing',
    ]);
});
//# sourceMappingURL=progress-lines.test.js.map