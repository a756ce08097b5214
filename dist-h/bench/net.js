/**
 * `npm run bench:net`: what the shaped link of test/harness/network.ts really delivers, for each
 * way of adding the delay (NFQUEUE packet delay, delaying TCP proxy), at 100 Mbit/s and 10 ms
 * each way unless told otherwise:
 *   - round trip: `ping -U` (ICMP; the proxy does not delay it) and a 1-byte TCP request/answer
 *     on an open connection (what a chunk request pays before its first byte);
 *   - TCP goodput, host → root (download) and root → host (upload), a node sender and receiver;
 *   - one registry blob GET of 64 MiB through the shaped docker-registry (time to first byte and
 *     MB/s), and 16 sequential 1 MiB range GETs on one kept-alive connection (lazy loading's
 *     access pattern).
 * Each number is the median of 3 runs (1 MB = 10^6 bytes). Reference (docs/benchmarking.md):
 * 93 Mbit/s TCP and 11.3–11.6 MB/s for one blob GET over this link.
 *
 *   NET_RATE_MBIT=100 NET_DELAY_MS=10 NET_BURST=… NET_LIMIT=… NET_METHODS=nfqueue,proxy npm run bench:net
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { connect } from 'node:net';
import { RegistryClient } from '../src/blob/registry.js';
import { pseudoRandomBytes } from '../test/harness/layer-tar.js';
import { createShapedHost, startShapedRegistry } from '../test/harness/network.js';
import { printTable, writeResults } from './report.js';
const MB = 1e6;
const MiB = 1 << 20;
const RUNS = 3;
const rateMbit = Number(process.env.NET_RATE_MBIT ?? 100);
const delayMs = Number(process.env.NET_DELAY_MS ?? 10);
const methods = (process.env.NET_METHODS ?? 'nfqueue,proxy').split(',');
const shape = { rateMbit, delayMs };
if (process.env.NET_BURST)
    shape.burst = Number(process.env.NET_BURST);
if (process.env.NET_LIMIT)
    shape.limit = Number(process.env.NET_LIMIT);
function median(values) {
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
/**
 * A node program run inside the shaped namespace: on port 7100 it sends SIZE bytes to whoever
 * connects and closes; on 7101 it reads everything, then answers the byte count; on 7102 it echoes
 * each byte it receives (request/answer round trips).
 */
const PEER = `
const net = require('node:net');
const size = Number(process.argv[1]);
const block = Buffer.alloc(1 << 16, 7);
net.createServer((s) => {
  let left = size;
  const pump = () => { while (left > 0) { const n = Math.min(left, block.length); left -= n; if (!s.write(block.subarray(0, n))) return s.once('drain', pump); } s.end(); };
  pump();
}).listen(7100, '0.0.0.0');
net.createServer({ allowHalfOpen: true }, (s) => { let n = 0; s.on('data', (c) => { n += c.length; }); s.on('end', () => s.end(String(n))); }).listen(7101, '0.0.0.0');
net.createServer((s) => { s.setNoDelay(true); s.on('data', (c) => s.write(c)); }).listen(7102, '0.0.0.0', () => console.log('ready'));
`;
function split(address) {
    const i = address.lastIndexOf(':');
    return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}
