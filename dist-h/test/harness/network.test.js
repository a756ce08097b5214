/**
 * The network harness does what it says: shaped links with the configured tbf rate, a delay that
 * a round trip crosses, a delaying proxy that keeps bytes, order, half-close and backpressure,
 * switch hosts that reach each other and the shaped registry, a scratch ext4 filesystem, and
 * nothing left behind by destroy(), by SIGTERM or (through the stale cleanup) by SIGKILL.
 * Round-trip times are logged, never asserted: speed is for `npm run bench:net`.
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RegistryClient } from '../../src/blob/registry.js';
import { startDelayProxy } from './delay-proxy.js';
import { pseudoRandomBytes } from './layer-tar.js';
import { cleanupStale, pidOfName, STATE_DIR } from './netlab.js';
import { createScratchFs, createShapedHost, createSwitch, startShapedRegistry } from './network.js';
import { parseQdiscJson, tbfCommand, tbfParams } from './shaping.js';
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
function namespaces() {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}
function links() {
    return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '').filter(Boolean);
}
function mounted(dir) {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}
/** `ping -c 3 -U` from the root namespace or a host; the average round trip in ms. */
async function pingAverage(target, from) {
    const args = ['-c', '3', '-i', '0.2', '-W', '2', '-U', target];
    const stdout = from ? (await from.exec('ping', args)).stdout : execFileSync('ping', args, { encoding: 'utf8' });
    const m = /= [\d.]+\/([\d.]+)\//.exec(stdout);
    if (!m)
        throw new Error(`no round trip in ping output: ${stdout}`);
    return Number(m[1]);
}
/**
 * Sends `up` to an echo-like server and reads its answer: the server (a node process inside
 * `host`, or in this process when host is undefined) reads everything slowly (backpressure),
 * then answers with `down` and closes. Returns what each side received.
 */
