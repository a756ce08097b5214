import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDelayProxy } from './delay-proxy.js';
import { Lab, leaseSubnet, nextLabId, releaseSubnet, run, runIn } from './netlab.js';
import { startRegistry } from './registry.js';
import { parseQdiscJson, tbfCommand, tbfParams } from './shaping.js';
export { createScratchFs } from './scratch-fs.js';
export { cleanupStale } from './netlab.js';
/** Turns IPv4 forwarding on for one root-namespace interface (the global ip_forward stays). */
function enableForwarding(dev) {
    return writeFile(`/proc/sys/net/ipv4/conf/${dev}/forwarding`, '1\n');
}
function hostHandle(lab, ns) {
    return {
        ns,
        exec: (cmd, args, options) => runIn(ns, cmd, args, options),
        spawn: (cmd, args, options) => lab.spawn(ns, cmd, args, options),
    };
}
/** Destroys `lab` and rethrows when `build` fails, so a half-built topology never stays. */
async function building(lab, build) {
    try {
        return await build();
    }
    catch (err) {
        await lab.destroy();
        throw err;
    }
}
// ---------------------------------------------------------------------------------------------
// Shaped host
export async function createShapedHost(options) {
    const tbf = tbfParams(options);
    const delay = options.delay ?? 'nfqueue';
    const id = nextLabId();
    const lab = new Lab();
    return building(lab, async () => {
        const prefix = leaseSubnet();
        lab.onDestroy(`subnet ${prefix}`, () => releaseSubnet(prefix));
        const linkNs = id.ns('link');
        const ns = id.ns('host');
        const rootDev = id.link('h');
        const a = (n) => `${prefix}.${n}`;
        await lab.addNamespace(linkNs);
        await lab.addNamespace(ns);
        lab.addRootLink(rootDev);
        await run('ip', ['link', 'add', rootDev, 'type', 'veth', 'peer', 'name', 'r0', 'netns', linkNs]);
        await run('ip', ['-n', linkNs, 'link', 'add', 'r1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
        await run('ip', ['addr', 'add', `${a(1)}/30`, 'dev', rootDev]);
        await run('ip', ['link', 'set', rootDev, 'up']);
        await run('ip', ['-n', linkNs, 'addr', 'add', `${a(2)}/30`, 'dev', 'r0']);
        await run('ip', ['-n', linkNs, 'addr', 'add', `${a(5)}/30`, 'dev', 'r1']);
        await run('ip', ['-n', linkNs, 'link', 'set', 'r0', 'up']);
        await run('ip', ['-n', linkNs, 'link', 'set', 'r1', 'up']);
        await run('ip', ['-n', ns, 'addr', 'add', `${a(6)}/30`, 'dev', 'eth0']);
        await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        await run('ip', ['-n', ns, 'route', 'add', '10.0.0.0/8', 'via', a(5)]);
        await run('ip', ['-n', linkNs, 'route', 'add', '10.0.0.0/8', 'via', a(1)]);
        await runIn(linkNs, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
        // The root end forwards (switch hosts reach the host through it); the route goes with the link.
        await enableForwarding(rootDev);
        await run('ip', ['route', 'add', `${a(4)}/30`, 'via', a(2)]);
        await runIn(linkNs, 'tc', tbfCommand('r0', tbf));
        await runIn(linkNs, 'tc', tbfCommand('r1', tbf));
        if (delay === 'nfqueue' && options.delayMs > 0) {
            const binary = await nfqDelayBinary();
            const args = ['0', String(Math.round(options.delayMs * 1000))];
            // Real-time priority keeps the delay exact on a busy machine (measured under a load of 14:
            // ping -U max 25 ms instead of 36 ms for 2 × 10 ms). The helper sleeps between packets and
            // never spins, so it cannot starve others. Where SCHED_FIFO is refused, run it plainly.
            const realtime = lab.spawn(linkNs, 'chrt', ['-f', '1', binary, ...args]);
            try {
                await waitForLine(realtime, 'ready', 10_000, 'nfq-delay');
            }
            catch {
                realtime.kill('SIGKILL');
                await waitForLine(lab.spawn(linkNs, binary, args), 'ready', 10_000, 'nfq-delay');
            }
            await runIn(linkNs, 'iptables', ['-t', 'mangle', '-A', 'PREROUTING', '-j', 'NFQUEUE', '--queue-num', '0']);
        }
        const proxies = new Map();
        lab.onDestroy('delay proxies', () => {
            for (const p of proxies.values())
                void p.then((x) => x.close(), () => undefined);
        }, async () => {
            await Promise.all([...proxies.values()].map((p) => p.then((x) => x.close(), () => undefined)));
        });
        const handle = {
            ...hostHandle(lab, ns),
            hostAddress: a(1),
            nsAddress: a(6),
            linkNs,
            rootDevice: rootDev,
            shapedDevices: { towardRoot: 'r0', towardHost: 'r1' },
            rateMbit: options.rateMbit,
            delayMs: options.delayMs,
            delay,
            tbf,
            async endpoint(port) {
                if (delay === 'nfqueue' || options.delayMs === 0)
                    return `${a(6)}:${port}`;
                let proxy = proxies.get(port);
                if (proxy === undefined) {
                    proxy = startDelayProxy({ listenHost: a(1), targetHost: a(6), targetPort: port, delayMs: options.delayMs });
                    proxies.set(port, proxy);
                }
                return (await proxy).host;
            },
            async qdiscs() {
                const { stdout } = await runIn(linkNs, 'tc', ['-j', '-s', 'qdisc', 'show']);
                return parseQdiscJson(stdout).filter((q) => q.kind === 'tbf');
            },
            destroy: () => lab.destroy(),
        };
        return handle;
    });
}
// ---------------------------------------------------------------------------------------------
// Switch
export async function createSwitch() {
    const id = nextLabId();
    const lab = new Lab();
    return building(lab, async () => {
        const prefix = leaseSubnet();
        lab.onDestroy(`subnet ${prefix}`, () => releaseSubnet(prefix));
        const bridge = id.link('b');
        lab.addRootLink(bridge);
        await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
        await run('ip', ['addr', 'add', `${prefix}.1/24`, 'dev', bridge]);
        await run('ip', ['link', 'set', bridge, 'up']);
        await enableForwarding(bridge);
        const hosts = [];
        let adding = Promise.resolve();
        const addHostNow = async () => {
            const n = hosts.length + 2;
            if (n > 254)
                throw new Error('a switch holds at most 253 hosts');
            const ns = id.ns(`h${n}`);
            const port = id.link(`p${n.toString(36)}`);
            await lab.addNamespace(ns);
            lab.addRootLink(port);
            await run('ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
            await run('ip', ['link', 'set', port, 'master', bridge]);
            await run('ip', ['link', 'set', port, 'up']);
            await run('ip', ['-n', ns, 'addr', 'add', `${prefix}.${n}/24`, 'dev', 'eth0']);
            await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
            await run('ip', ['-n', ns, 'route', 'add', '10.0.0.0/8', 'via', `${prefix}.1`]);
            const host = { ...hostHandle(lab, ns), address: `${prefix}.${n}` };
            hosts.push(host);
            return host;
        };
        return {
            gatewayAddress: `${prefix}.1`,
            subnet: `${prefix}.0/24`,
            bridge,
            addHost() {
                // One at a time: the next address depends on the hosts already added.
                const next = adding.then(addHostNow, addHostNow);
                adding = next.catch(() => undefined);
                return next;
            },
            get hosts() {
                return hosts;
            },
            destroy: () => lab.destroy(),
        };
    });
}
/** Debian's docker-registry inside a shaped host, listening on port 5000 of its namespace. */
export async function startShapedRegistry(options) {
    const link = await createShapedHost(options);
    let registry;
    let seed;
    let stopping;
    const stop = () => {
        stopping ??= (async () => {
            if (seed)
                await seed.then((s) => s.stop(), () => undefined);
            await registry?.stop();
            await link.destroy();
        })();
        return stopping;
    };
    try {
        registry = await startRegistry({ ...options.registry, netns: link.ns, listenAddress: link.nsAddress, port: 5000 });
        const host = await link.endpoint(5000);
        const reg = registry;
        return {
            host,
            url: `http://${host}`,
            directHost: reg.host,
            storageDir: reg.storageDir,
            registry: reg,
            link,
            seedHost: async () => {
                seed ??= startRegistry({ ...options.registry, storageDir: reg.storageDir });
                return (await seed).host;
            },
            stop,
        };
    }
    catch (err) {
        await stop();
        throw err;
    }
}
// ---------------------------------------------------------------------------------------------
// nfq-delay: compiled from its C source on first use, cached by source digest
const NFQ_SOURCE = fileURLToPath(new URL('../../../test/harness/nfq-delay.c', import.meta.url));
let nfqDelayBuild;
/**
 * One build per process: concurrent tests share it (two builds in one process once raced on the
 * same partial file). A failed build is tried again by the next caller.
 */
function nfqDelayBinary() {
    nfqDelayBuild ??= buildNfqDelay().catch((err) => {
        nfqDelayBuild = undefined;
        throw err;
    });
    return nfqDelayBuild;
}
async function buildNfqDelay() {
    const source = readFileSync(NFQ_SOURCE);
    const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
    const binary = join(tmpdir(), `darner-nfq-delay-${digest}`);
    if (existsSync(binary))
        return binary;
    // Other processes (test files run in parallel) may build it too: each in its own partial file,
    // renamed into place atomically.
    const partial = `${binary}.${process.pid}.tmp`;
    try {
        await run('cc', ['-O2', '-o', partial, NFQ_SOURCE, '-lnetfilter_queue']);
    }
    catch (err) {
        rmSync(partial, { force: true });
        throw new Error(`cannot build nfq-delay (is libnetfilter-queue-dev installed?): ${err.message}`, { cause: err });
    }
    renameSync(partial, binary);
    return binary;
}
function waitForLine(child, line, timeoutMs, what) {
    return new Promise((resolve, reject) => {
        let out = '';
        let err = '';
        const timer = setTimeout(() => done(new Error(`${what} not ready after ${timeoutMs} ms: ${err}`)), timeoutMs);
        const onData = (d) => {
            out += d.toString();
            if (out.split('\n').includes(line))
                done();
        };
        const onErr = (d) => {
            err += d.toString();
        };
        const onExit = (code) => done(new Error(`${what} exited (${code}): ${err}`));
        const done = (e) => {
            clearTimeout(timer);
            child.stdout?.off('data', onData);
            child.off('exit', onExit);
            if (e)
                reject(e);
            else
                resolve();
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onErr);
        child.once('exit', onExit);
    });
}
//# sourceMappingURL=network.js.map