/**
 * `darner get`, all real: a loopback HTTP server with Range support (the origin, counting the
 * bytes it sends), `darner get` processes, and for the peer network a `darner scheduler` with four
 * `darner daemon`s whose mirrors serve the downloads.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { startPeerDaemons, startSchedulerProcess, stopAll, writeTokenFile } from '../harness/p2p-cluster.js';
import { eventually } from '../p2p/helpers.js';
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const MiB = 1 << 20;
const sha = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
async function serveFile(data) {
    let sent = 0;
    let cut;
    const ranges = [];
    const server = http.createServer((req, res) => {
        if (req.method === 'HEAD')
            return void res.writeHead(200, { 'content-length': String(data.length) }).end();
        ranges.push(req.headers.range);
        const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
        const start = m ? Number(m[1]) : 0;
        const end = m && m[2] !== '' ? Number(m[2]) + 1 : data.length;
        if (start >= data.length)
            return void res.writeHead(416).end();
        res.writeHead(m ? 206 : 200, { 'content-length': String(end - start), ...(m ? { 'content-range': `bytes ${start}-${end - 1}/${data.length}` } : {}) });
        let body = data.subarray(start, end);
        const cutAt = cut;
        cut = undefined;
        if (cutAt !== undefined)
            body = body.subarray(0, cutAt);
        sent += body.length;
        res.write(body, () => {
            if (cutAt !== undefined)
                res.destroy();
            else
                res.end();
        });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        url: `http://127.0.0.1:${server.address().port}/files/model.bin`,
        sent: () => sent,
        ranges,
        cutNextAfter: (n) => {
            cut = n;
        },
        stop: () => new Promise((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}
function get(args) {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, 'get', ...args], { maxBuffer: 1 << 20, timeout: 300_000 }, (err, stdout, stderr) => {
            resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
        });
    });
}
test('a wrong --digest fails in one line and leaves no file', async (t) => {
    const data = pseudoRandomBytes(3 * MiB, 401);
    const server = await serveFile(data);
    t.teardown(() => server.stop());
    const dir = await mkdtemp(join(tmpdir(), 'darner-get-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const out = join(dir, 'model.bin');
    const wrong = sha(Buffer.from('something else'));
    const r = await get([server.url, '-o', out, '--digest', wrong, '--direct', '-q']);
    t.not(r.code, 0);
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    t.regex(r.stderr, /^darner: .*digest mismatch.*\[DIGEST_MISMATCH\]\n$/);
    t.false(existsSync(out), 'no file');
    t.false(existsSync(`${out}.part`), 'no partial file either');
    // The right digest: the file, whole.
    const ok = await get([server.url, '-o', out, '--digest', sha(data), '--direct', '-q']);
    t.is(ok.code, 0, ok.stderr);
    t.true((await readFile(out)).equals(data));
});
test('an interrupted download resumes where it stopped', async (t) => {
    const data = pseudoRandomBytes(20 * MiB, 402);
    const server = await serveFile(data);
    t.teardown(() => server.stop());
    const dir = await mkdtemp(join(tmpdir(), 'darner-get-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const out = join(dir, 'model.bin');
    server.cutNextAfter(7 * MiB);
    const first = await get([server.url, '-o', out, '--digest', sha(data), '--direct', '-q']);
    t.not(first.code, 0);
    t.regex(first.stderr, /^darner: .*run again to resume.*\n$/);
    t.false(existsSync(out));
    const kept = (await stat(`${out}.part`)).size;
    t.true(kept > 0 && kept <= 7 * MiB, `${kept} bytes kept`);
    const before = server.sent();
    const second = await get([server.url, '-o', out, '--digest', sha(data), '--direct']);
    t.is(second.code, 0, second.stderr);
    t.regex(second.stdout, new RegExp(`resumed after ${kept}`));
    t.is(server.ranges[1], `bytes=${kept}-`, 'the second run asked only for the rest');
    t.true((await readFile(out)).equals(data));
    t.is(server.sent() - before, data.length - kept, 'the second run fetched only what was missing');
    t.false(existsSync(`${out}.part`));
});
test('a download through the daemon resumes with a range: the mirror answers 206 with the rest only', async (t) => {
    const data = pseudoRandomBytes(6 * MiB + 123, 404);
    const server = await serveFile(data);
    t.teardown(() => server.stop());
    const daemon = await startDaemonProcess({ configToml: '[mirror]\nlisten = "127.0.0.1:0"\npiece_size = 1048576\n' });
    t.teardown(() => daemon.cleanup());
    const dir = await mkdtemp(join(tmpdir(), 'darner-get-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const out = join(dir, 'model.bin');
    // What an interrupted run leaves: the first bytes in the part.
    const kept = 2 * MiB + 77;
    await writeFile(`${out}.part`, data.subarray(0, kept));
    const r = await get([server.url, '-o', out, '--digest', sha(data), '--daemon', daemon.socket]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, new RegExp(`resumed after ${kept} \\(through the daemon\\)`));
    t.true((await readFile(out)).equals(data));
    t.is(await daemon.metric('darner_mirror_requests_total', { kind: 'file', status: '206' }), 1, 'the mirror answered the range');
    t.is(await daemon.metric('darner_mirror_requests_total', { kind: 'file', status: '200' }), 0);
});
test.serial('4 daemons get a 100 MiB file at once through their mirrors: right bytes everywhere, the origin sends it at most 1.1x', async (t) => {
    const data = pseudoRandomBytes(100 * MiB, 403);
    const digest = sha(data);
    const server = await serveFile(data);
    t.teardown(() => server.stop());
    const token = await writeTokenFile('get-token');
    t.teardown(() => token.remove());
    const scheduler = await startSchedulerProcess({ tokenFile: token.path });
    t.teardown(() => scheduler.stop());
    const nodes = await startPeerDaemons(4, { schedulers: [scheduler.address], tokenFile: token.path, configToml: '[mirror]\nlisten = "127.0.0.1:0"\n' });
    t.teardown(() => stopAll(nodes));
    await eventually(async () => (await Promise.all(nodes.map(async (n) => (await n.client.status()).p2p?.state === 'ready'))).every(Boolean), 30_000, 'every peer registered');
    const dir = await mkdtemp(join(tmpdir(), 'darner-get-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const results = await Promise.all(nodes.map((n, i) => get([server.url, '-o', join(dir, `model-${i}.bin`), '--digest', digest, '--daemon', n.socket])));
    for (const r of results) {
        t.is(r.code, 0, r.stderr);
        t.regex(r.stdout, /through the daemon/);
    }
    for (let i = 0; i < nodes.length; i++)
        t.is(sha(await readFile(join(dir, `model-${i}.bin`))), digest);
    for (const n of nodes)
        t.log(n.hostId, await n.metric('darner_mirror_blob_bytes_total', { source: 'origin' }), await n.metric('darner_mirror_blob_bytes_total', { source: 'peer' }), await n.metric('darner_mirror_blobs_total', { role: 'lead' }));
    t.log(`origin sent ${server.sent()} bytes for a file of ${data.length} (${(server.sent() / data.length).toFixed(3)}x)`);
    t.true(server.sent() <= 1.1 * data.length, `origin sent ${server.sent()} bytes`);
});
//# sourceMappingURL=get.test.js.map