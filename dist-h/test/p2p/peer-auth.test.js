/**
 * The peer server never serves without authentication by accident: without the cluster token or
 * mTLS the daemon (and the library) refuse to start, in one line naming the fixes; the explicit
 * insecure setting starts it with a warning, and a configured token is still enforced.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request } from 'undici';
import { openBlobCache } from '../../src/cache/index.js';
import { ConfigError } from '../../src/errors.js';
import { setLogLevel } from '../../src/log.js';
import { PeerServer } from '../../src/p2p/peer-server.js';
import { peerBlobPath } from '../../src/p2p/peer-protocol.js';
import { startDaemonProcess } from '../harness/daemon.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIX = /p2p\.token_file.*--peer-token-file.*DARNER_PEER_TOKEN.*p2p\.tls_ca.*p2p\.insecure = true \(--peer-insecure\)/;
setLogLevel('error');
async function tempDir(t, prefix) {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return dir;
}
async function cache(t) {
    const c = await openBlobCache({ dir: await tempDir(t, 'darner-peer-auth-cache-') });
    t.teardown(() => c.close());
    return c;
}
test('darner daemon with P2P but no token or mTLS refuses to start, in one line naming the fixes', async (t) => {
    const dir = await tempDir(t, 'darner-peer-auth-');
    const env = { ...process.env, DARNER_LOG_LEVEL: 'warn' };
    delete env.DARNER_PEER_TOKEN;
    const args = [CLI, 'daemon', '--socket', join(dir, 's.sock'), '--cache', join(dir, 'cache'), '--state', join(dir, 'state'), '--scheduler', '127.0.0.1:1', '--peer-listen', '127.0.0.1:0'];
    // A daemon that starts anyway is killed by the timeout: its stderr then holds no such line.
    const err = await t.throwsAsync(run(process.execPath, args, { env, timeout: 60_000 }));
    const { stderr, code } = err;
    t.is(code, 1);
    t.regex(stderr, /^darner: p2p: the peer server needs the cluster token [^\n]* \[BAD_CONFIG\]\n$/);
    t.regex(stderr, FIX);
});
test('darner daemon --peer-insecure starts the peer without a token and says so at warn level', async (t) => {
    const daemon = await startDaemonProcess({ args: ['--scheduler', '127.0.0.1:1', '--peer-listen', '127.0.0.1:0', '--peer-insecure'] });
    t.teardown(() => daemon.cleanup());
    t.is(daemon.status.p2p?.scheduler, '127.0.0.1:1');
    const warning = daemon.logs.split('\n').filter((l) => l.includes('serving WITHOUT authentication'));
    t.is(warning.length, 1, daemon.logs.slice(-2000));
    t.is(JSON.parse(warning[0]).level, 40, 'pino warn');
});
test('PeerServer: refused without token or mTLS; insecure serves anyone; a configured token is enforced either way', async (t) => {
    const c = await cache(t);
    const base = { cache: c, host: '127.0.0.1', port: 0, hostId: 'auth-test' };
    const refused = await t.throwsAsync(PeerServer.start(base), { instanceOf: ConfigError });
    t.regex(refused.message, FIX);
    const path = peerBlobPath('e'.repeat(64));
    const range = 'bytes=0-99';
    const status = async (server, headers) => {
        const res = await request(`http://${server.address}${path}`, { headers: { range, ...headers } });
        await res.body.arrayBuffer();
        return res.statusCode;
    };
    const open = await PeerServer.start({ ...base, insecure: true });
    t.teardown(() => open.close());
    t.is(await status(open, {}), 404, 'no token asked: the request reaches the cache (which lacks the blob)');
    const guarded = await PeerServer.start({ ...base, insecure: true, token: 'cluster-secret' });
    t.teardown(() => guarded.close());
    t.is(await status(guarded, {}), 401);
    t.is(await status(guarded, { authorization: 'Bearer wrong' }), 401);
    t.is(await status(guarded, { authorization: 'Bearer cluster-secret' }), 404);
});
//# sourceMappingURL=peer-auth.test.js.map