const SLOW_SERVER = `
const net = require('node:net');
const [port, downSeed, downSize] = process.argv.slice(1).map(Number);
function bytes(size, seed) { const b = Buffer.alloc(size); let x = seed >>> 0; for (let i = 0; i < size; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[i] = x >>> 24; } return b; }
const down = bytes(downSize, downSeed);
net.createServer({ allowHalfOpen: true }, (s) => {
  const h = require('node:crypto').createHash('sha256'); let n = 0;
  s.on('data', (c) => { h.update(c); n += c.length; s.pause(); setTimeout(() => s.resume(), 2); });
  s.on('end', () => { process.stdout.write('got ' + n + ' ' + h.digest('hex') + '\\n'); s.end(down); });
}).listen(port, '0.0.0.0', () => process.stdout.write('listening\\n'));
`;
function lcgBytes(size, seed) {
    const b = Buffer.alloc(size);
    let x = seed >>> 0;
    for (let i = 0; i < size; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        b[i] = x >>> 24;
    }
    return b;
}
async function exchange(address, up, readSlowly) {
    const [host, port] = address.split(':');
    const socket = connect({ host: host, port: Number(port), allowHalfOpen: true });
    const chunks = [];
    const done = new Promise((resolve, reject) => {
        socket.on('data', (c) => {
            chunks.push(c);
            if (readSlowly) {
                socket.pause();
                setTimeout(() => socket.resume(), 2);
            }
        });
        socket.on('end', () => resolve(Buffer.concat(chunks)));
        socket.on('error', reject);
    });
    // Many small writes: the proxy must forward each chunk as it is, in order.
    for (let off = 0; off < up.length; off += 16384)
        socket.write(up.subarray(off, off + 16384));
    socket.end();
    const got = await done;
    socket.destroy();
    return got;
}
test('tbf parameters: a round trip of queue, a bucket of at least 32 KiB, bad values refused', (t) => {
    const p = tbfParams({ rateMbit: 100, delayMs: 10 });
    t.is(p.rateBytes, 12_500_000);
    t.is(p.burstBytes, 32 * 1024);
    t.is(p.limitBytes, 250_000 + 32 * 1024);
    t.deepEqual(tbfParams({ rateMbit: 1000, delayMs: 0, burst: 100_000, limit: 500_000 }), { rateBytes: 125_000_000, burstBytes: 100_000, limitBytes: 500_000 });
    t.deepEqual(tbfCommand('r0', p), ['qdisc', 'replace', 'dev', 'r0', 'root', 'tbf', 'rate', '100000000bit', 'burst', '32768', 'limit', String(250_000 + 32 * 1024)]);
    t.throws(() => tbfParams({ rateMbit: 0, delayMs: 10 }), { instanceOf: RangeError });
    t.throws(() => tbfParams({ rateMbit: 100, delayMs: -1 }), { instanceOf: RangeError });
    t.throws(() => tbfParams({ rateMbit: 100, delayMs: 1, burst: 100 }), { instanceOf: RangeError });
    t.throws(() => tbfParams({ rateMbit: 100, delayMs: 1, burst: 64_000, limit: 10_000 }), { instanceOf: RangeError });
});
test('qdisc JSON: tbf rate and burst read back; junk gives nothing', (t) => {
    const json = '[{"kind":"tbf","handle":"8005:","dev":"r0","root":true,"options":{"rate":12500000,"burst":32762,"lat":21379},"bytes":10,"packets":1,"drops":2},{"kind":"noqueue"}]';
    t.deepEqual(parseQdiscJson(json), [
        { kind: 'tbf', dev: 'r0', rateBytes: 12_500_000, burstBytes: 32762, sentBytes: 10, packets: 1, drops: 2 },
        { kind: 'noqueue', sentBytes: 0, packets: 0, drops: 0 },
    ]);
    t.deepEqual(parseQdiscJson('not json'), []);
    t.deepEqual(parseQdiscJson('{"kind":"tbf"}'), []);
    t.deepEqual(parseQdiscJson('[null, 3]'), []);
});
test('harness names carry the creating pid', (t) => {
    t.is(pidOfName('darnet-1234-0-host'), 1234);
    t.is(pidOfName(`dn${(98765).toString(36)}-3h`), 98765);
    t.is(pidOfName('darner-scratch-42-1'), 42);
    t.is(pidOfName('eth0'), undefined);
    t.is(pidOfName('darnet-x'), undefined);
});
test('delay proxy: bytes identical in both directions under backpressure, half-close kept', async (t) => {
    const server = createServer({ allowHalfOpen: true }, (s) => {
        const parts = [];
        s.on('data', (c) => {
            parts.push(c);
            s.pause();
            setTimeout(() => s.resume(), 1);
        });
        // Answer only after the client's end arrived through the proxy: half-close must travel.
        s.on('end', () => s.end(Buffer.concat([Buffer.from(sha256(Buffer.concat(parts)), 'hex'), lcgBytes(3 << 20, 7)])));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => server.close());
    const proxy = await startDelayProxy({
        listenHost: '127.0.0.1',
        targetHost: '127.0.0.1',
        targetPort: server.address().port,
        delayMs: 5,
        highWaterBytes: 256 * 1024, // small, so pausing the source is exercised
    });
    t.teardown(() => proxy.close());
    const up = pseudoRandomBytes(3 << 20, 11);
    const started = performance.now();
    const got = await exchange(proxy.host, up, true);
    t.log(`3 MiB each way through the proxy with a slow reader on both sides: ${(performance.now() - started).toFixed(0)} ms`);
    t.is(got.subarray(0, 32).toString('hex'), sha256(up));
    t.is(sha256(got.subarray(32)), sha256(lcgBytes(3 << 20, 7)));
    t.is(proxy.bytesUp, up.length);
    t.is(proxy.bytesDown, got.length);
    await proxy.close();
    await proxy.close();
});
for (const delay of ['nfqueue', 'proxy']) {
    test(`shaped host (${delay} delay): tbf both ways at the rate, the path delayed, data intact, all removed`, async (t) => {
        const link = await createShapedHost({ rateMbit: 100, delayMs: 10, delay });
        t.teardown(() => link.destroy());
        const qdiscs = await link.qdiscs();
        t.deepEqual(qdiscs.map((q) => q.dev).sort(), ['r0', 'r1']);
        for (const q of qdiscs) {
            t.is(q.rateBytes, 12_500_000);
            t.true((q.burstBytes ?? 0) > 30_000);
        }
        t.log(`${delay}: ping -U root → host: avg ${(await pingAverage(link.nsAddress)).toFixed(1)} ms (10 ms each way configured)`);
        // A server inside the namespace; the client in the root namespace uses endpoint().
        const server = link.spawn(process.execPath, ['-e', SLOW_SERVER, '7000', '5', String(2 << 20)]);
        const out = [];
        server.stdout.on('data', (d) => out.push(d.toString()));
        await new Promise((resolve, reject) => {
            server.stdout.on('data', () => out.join('').includes('listening') && resolve());
            server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
        });
        const endpoint = await link.endpoint(7000);
        t.is(endpoint, delay === 'nfqueue' ? `${link.nsAddress}:7000` : `${link.hostAddress}:${endpoint.split(':')[1]}`);
        const up = pseudoRandomBytes(2 << 20, 3);
        const started = performance.now();
        const got = await exchange(endpoint, up, true);
        t.log(`${delay}: 2 MiB up and 2 MiB down through the shaped link: ${(performance.now() - started).toFixed(0)} ms`);
        t.is(sha256(got), sha256(lcgBytes(2 << 20, 5)));
        t.true(out.join('').includes(`got ${up.length} ${sha256(up)}`));
        // The bytes crossed the shaped devices.
        const after = await link.qdiscs();
        for (const q of after)
            t.true(q.sentBytes > 2 << 20, `${q.dev} sent ${q.sentBytes}`);
        const names = [link.ns, link.linkNs];
        t.true(links().includes(link.rootDevice));
        await link.destroy();
        await link.destroy();
        t.true(server.exitCode !== null || server.signalCode !== null);
        for (const n of names)
            t.false(namespaces().includes(n), `namespace ${n} left`);
        t.false(links().includes(link.rootDevice), `link ${link.rootDevice} left`);
        t.false(execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' }).includes(link.nsAddress.replace(/\.6$/, '.4/30')));
        t.false(existsSync(`${STATE_DIR}/subnet-${link.nsAddress.replace(/\.6$/, '')}`));
    });
}
test('switch: hosts reach each other and the shaped registry; destroy removes them', async (t) => {
    const reg = await startShapedRegistry({ rateMbit: 100, delayMs: 10 });
    t.teardown(() => reg.stop());
    const sw = await createSwitch();
    t.teardown(() => sw.destroy());
    const a = await sw.addHost();
    const b = await sw.addHost();
    t.not(a.address, b.address);
    t.log(`switch: ping a → b avg ${(await pingAverage(b.address, a)).toFixed(2)} ms; a → registry host avg ${(await pingAverage(reg.link.nsAddress, a)).toFixed(1)} ms`);
    // TCP between switch hosts.
    const server = b.spawn(process.execPath, ['-e', SLOW_SERVER, '7001', '9', '4096']);
    await new Promise((resolve) => server.stdout.on('data', (d) => d.toString().includes('listening') && resolve()));
    const { stdout: fromB } = await a.exec(process.execPath, ['-e', `
    const s = require('node:net').connect(7001, '${b.address}', () => s.end('hello'));
    const parts = []; s.on('data', (c) => parts.push(c)); s.on('end', () => console.log(require('node:crypto').createHash('sha256').update(Buffer.concat(parts)).digest('hex')));`]);
    t.is(fromB.trim(), sha256(lcgBytes(4096, 9)));
    // A blob pushed through the seed registry, read through reg.host from a switch host and root.
    const blob = pseudoRandomBytes(1 << 20, 21);
    const digest = `sha256:${sha256(blob)}`;
    const seed = new RegistryClient(await reg.seedHost(), { plainHttp: true, dockerConfigPath: null });
    t.teardown(() => seed.close());
    await seed.pushBlob('bench/net', { digest, size: blob.length }, blob);
    const { stdout: fromRegistry } = await a.exec(process.execPath, ['-e', `
    fetch('http://${reg.host}/v2/bench/net/blobs/${digest}').then(async (r) => {
      const b = Buffer.from(await r.arrayBuffer());
      console.log(r.status, require('node:crypto').createHash('sha256').update(b).digest('hex'));
    });`]);
    t.is(fromRegistry.trim(), `200 ${sha256(blob)}`);
    const root = new RegistryClient(reg.host, { plainHttp: true, dockerConfigPath: null });
    t.teardown(() => root.close());
    t.is(sha256(await root.getBlob('bench/net', digest)), sha256(blob));
    const names = sw.hosts.map((h) => h.ns);
    const bridge = sw.bridge;
    await sw.destroy();
    await sw.destroy();
    for (const n of names)
        t.false(namespaces().includes(n));
    t.false(links().includes(bridge));
    const regNames = [reg.link.ns, reg.link.linkNs];
    await reg.stop();
    await reg.stop();
    for (const n of regNames)
        t.false(namespaces().includes(n));
});
test('scratch filesystem: a mounted ext4, removed by destroy', async (t) => {
    const scratch = await createScratchFs({ sizeGiB: 0.25 });
    t.teardown(() => scratch.destroy());
    const fstype = execFileSync('findmnt', ['-n', '-o', 'FSTYPE', '--mountpoint', scratch.dir], { encoding: 'utf8' }).trim();
    t.is(fstype, 'ext4');
    writeFileSync(`${scratch.dir}/probe`, 'x');
    await scratch.destroy();
    await scratch.destroy();
    t.false(mounted(scratch.dir));
    t.false(existsSync(scratch.dir));
    t.false(existsSync(scratch.image));
});
/** Runs a node child that builds a switch with one host and a scratch fs, then waits. */
function startChild() {
    const harness = fileURLToPath(new URL('./network.js', import.meta.url));
    const script = `
    const m = await import(${JSON.stringify(harness)});
    const sw = await m.createSwitch(); const h = await sw.addHost();
    const s = await m.createScratchFs({ sizeGiB: 0.1 });
    console.log(JSON.stringify({ ns: h.ns, bridge: sw.bridge, scratch: s.dir }));
    setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
            out += d.toString();
            const line = out.split('\n').find((l) => l.startsWith('{'));
            if (line)
                resolve({ child, state: JSON.parse(line) });
        });
        child.once('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
    });
}
test('SIGTERM removes everything the process built; after SIGKILL the stale cleanup does', async (t) => {
    for (const signal of ['SIGTERM', 'SIGKILL']) {
        const { child, state } = await startChild();
        t.teardown(() => child.kill('SIGKILL'));
        t.true(namespaces().includes(state.ns));
        t.true(links().includes(state.bridge));
        t.true(mounted(state.scratch));
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        await exited;
        if (signal === 'SIGKILL') {
            t.true(namespaces().includes(state.ns), 'SIGKILL leaves the namespace until the stale cleanup');
            const removed = cleanupStale();
            t.true(removed.includes(`namespace ${state.ns}`), removed.join(', '));
        }
        t.false(namespaces().includes(state.ns), `${signal}: namespace left`);
        t.false(links().includes(state.bridge), `${signal}: bridge left`);
        t.false(mounted(state.scratch), `${signal}: scratch mount left`);
        t.false(existsSync(`${state.scratch}.img`), `${signal}: scratch image left`);
    }
});
//# sourceMappingURL=network.test.js.map