import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { RegistryClient } from '../../src/blob/registry.js';
import { buildLayerTar, patchSize, pseudoRandomBytes, sha256 } from '../harness/layer-tar.js';
import { buildOciImage, pushOciImage, writeOciLayout } from '../harness/oci-image.js';
import { startCountingProxy, startRegistry, type ProxyHandle, type RegistryHandle } from '../harness/registry.js';
import { rawTar } from './raw-tar.js';

/**
 * Bad input of every kind gives one readable line on stderr and a non-zero exit, never a crash or
 * a hang, and never a tag pointing at a partial image.
 */

const exec = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../fixtures/bootstrap/v1-basic.boot', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], cwd?: string, nodeArgs: string[] = []): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [...nodeArgs, CLI, ...args], { cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function oneLineError(t: { is(a: unknown, b: unknown, m?: string): void; regex(s: string, r: RegExp, m?: string): void }, result: CliResult, pattern: RegExp): void {
  t.is(result.code, 1, `exit code (stderr: ${result.stderr})`);
  // Progress lines (stderr is a pipe here) may come first; the error is one line, the last.
  const lines = result.stderr.trim().split('\n').filter((l) => !/^(convert|check): /.test(l));
  t.is(lines.length, 1, `one line: ${result.stderr}`);
  t.regex(lines[0] ?? '', /^darner: /);
  t.regex(lines[0] ?? '', pattern);
}

/** An OCI layout whose only layer is exactly `layer` (whatever bytes, digest made to match). */
function layoutWithLayer(dir: string, layer: Buffer, mediaType: string, diffId = sha256(layer)): string {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer): { digest: string; size: number } => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const layerDesc = { mediaType, ...put(layer) };
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } })));
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [layerDesc],
      }),
    ),
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }),
  );
  return `oci:${dir}`;
}

let registry: RegistryHandle;
let proxy: ProxyHandle;
let client: RegistryClient;
let work: string;

test.before(async () => {
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.url);
  client = new RegistryClient(registry.host);
  work = mkdtempSync(join(tmpdir(), 'darner-bad-'));
  const image = await buildOciImage({ name: 'good/img:1', layers: [[{ type: 'file', path: 'a', data: pseudoRandomBytes(300_000, 1) }]] });
  await pushOciImage(image, `${registry.host}/good/img:1`);
});

