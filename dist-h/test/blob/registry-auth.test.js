import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../src/blob/registry.js';
import { RegistryError } from '../../src/errors.js';
import { sha256Digest } from '../../src/digest.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
async function dockerConfig(t, auths) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-dockercfg-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ auths }));
    return path;
}
function clientFor(t, host, options) {
    const c = new RegistryClient(host, { retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 }, ...options });
    t.teardown(() => c.close());
    return c;
}
async function roundTrip(c, repo, text) {
    const bytes = Buffer.from(text);
    const digest = sha256Digest(bytes);
    await c.pushBlob(repo, { digest, size: bytes.length }, bytes);
    if (!(await c.getBlob(repo, digest)).equals(bytes))
        throw new Error('round trip lost bytes');
    if (!(await c.readRange(repo, digest, 1, 2)).equals(bytes.subarray(1, 3)))
        throw new Error('range read lost bytes');
}
let basic;
let token;
test.before(async () => {
    [basic, token] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry({ auth: 'token', tokenTtlSeconds: 300 })]);
});
test.after.always(async () => {
    await basic?.stop();
    await token?.stop();
});
const b64 = (s) => Buffer.from(s).toString('base64');
test('htpasswd: credentials from a docker config.json (auth, or username/password) work', async (t) => {
    const viaAuth = await dockerConfig(t, { [`http://${basic.host}/v2/`]: { auth: b64(`${basic.username}:${basic.password}`) } });
    await roundTrip(clientFor(t, basic.host, { dockerConfigPath: viaAuth }), 'basic/a', 'basic auth via config');
    const viaFields = await dockerConfig(t, { [basic.host]: { username: basic.username, password: basic.password } });
    await roundTrip(clientFor(t, basic.host, { dockerConfigPath: viaFields }), 'basic/b', 'basic auth via fields');
    t.pass();
});
test('htpasswd: wrong or missing credentials are REGISTRY_UNAUTHORIZED in one line', async (t) => {
    const wrong = await dockerConfig(t, { [basic.host]: { auth: b64(`${basic.username}:not-the-password`) } });
    const err = await t.throwsAsync(clientFor(t, basic.host, { dockerConfigPath: wrong }).getManifest('basic/a', 'latest'), { instanceOf: RegistryError });
    t.is(err.code, 'REGISTRY_UNAUTHORIZED');
    t.is(err.status, 401);
    t.is(err.message, `GET ${basic.url}/v2/basic/a/manifests/latest: 401 Unauthorized (UNAUTHORIZED: authentication required); the credentials for ${basic.host} were refused or lack access`);
    const none = await t.throwsAsync(clientFor(t, basic.host, { dockerConfigPath: null }).headBlob('basic/a', sha256Digest(Buffer.from('x'))), {
        instanceOf: RegistryError,
    });
    t.is(none.code, 'REGISTRY_UNAUTHORIZED');
    t.regex(none.message, /: 401 Unauthorized; no credentials for 127\.0\.0\.1:\d+ \(give --username\/--password or run docker login\)$/);
});
test.serial('token: bearer tokens are fetched per scope and cached', async (t) => {
    const c = clientFor(t, token.host, { username: token.username, password: token.password, dockerConfigPath: null });
    const before = token.tokenServer.requests.length;
    await roundTrip(c, 'tok/a', 'bearer token auth');
    const fetched = token.tokenServer.requests.slice(before);
    t.true(fetched.length >= 1 && fetched.length <= 2, `token requests: ${fetched.length}`);
    t.true(fetched.every((r) => r.granted && r.method === 'GET' && r.account === token.username));
    t.true(fetched.some((r) => r.scopes.includes('repository:tok/a:pull,push')));
    // More reads with the same scopes reuse the cached tokens.
    const cached = token.tokenServer.requests.length;
    await roundTrip(c, 'tok/a', 'bearer token auth, again');
    t.is(token.tokenServer.requests.length, cached);
    // A cross-repository mount asks for both repositories in one token.
    t.true(await c.mountBlob('tok/b', sha256Digest(Buffer.from('bearer token auth')), 'tok/a'));
    const last = token.tokenServer.requests.at(-1);
    t.deepEqual([...last.scopes].sort(), ['repository:tok/a:pull', 'repository:tok/b:pull,push']);
});
test.serial('token: an identity token from the docker config uses the OAuth2 refresh-token grant', async (t) => {
    const path = await dockerConfig(t, { [token.host]: { identitytoken: token.identityToken } });
    const before = token.tokenServer.requests.length;
    await roundTrip(clientFor(t, token.host, { dockerConfigPath: path }), 'tok/identity', 'oauth2');
    const fetched = token.tokenServer.requests.slice(before);
    t.true(fetched.length > 0 && fetched.every((r) => r.method === 'POST' && r.granted));
});
test.serial('token: wrong credentials and anonymous access are REGISTRY_UNAUTHORIZED', async (t) => {
    const wrong = await t.throwsAsync(clientFor(t, token.host, { username: token.username, password: 'wrong', dockerConfigPath: null }).getManifest('tok/a', 'latest'), { instanceOf: RegistryError });
    t.is(wrong.code, 'REGISTRY_UNAUTHORIZED');
    t.true(wrong.message.startsWith(`GET ${token.tokenServer.realm}: 401 Unauthorized`), wrong.message);
    t.false(wrong.message.includes('\n'));
    // Anonymous: the token server grants nothing, so the registry still says 401.
    const anonymous = await t.throwsAsync(clientFor(t, token.host, { dockerConfigPath: null }).getManifest('tok/a', 'latest'), { instanceOf: RegistryError });
    t.is(anonymous.code, 'REGISTRY_UNAUTHORIZED');
    t.true(anonymous.message.includes('/v2/tok/a/manifests/latest: 401'), anonymous.message);
});
test('redirects drop the Authorization header when the host changes, and keep it otherwise', async (t) => {
    const authorization = `Basic ${b64(`${basic.username}:${basic.password}`)}`;
    const proxy = await startCountingProxy(basic.host, { redirectedAuthorization: authorization });
    t.teardown(() => proxy.stop());
    const c = clientFor(t, proxy.host, { username: basic.username, password: basic.password, dockerConfigPath: null });
    const bytes = Buffer.from('redirected blob');
    const digest = sha256Digest(bytes);
    await c.pushBlob('redir', { digest, size: bytes.length }, bytes);
    proxy.failNext('redirect', { kind: 'blob', method: 'GET' });
    t.deepEqual(await c.getBlob('redir', digest), bytes);
    proxy.failNext('redirect-other-host', { kind: 'blob', method: 'GET' });
    t.deepEqual(await c.getBlob('redir', digest), bytes);
    const redirected = proxy.requests.filter((r) => r.redirected);
    t.is(redirected.length, 2);
    t.is(redirected[0].host, proxy.host);
    t.is(redirected[0].authorization, authorization);
    t.is(redirected[1].host, proxy.otherHost);
    t.is(redirected[1].authorization, undefined);
});
//# sourceMappingURL=registry-auth.test.js.map