/** Mbit/s of goodput from the first byte received to the end. */
function download(address, size) {
    return new Promise((resolve, reject) => {
        const s = connect(split(address));
        let first = 0;
        let got = 0;
        s.on('data', (c) => {
            if (first === 0)
                first = performance.now();
            got += c.length;
        });
        s.on('end', () => {
            const seconds = (performance.now() - first) / 1000;
            if (got !== size)
                reject(new Error(`download: ${got} of ${size} bytes`));
            else
                resolve((got * 8) / seconds / 1e6);
        });
        s.on('error', reject);
    });
}
/** Mbit/s from connect to the receiver's confirmation that it has every byte. */
function upload(address, size) {
    return new Promise((resolve, reject) => {
        const s = connect({ ...split(address), allowHalfOpen: true });
        const block = Buffer.alloc(1 << 16, 9);
        let left = size;
        let answer = '';
        let started = 0;
        const pump = () => {
            while (left > 0) {
                const n = Math.min(left, block.length);
                left -= n;
                if (!s.write(block.subarray(0, n))) {
                    s.once('drain', pump);
                    return;
                }
            }
            s.end();
        };
        s.on('connect', () => {
            started = performance.now();
            pump();
        });
        s.on('data', (c) => (answer += c.toString()));
        s.on('end', () => {
            const seconds = (performance.now() - started) / 1000;
            if (Number(answer) !== size)
                reject(new Error(`upload: receiver got ${answer} of ${size}`));
            else
                resolve((size * 8) / seconds / 1e6);
            s.destroy();
        });
        s.on('error', reject);
    });
}
/** Median ms of `n` 1-byte request/answer exchanges on one open connection. */
function tcpRoundTrip(address, n) {
    return new Promise((resolve, reject) => {
        const s = connect(split(address));
        s.setNoDelay(true);
        const times = [];
        let sent = 0;
        const next = () => {
            sent = performance.now();
            s.write('x');
        };
        s.on('connect', next);
        s.on('data', () => {
            times.push(performance.now() - sent);
            if (times.length < n)
                setTimeout(next, 20);
            else {
                s.destroy();
                resolve(median(times));
            }
        });
        s.on('error', reject);
    });
}
function pingAverage(target) {
    const out = execFileSync('ping', ['-c', '10', '-i', '0.2', '-U', target], { encoding: 'utf8' });
    return Number(/= [\d.]+\/([\d.]+)\//.exec(out)?.[1] ?? NaN);
}
/** GET a blob, returning seconds to the first body byte and to the end. */
function timedGet(agent, url, range) {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const req = http.get(url, { agent, headers: range ? { range } : {} }, (res) => {
            if ((res.statusCode ?? 0) >= 300) {
                res.resume();
                reject(new Error(`GET ${url}: ${res.statusCode}`));
                return;
            }
            let ttfb = 0;
            let bytes = 0;
            const hash = createHash('sha256');
            res.on('data', (c) => {
                if (ttfb === 0)
                    ttfb = (performance.now() - started) / 1000;
                bytes += c.length;
                hash.update(c);
            });
            res.on('end', () => resolve({ ttfb, total: (performance.now() - started) / 1000, bytes, digest: hash.digest('hex') }));
            res.on('error', reject);
        });
        req.on('error', reject);
    });
}
async function measureLink(link) {
    const peer = link.spawn(process.execPath, ['-e', PEER, String(32 * MiB)]);
    await new Promise((resolve, reject) => {
        peer.stdout.on('data', (d) => d.toString().includes('ready') && resolve());
        peer.once('exit', (code) => reject(new Error(`peer exited ${code}`)));
    });
    const runs = { tcpDownMbit: [], tcpUpMbit: [] };
    const down = await link.endpoint(7100);
    const up = await link.endpoint(7101);
    for (let i = 0; i < RUNS; i++) {
        runs.tcpDownMbit.push(await download(down, 32 * MiB));
        runs.tcpUpMbit.push(await upload(up, 32 * MiB));
    }
    const tcpRoundTripMs = await tcpRoundTrip(await link.endpoint(7102), 20);
    return {
        pingMs: pingAverage(link.nsAddress),
        tcpRoundTripMs,
        tcpDownMbit: median(runs.tcpDownMbit),
        tcpUpMbit: median(runs.tcpUpMbit),
        runs,
    };
}
async function measureRegistry(method) {
    const reg = await startShapedRegistry({ ...shape, delay: method });
    try {
        const blob = pseudoRandomBytes(64 * MiB, 1);
        const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
        const seed = new RegistryClient(await reg.seedHost(), { plainHttp: true, dockerConfigPath: null });
        await seed.pushBlob('bench/net', { digest, size: blob.length }, blob);
        await seed.close();
        const url = `http://${reg.host}/v2/bench/net/blobs/${digest}`;
        const runs = { blobGetMBps: [], blobTtfbMs: [], range1MiBMs: [] };
        for (let i = 0; i < RUNS; i++) {
            const agent = new http.Agent({ keepAlive: false });
            const r = await timedGet(agent, url);
            agent.destroy();
            if (r.bytes !== blob.length || `sha256:${r.digest}` !== digest)
                throw new Error('blob GET returned other bytes');
            runs.blobGetMBps.push(r.bytes / MB / r.total);
            runs.blobTtfbMs.push(r.ttfb * 1000);
        }
        // Lazy loading's pattern: 1 MiB ranges one after the other on a kept-alive connection.
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        await timedGet(agent, url, 'bytes=0-0');
        for (let i = 0; i < 16; i++) {
            const offset = ((i * 7) % 60) * MiB;
            const r = await timedGet(agent, url, `bytes=${offset}-${offset + MiB - 1}`);
            if (r.bytes !== MiB)
                throw new Error(`range GET returned ${r.bytes} bytes`);
            runs.range1MiBMs.push(r.total * 1000);
        }
        agent.destroy();
        const drops = (await reg.link.qdiscs()).reduce((s, q) => s + q.drops, 0);
        return {
            blobGetMBps: median(runs.blobGetMBps),
            blobTtfbMs: median(runs.blobTtfbMs),
            range1MiBMs: median(runs.range1MiBMs),
            tbfDrops: drops,
            runs,
        };
    }
    finally {
        await reg.stop();
    }
}
async function main() {
    const results = [];
    for (const method of methods) {
        process.stderr.write(`bench:net: ${method} …\n`);
        const link = await createShapedHost({ ...shape, delay: method });
        let linkPart;
        try {
            linkPart = await measureLink(link);
        }
        finally {
            await link.destroy();
        }
        const regPart = await measureRegistry(method);
        results.push({ method, ...linkPart, ...regPart, runs: { ...linkPart.runs, ...regPart.runs } });
    }
    const f = (n, d = 1) => n.toFixed(d);
    printTable(['delay', 'tbf', 'ping -U ms', 'TCP rtt ms', 'TCP down Mbit/s', 'TCP up Mbit/s', 'blob GET MB/s', 'GET ttfb ms', '1 MiB range ms', 'tbf drops'], results.map((r) => [
        r.method,
        `${rateMbit} Mbit/s, ${delayMs} ms`,
        f(r.pingMs),
        f(r.tcpRoundTripMs),
        f(r.tcpDownMbit),
        f(r.tcpUpMbit),
        f(r.blobGetMBps, 2),
        f(r.blobTtfbMs),
        f(r.range1MiBMs),
        String(r.tbfDrops),
    ]));
    process.stdout.write(`reference (docs/benchmarking.md): TCP 93 Mbit/s, one blob GET 11.3–11.6 MB/s at 100 Mbit/s and 10 ms each way\n`);
    const file = writeResults('net', { rateMbit, delayMs, burst: shape.burst, limit: shape.limit, runsPerNumber: RUNS, results });
    process.stdout.write(`results: ${file}\n`);
}
main().catch((err) => {
    process.stderr.write(`bench:net failed: ${err.stack ?? String(err)}\n`);
    process.exitCode = 1;
});
//# sourceMappingURL=net.js.map