test.after.always(async () => {
  await client?.close();
  await proxy?.stop();
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function tagExists(repo: string, tag: string): Promise<boolean> {
  return (await client.headManifest(repo, tag)) !== undefined;
}

test('a truncated gzip layer', async (t) => {
  const tar = await buildLayerTar([{ type: 'file', path: 'f', data: pseudoRandomBytes(200_000, 2) }]);
  const gz = gzipSync(tar);
  const src = layoutWithLayer(join(work, 'trunc-gz'), gz.subarray(0, gz.length - 1000), 'application/vnd.oci.image.layer.v1.tar+gzip', sha256(tar));
  const result = await cli(['convert', src, `${registry.host}/out/trunc:1`]);
  oneLineError(t, result, /gzip layer data is corrupt or truncated.*\[BAD_COMPRESSION\]/);
  t.false(await tagExists('out/trunc', '1'));
});

test('tar entries with ../ or absolute names, and nothing is written outside the target', async (t) => {
  const marker = `darner-escape-${randomBytes(6).toString('hex')}`;
  const cwd = join(work, 'cwd', 'deeper');
  mkdirSync(cwd, { recursive: true });
  for (const [name, pattern] of [
    [`../../${marker}`, /contains a "\.\." component/],
    [`/tmp/${marker}`, /is an absolute path/],
  ] as const) {
    const tar = await buildLayerTar([{ type: 'file', path: name, data: 'escape' }]);
    const src = layoutWithLayer(join(work, `escape-${name.length}`), tar, 'application/vnd.oci.image.layer.v1.tar');
    const result = await cli(['convert', '--work-dir', cwd, src, `oci:${join(work, 'escape-out')}:x`], cwd);
    oneLineError(t, result, pattern);
  }
  t.false(existsSync(join(work, marker)));
  t.false(existsSync(join(work, 'cwd', marker)));
  t.false(existsSync(join('/tmp', marker)));
  t.false(existsSync(join(dirname(work), marker)));
});

test('a tar header that lies about its size', async (t) => {
  const tar = await buildLayerTar([
    { type: 'file', path: 'a', data: pseudoRandomBytes(5000, 3) },
    { type: 'file', path: 'b', data: 'after' },
  ]);
  for (const size of [100, 1_000_000]) {
    const src = layoutWithLayer(join(work, `lie-${size}`), patchSize(tar, 0, size), 'application/vnd.oci.image.layer.v1.tar');
    const result = await cli(['convert', src, `${registry.host}/out/lie:${size}`]);
    oneLineError(t, result, /tar stream is (corrupt|truncated).*\[BAD_TAR\]/);
    t.false(await tagExists('out/lie', String(size)));
  }
});

test('a bootstrap with out-of-range offsets', async (t) => {
  const good = readFileSync(FIXTURE);
  const ok = await cli(['inspect', FIXTURE]);
  t.is(ok.code, 0, ok.stderr);
  // Every 4-byte field of the darner extension header (after the superblock) set to a huge value
  // must be caught; so must the superblock's root nid.
  let checked = 0;
  for (let offset = 0x480; offset < 0x500; offset += 4) {
    const bad = Buffer.from(good);
    bad.writeUInt32LE(0xfffffff0, offset);
    if (bad.equals(good)) continue;
    const file = join(work, `bad-${offset}.boot`);
    writeFileSync(file, bad);
    const result = await cli(['inspect', file]);
    if (result.code === 0) continue; // a field the format does not use (reserved bytes)
    oneLineError(t, result, /\[MALFORMED_BOOTSTRAP\]$/);
    checked += 1;
  }
  t.true(checked >= 8, `${checked} header fields rejected`);
});

test('a registry answering 401', async (t) => {
  const secured = await startRegistry({ auth: 'htpasswd' });
  t.teardown(() => secured.stop());
  const result = await cli(['convert', '--authfile', join(work, 'no-such-config.json'), `${secured.host}/any/img:1`, `${registry.host}/out/auth:1`]);
  oneLineError(t, result, /REGISTRY_UNAUTHORIZED/);
  t.false(await tagExists('out/auth', '1'));
});

test('a registry answering 404', async (t) => {
  const result = await cli(['convert', `${registry.host}/does/not-exist:1`, `${registry.host}/out/missing:1`]);
  oneLineError(t, result, /REGISTRY_NOT_FOUND/);
  t.false(await tagExists('out/missing', '1'));
});

test.serial('a registry answering 500 for blobs', async (t) => {
  proxy.failNext(500, { kind: 'blob' }, 50);
  t.teardown(() => proxy.reset());
  const result = await cli(['convert', `${proxy.host}/good/img:1`, `${registry.host}/out/five-hundred:1`]);
  oneLineError(t, result, /500.*\[REGISTRY_ERROR\]/);
  t.false(await tagExists('out/five-hundred', '1'));
});

test.serial('a registry serving a blob with the wrong digest', async (t) => {
  proxy.failNext('wrong-bytes', { kind: 'blob' }, 50);
  t.teardown(() => proxy.reset());
  const result = await cli(['convert', `${proxy.host}/good/img:1`, `${registry.host}/out/wrong:1`]);
  oneLineError(t, result, /digest mismatch.*\[DIGEST_MISMATCH\]/);
  t.false(await tagExists('out/wrong', '1'));
});

const TAR = 'application/vnd.oci.image.layer.v1.tar';

test('file names that are not UTF-8: convert refuses them, and check never calls such a source identical', async (t) => {
  // Two names that differ only in a byte that is not UTF-8 used to become one file.
  const tar = rawTar([
    { name: Buffer.from('x\xff', 'latin1'), data: 'one' },
    { name: Buffer.from('x\xfe', 'latin1'), data: 'two' },
  ]);
  const src = layoutWithLayer(join(work, 'non-utf8'), tar, TAR);
  const result = await cli(['convert', src, `${registry.host}/out/non-utf8:1`]);
  oneLineError(t, result, /entry "x\\xff" is not valid UTF-8 \[BAD_TAR\]$/);
  t.false(await tagExists('out/non-utf8', '1'));
  // A darner image holding one "x" file, checked against that source: not identical.
  const single = layoutWithLayer(join(work, 'non-utf8-single'), rawTar([{ name: 'x', data: 'one' }]), TAR);
  t.is((await cli(['convert', single, `${registry.host}/out/non-utf8-single:1`])).code, 0);
  const check = await cli(['check', src, `${registry.host}/out/non-utf8-single:1`]);
  t.notRegex(check.stdout, /identical/);
  oneLineError(t, check, /entry "x\\xff" is not valid UTF-8 \[BAD_TAR\]$/);
});

test('an uncompressed layer of an oci: layout whose bytes changed is refused for its digest', async (t) => {
  // Read from the file through one reused buffer, not the verifying stream: verified all the same.
  const tar = rawTar([{ name: 'a', data: 'original' }]);
  const dir = join(work, 'changed-plain');
  const src = layoutWithLayer(dir, tar, TAR);
  const path = join(dir, 'blobs', 'sha256', sha256(tar).slice(7));
  writeFileSync(path, rawTar([{ name: 'a', data: 'replaced' }]));
  const result = await cli(['convert', src, `${registry.host}/out/changed-plain:1`]);
  oneLineError(t, result, /digest mismatch.*\[DIGEST_MISMATCH\]$/);
  t.false(await tagExists('out/changed-plain', '1'));
});

test('a negative base-256 size is refused, not read as 0', async (t) => {
  const tar = rawTar([{ name: 'neg', size: new Uint8Array(12).fill(0xff) }, { name: 'after', data: 'data' }]);
  const src = layoutWithLayer(join(work, 'neg-size'), tar, TAR);
  const result = await cli(['convert', src, `${registry.host}/out/neg-size:1`]);
  oneLineError(t, result, /entry "neg" has an invalid size field \(-1; allowed 0\.\.\d+\) \[BAD_TAR\]$/);
  t.false(await tagExists('out/neg-size', '1'));
});

test('more tar entries than --max-entries, counted over all layers, are refused in one line', async (t) => {
  const layer = (prefix: string): Array<{ type: 'file'; path: string; data: string }> =>
    [1, 2, 3].map((i) => ({ type: 'file' as const, path: `${prefix}${i}`, data: `${prefix}${i}` }));
  const image = await buildOciImage({ name: 'many/img:1', layers: [layer('a'), layer('b')] });
  await pushOciImage(image, `${registry.host}/many/img:1`);
  const refused = await cli(['convert', '--max-entries', '5', `${registry.host}/many/img:1`, `${registry.host}/out/many:5`]);
  oneLineError(t, refused, /more than 5 tar entries .*--max-entries.*\[LIMIT_EXCEEDED\]$/);
  t.false(await tagExists('out/many', '5'));
  const ok = await cli(['convert', '--max-entries', '6', `${registry.host}/many/img:1`, `${registry.host}/out/many:6`]);
  t.is(ok.code, 0, ok.stderr);
  const checked = await cli(['check', '--max-entries', '5', `${registry.host}/many/img:1`, `${registry.host}/out/many:6`]);
  oneLineError(t, checked, /more than 5 tar entries .*\[LIMIT_EXCEEDED\]$/);
  t.is((await cli(['check', '--max-entries', '6', `${registry.host}/many/img:1`, `${registry.host}/out/many:6`])).code, 0);
  oneLineError(t, await cli(['convert', '--max-entries', 'lots', `${registry.host}/many/img:1`, `${registry.host}/out/many:x`]), /--max-entries: "lots"/);
});

test('a target that is the source itself is refused unless --overwrite', async (t) => {
  const before = await client.headManifest('good/img', '1');
  const same = await cli(['convert', `${registry.host}/good/img:1`, `docker://${registry.host}/good/img:1`]);
  oneLineError(t, same, /is the source image itself.*--overwrite.*\[USAGE\]$/);
  t.is((await client.headManifest('good/img', '1'))?.digest, before?.digest);
  const dir = join(work, 'self-layout');
  const image = await buildOciImage({ name: 'self/img:v1', layers: [[{ type: 'file', path: 'f', data: 'self' }]] });
  await writeOciLayout(image, dir);
  const indexBefore = readFileSync(join(dir, 'index.json'), 'utf8');
  oneLineError(t, await cli(['convert', `oci:${dir}:v1`, `oci:${dir}/.:v1`]), /is the source image itself.*\[USAGE\]$/);
  t.is(readFileSync(join(dir, 'index.json'), 'utf8'), indexBefore);
  // Another tag of the same layout is fine; so is the same tag with --overwrite.
  t.is((await cli(['convert', `oci:${dir}:v1`, `oci:${dir}:v1-darner`])).code, 0);
  const over = await cli(['convert', '--overwrite', `oci:${dir}:v1`, `oci:${dir}:v1`]);
  t.is(over.code, 0, over.stderr);
  t.not(readFileSync(join(dir, 'index.json'), 'utf8'), indexBefore);
});

test('a darner image as the source is refused in one line, from a registry and from a layout', async (t) => {
  const image = await buildOciImage({
    name: 'conv/src:1',
    layers: [[{ type: 'file', path: 'b', data: pseudoRandomBytes(3_000_000, 5) }, { type: 'file', path: 'c', data: 'abc'.repeat(500_000) }]],
  });
  await pushOciImage(image, `${registry.host}/conv/src:1`);
  t.is((await cli(['convert', `${registry.host}/conv/src:1`, `${registry.host}/conv/darner:1`])).code, 0);
  const fromRegistry = await cli(['convert', `${registry.host}/conv/darner:1`, `${registry.host}/conv/again:1`]);
  oneLineError(t, fromRegistry, /conv\/darner:1 is already a darner\/Nydus image .*\[ALREADY_CONVERTED\]$/);
  t.false(await tagExists('conv/again', '1'));
  const layout = join(work, 'darner-layout');
  t.is((await cli(['convert', `${registry.host}/conv/src:1`, `oci:${layout}:d`])).code, 0);
  oneLineError(t, await cli(['convert', `oci:${layout}:d`, `oci:${layout}:again`]), /is already a darner\/Nydus image .*\[ALREADY_CONVERTED\]$/);
  oneLineError(t, await cli(['check', `oci:${layout}:d`, `oci:${layout}:d`]), /is already a darner\/Nydus image .*\[ALREADY_CONVERTED\]$/);
});

test('a corrupt layer from a registry ends in one line, not a silent exit 13', async (t) => {
  // The zstd magic number, then bytes that are no frame: decompression fails at once, with most
  // of the layer's download still pending (that download used to keep the source from closing).
  const layer = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), pseudoRandomBytes(3_000_000, 6)]);
  const image = await buildOciImage({ name: 'bad/zstd:1', layers: [layer], compression: 'none' });
  await pushOciImage(image, `${registry.host}/bad/zstd:1`);
  const result = await cli(['convert', `${registry.host}/bad/zstd:1`, `${registry.host}/out/bad-zstd:1`]);
  oneLineError(t, result, /zstd layer data is corrupt or truncated.*\[BAD_COMPRESSION\]$/);
  t.false(await tagExists('out/bad-zstd', '1'));
});

