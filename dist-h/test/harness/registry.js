/**
 * Test harness: a real registry (Debian's `docker-registry`, the CNCF distribution registry 2.8)
 * on 127.0.0.1, optionally behind basic (htpasswd) or bearer-token auth, and a counting,
 * fault-injecting HTTP proxy to put in front of it.
 *
 *   const reg = await startRegistry();                 // anonymous, read-write
 *   t.teardown(() => reg.stop());
 *   const client = new RegistryClient(reg.host);       // plain http: 127.0.0.1 is loopback
 *
 *   const reg = await startRegistry({ auth: 'htpasswd' });   // reg.username / reg.password
 *   const reg = await startRegistry({ auth: 'token' });      // plus reg.tokenServer
 *
 *   const proxy = await startCountingProxy(reg.host);
 *   proxy.failNext(500, { kind: 'blob' });             // next blob request answers 500
 *   proxy.bytesServed('blob');                         // body bytes served for blob paths
 *
 *   const reg = await startRegistry({ netns, listenAddress, port });  // inside a namespace
 *                                                      // (network.ts: startShapedRegistry)
 *
 * Every process and temp directory is removed by stop(); call it from t.teardown. As a safety net
 * registries still running when the test process exits are killed.
 */
import { spawn, execFile } from 'node:child_process';
import { createSign, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
const run = promisify(execFile);
const running = new Set();
process.on('exit', () => {
    for (const child of running)
        child.kill('SIGKILL');
});
/** A free TCP port on 127.0.0.1 (free when asked; the caller retries if someone takes it). */
/**
 * A port that is free now, for a server a test starts later (or restarts on the same port).
 * Picked below the kernel's ephemeral range (32768 and up), where no `listen(0)` or outgoing
 * connection of a concurrent test can take it between this check and the test's own bind; each
 * process walks its own sequence, starting from its pid, and checks each port by binding it.
 */
export async function freePort(host = '127.0.0.1') {
    for (let tries = 0; tries < 200; tries++) {
        const port = FIXED_PORT_FIRST + (nextFixedPort++ % FIXED_PORT_COUNT);
        if (await canBind(port, host))
            return port;
    }
    throw new Error(`no free port below the ephemeral range on ${host}`);
}
const FIXED_PORT_FIRST = 12_000;
const FIXED_PORT_COUNT = 20_000;
let nextFixedPort = (process.pid * 257) % FIXED_PORT_COUNT;
function canBind(port, host) {
    return new Promise((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, host, () => server.close(() => resolve(true)));
    });
}
function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
/** Polls `GET url` until it answers with any HTTP status, or throws after `timeoutMs`. */
async function waitForHttp(url, timeoutMs, alive) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const ok = await new Promise((resolve) => {
            const req = http.get(url, (res) => {
                res.resume();
                resolve(true);
            });
            req.on('error', () => resolve(false));
            req.setTimeout(1000, () => req.destroy());
        });
        if (ok)
            return;
        if (!alive())
            throw new Error(`process behind ${url} exited before it was ready`);
        if (Date.now() > deadline)
            throw new Error(`${url} not ready after ${timeoutMs} ms`);
        await sleep(50);
    }
}
/** Starts a registry as described in the module comment. */
export async function startRegistry(options = {}) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-registry-'));
    const storageDir = options.storageDir ?? join(dir, 'storage');
    const listenAddress = options.listenAddress ?? '127.0.0.1';
    const configPath = join(dir, 'config.yml');
    let logs = '';
    const appendLog = (chunk) => {
        logs += chunk.toString('utf8');
        if (logs.length > 1 << 20)
            logs = logs.slice(-(1 << 20));
    };
    const username = options.username ?? 'darner';
    const password = options.password ?? randomBytes(9).toString('base64url');
    const identityToken = options.identityToken ?? randomBytes(12).toString('hex');
    let authYaml = '';
    let tokenServer;
    try {
        if (options.auth === 'htpasswd') {
            const { stdout } = await run('htpasswd', ['-Bbn', username, password]);
            await writeFile(join(dir, 'htpasswd'), stdout);
            authYaml = `auth:\n  htpasswd:\n    realm: darner-test\n    path: ${join(dir, 'htpasswd')}\n`;
        }
        else if (options.auth === 'token') {
            tokenServer = await startTokenServer(dir, { username, password, identityToken, ttl: options.tokenTtlSeconds ?? 300 });
            authYaml =
                `auth:\n  token:\n    realm: ${tokenServer.handle.realm}\n    service: ${tokenServer.handle.service}\n` +
                    `    issuer: ${tokenServer.issuer}\n    rootcertbundle: ${tokenServer.certPath}\n`;
        }
    }
    catch (err) {
        await tokenServer?.close();
        await rm(dir, { recursive: true, force: true });
        throw err;
    }
    let port = 0;
    let child;
    let exited = Promise.resolve();
    const writeConfig = async () => {
        const yaml = `version: 0.1\n` +
            `log:\n  level: info\n  accesslog:\n    disabled: false\n` +
            `storage:\n  filesystem:\n    rootdirectory: ${storageDir}\n  delete:\n    enabled: true\n` +
            `  maintenance:\n    uploadpurging:\n      enabled: false\n` +
            `http:\n  addr: ${listenAddress}:${port}\n  secret: ${randomBytes(16).toString('hex')}\n` +
            authYaml;
        await writeFile(configPath, yaml);
    };
    const launch = async () => {
        // nsenter switches only the network namespace (the storage path stays the same).
        const [cmd, args] = options.netns === undefined
            ? ['docker-registry', ['serve', configPath]]
            : ['nsenter', [`--net=/run/netns/${options.netns}`, '--', 'docker-registry', 'serve', configPath]];
        const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        child = proc;
        running.add(proc);
        let alive = true;
        exited = new Promise((resolve) => {
            proc.once('exit', () => {
                alive = false;
                running.delete(proc);
                resolve();
            });
            proc.once('error', (err) => {
                appendLog(Buffer.from(`spawn error: ${err.message}\n`));
                alive = false;
                running.delete(proc);
                resolve();
            });
        });
        proc.stdout.on('data', appendLog);
        proc.stderr.on('data', appendLog);
        await waitForHttp(`http://${listenAddress}:${port}/v2/`, 20_000, () => alive);
    };
    const kill = async () => {
        const proc = child;
        if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null)
            return;
        proc.kill('SIGTERM');
        // A frozen registry acts on SIGTERM only once it runs again.
        proc.kill('SIGCONT');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
    };
    let stopped = false;
    const stop = async () => {
        if (stopped)
            return;
        stopped = true;
        await kill();
        await tokenServer?.close();
        await rm(dir, { recursive: true, force: true });
    };
    // The port is free when chosen but may be taken before the registry binds it: retry.
    for (let attempt = 1;; attempt++) {
        port = options.port ?? await freePort();
        await writeConfig();
        try {
            await launch();
            break;
        }
        catch (err) {
            await kill();
            if (attempt >= 3) {
                await stop();
                throw new Error(`docker-registry did not start: ${err.message}\n${logs.slice(-4000)}`);
            }
        }
    }
    const handle = {
        host: `${listenAddress}:${port}`,
        url: `http://${listenAddress}:${port}`,
        storageDir,
        get logs() {
            return logs;
        },
        blobDataPath(digest) {
            const hex = digest.replace(/^sha256:/, '');
            return join(storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
        },
        async restart() {
            await kill();
            await launch();
        },
        kill,
        start: launch,
        stop,
        freeze() {
            child?.kill('SIGSTOP');
        },
        thaw() {
            child?.kill('SIGCONT');
        },
    };
    if (options.auth !== undefined) {
        handle.username = username;
        handle.password = password;
    }
    if (tokenServer !== undefined) {
        handle.identityToken = identityToken;
        handle.tokenServer = tokenServer.handle;
    }
    return handle;
}
function base64url(data) {
    return Buffer.from(data).toString('base64url');
}
/**
 * Issues RS256 JWTs the registry accepts: the header carries the signing certificate as `x5c`,
 * which the registry verifies against its `rootcertbundle` (the same self-signed certificate).
 * The one account gets every action it asks for; anyone else gets a token granting nothing.
 */
