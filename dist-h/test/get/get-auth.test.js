/**
 * `darner get` straight from the origin (no daemon) with credentials, all real: Debian's
 * docker-registry with htpasswd auth (Basic) and with a token server (Bearer), and a loopback HTTP
 * server that asks for Basic auth. Credentials come from `--creds` or the docker config; a wrong
 * password fails in one line, non-zero, and leaves no file.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { buildOciImage, pushOciImage } from '../harness/oci-image.js';
import { startRegistry } from '../harness/registry.js';
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const MiB = 1 << 20;
const REPO = 'private/blob';
let dir;
let emptyConfig;
let image;
test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'darner-get-auth-'));
    emptyConfig = join(dir, 'no-docker-config');
    image = await buildOciImage({ name: `${REPO}:1`, layers: [[{ type: 'file', path: 'secret.bin', data: pseudoRandomBytes(2 * MiB + 17, 911) }]], compression: 'none' });
});
test.after.always(async () => {
    await rm(dir, { recursive: true, force: true });
});
async function privateRegistry(auth) {
    const registry = await startRegistry({ auth });
    await pushOciImage(image, `docker://${registry.host}/${REPO}:1`, { plainHttp: true, username: registry.username, password: registry.password });
    return registry;
}
/** `darner get --direct …` with its own docker config directory (none unless given). */
function get(args, dockerConfig = emptyConfig) {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, 'get', '--direct', '-q', ...args], { maxBuffer: 1 << 20, timeout: 120_000, env: { ...process.env, DOCKER_CONFIG: dockerConfig } }, (err, stdout, stderr) => {
            resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
        });
    });
}
const sha = async (file) => `sha256:${createHash('sha256').update(await readFile(file)).digest('hex')}`;
for (const auth of ['htpasswd', 'token']) {
    test(`a registry blob behind ${auth} auth: --creds and the docker config work; a wrong password fails in one line and leaves no file`, async (t) => {
        const registry = await privateRegistry(auth);
        t.teardown(() => registry.stop());
        const layer = image.layers[0];
        const ref = `${registry.host}/${REPO}@${layer.digest}`;
        const out = join(dir, `${auth}-creds.bin`);
        const ok = await get(['--plain-http', '--creds', `${registry.username}:${registry.password}`, '-o', out, ref]);
        t.is(ok.code, 0, ok.stderr);
        t.is(await sha(out), layer.digest);
        const config = join(dir, `${auth}-docker`);
        await rm(config, { recursive: true, force: true });
        await mkdir(config, { recursive: true });
        await writeFile(join(config, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } }));
        const fromConfig = join(dir, `${auth}-config.bin`);
        const viaConfig = await get(['--plain-http', '-o', fromConfig, ref], config);
        t.is(viaConfig.code, 0, viaConfig.stderr);
        t.is(await sha(fromConfig), layer.digest);
        const wrong = join(dir, `${auth}-wrong.bin`);
        const refused = await get(['--plain-http', '--creds', `${registry.username}:not-the-password`, '-o', wrong, ref]);
        t.not(refused.code, 0);
        const lines = refused.stderr.trim().split('\n');
        t.is(lines.length, 1, refused.stderr);
        t.regex(lines[0], auth === 'htpasswd' ? /refused the credentials given with --creds/ : /token request refused/);
        t.false(existsSync(wrong), 'no file');
        t.false(existsSync(`${wrong}.part`), 'no part either');
        const none = await get(['--plain-http', '-o', join(dir, `${auth}-none.bin`), ref]);
        t.not(none.code, 0);
        t.is(none.stderr.trim().split('\n').length, 1, none.stderr);
        t.regex(none.stderr, /asks for credentials and none were given/);
    });
}
test('an HTTP URL behind Basic auth: --creds works, a wrong password fails in one line and leaves no file', async (t) => {
    const data = pseudoRandomBytes(MiB + 3, 912);
    const expected = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    const server = http.createServer((req, res) => {
        if (req.headers.authorization !== expected)
            return void res.writeHead(401, { 'www-authenticate': 'Basic realm="files"' }).end();
        res.writeHead(200, { 'content-length': String(data.length) }).end(data);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${server.address().port}/files/model.bin`;
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const out = join(dir, 'url.bin');
    const ok = await get(['--creds', 'alice:s3cret', '--digest', digest, '-o', out, url]);
    t.is(ok.code, 0, ok.stderr);
    t.is(await sha(out), digest);
    const wrong = join(dir, 'url-wrong.bin');
    const refused = await get(['--creds', 'alice:nope', '-o', wrong, url]);
    t.not(refused.code, 0);
    t.is(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    t.regex(refused.stderr, /HTTP 401.*refused the credentials/);
    t.false(existsSync(wrong));
    t.false(existsSync(`${wrong}.part`));
});
//# sourceMappingURL=get-auth.test.js.map