test('--prefetch-patterns naming a missing file: one line that names the flag', async (t) => {
  const missing = join(work, 'no-such-patterns');
  const result = await cli(['convert', '--prefetch-patterns', missing, `${registry.host}/good/img:1`, `${registry.host}/out/prefetch:1`]);
  oneLineError(t, result, new RegExp(`--prefetch-patterns ${missing}: cannot read the file \\(no such file\\) \\[USAGE\\]$`));
  t.false(await tagExists('out/prefetch', '1'));
});

test('a command that never settles, or throws outside its promise, still ends in one line and exit 1', async (t) => {
  // Preloaded modules stand in for the two classes of bug: commander's parseAsync replaced by a
  // promise nothing will ever settle (the event loop drains), or by one that throws from a timer.
  const packageJson = fileURLToPath(new URL('../../../package.json', import.meta.url));
  const preload = (name: string, body: string): string => {
    const file = join(work, name);
    writeFileSync(
      file,
      `import { createRequire } from 'node:module';\nconst { Command } = createRequire(${JSON.stringify(packageJson)})('commander');\nCommand.prototype.parseAsync = function () { ${body} };\n`,
    );
    return file;
  };
  const never = await cli(['convert', 'a', 'b'], undefined, ['--import', preload('never-settles.mjs', 'return new Promise(() => {});')]);
  oneLineError(t, never, /the command stopped without finishing.*\[UNSETTLED\]$/);
  const thrown = await cli(['convert', 'a', 'b'], undefined, [
    '--import',
    preload('throws-late.mjs', "setImmediate(() => { throw new Error('thrown outside the command'); }); return new Promise(() => {});"),
  ]);
  oneLineError(t, thrown, /^darner: thrown outside the command$/);
});