async function startTokenServer(dir, acct) {
    const keyPath = join(dir, 'token.key');
    const certPath = join(dir, 'token.crt');
    await run('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath,
        '-days', '2', '-subj', '/CN=darner-test-token-issuer',
    ]);
    const key = await readFile(keyPath, 'utf8');
    const certDer = new X509Certificate(await readFile(certPath)).raw;
    const issuer = 'darner-test-issuer';
    const service = 'darner-test-registry';
    const requests = [];
    const sign = (subject, access) => {
        const now = Math.floor(Date.now() / 1000);
        const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
        const claims = { iss: issuer, sub: subject, aud: service, exp: now + acct.ttl, nbf: now - 10, iat: now, jti: randomUUID(), access };
        const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
        const signature = createSign('RSA-SHA256').update(input).sign(key);
        return `${input}.${base64url(signature)}`;
    };
    const grant = (scopes) => scopes.flatMap((scope) => scope.split(' ')).flatMap((scope) => {
        // repository:name:actions — the name may itself hold a colon (host:port), actions never do.
        const first = scope.indexOf(':');
        const last = scope.lastIndexOf(':');
        if (first === -1 || last === first)
            return [];
        return [{ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',') }];
    });
    const handler = (req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            const url = new URL(req.url ?? '/', 'http://x');
            let scopes = url.searchParams.getAll('scope');
            let user;
            let authenticated = false;
            let rejected = false;
            if (req.method === 'POST') {
                // OAuth2 flow (docker login with an identity token): a form with grant_type.
                const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
                scopes = form.getAll('scope');
                user = form.get('username') ?? undefined;
                const grantType = form.get('grant_type');
                if (grantType === 'refresh_token') {
                    authenticated = form.get('refresh_token') === acct.identityToken;
                    user = acct.username;
                }
                else if (grantType === 'password') {
                    authenticated = user === acct.username && form.get('password') === acct.password;
                }
                rejected = !authenticated;
            }
            else {
                const auth = req.headers.authorization;
                if (auth?.startsWith('Basic ')) {
                    const [name = '', ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
                    user = name;
                    authenticated = name === acct.username && rest.join(':') === acct.password;
                    rejected = !authenticated;
                }
            }
            requests.push({ method: req.method ?? 'GET', scopes, ...(user !== undefined ? { account: user } : {}), granted: authenticated });
            if (rejected) {
                res.writeHead(401, { 'content-type': 'application/json' });
                res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
                return;
            }
            const token = sign(authenticated ? acct.username : '', authenticated ? grant(scopes) : []);
            res.writeHead(200, { 'content-type': 'application/json' });
            // GET answers carry both names, as Docker Hub's do; the OAuth2 POST answers access_token.
            const body = req.method === 'POST'
                ? { access_token: token, expires_in: acct.ttl, scope: scopes.join(' ') }
                : { token, access_token: token, expires_in: acct.ttl, issued_at: new Date().toISOString() };
            res.end(JSON.stringify(body));
        });
    };
    const server = http.createServer(handler);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    return {
        handle: { realm: `http://127.0.0.1:${port}/token`, service, requests },
        issuer,
        certPath,
        close: () => new Promise((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}
export * from './counting-proxy.js';
//# sourceMappingURL=registry.js.map