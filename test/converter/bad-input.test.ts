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
import { buildOciImage, pushOciImage } from '../harness/oci-image.js';
import { startCountingProxy, startRegistry, type ProxyHandle, type RegistryHandle } from '../harness/registry.js';

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

async function cli(args: string[], cwd?: string): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function oneLineError(t: { is(a: unknown, b: unknown, m?: string): void; regex(s: string, r: RegExp, m?: string): void }, result: CliResult, pattern: RegExp): void {
  t.is(result.code, 1, `exit code (stderr: ${result.stderr})`);
  const lines = result.stderr.trim().split('\n');
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
