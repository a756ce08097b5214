/**
 * Shaped network links for benchmarks and for tests that need separate hosts (root required).
 *
 *   const link = await createShapedHost({ rateMbit: 100, delayMs: 10 });
 *   link.spawn('docker-registry', ['serve', cfg]);      // runs inside link.ns
 *   await link.endpoint(5000);                           // 'ip:port' a client must use
 *   await link.destroy();
 *
 *   const sw = await createSwitch();                     // an unshaped bridge
 *   const a = await sw.addHost(), b = await sw.addHost();
 *   await a.exec('ping', ['-c1', b.address]);
 *
 *   const reg = await startShapedRegistry({ rateMbit: 100, delayMs: 10 });
 *   const seed = await reg.seedHost();                   // push here: unshaped, same storage
 *   // clients in the root namespace and on any switch read through reg.host
 *
 *   const scratch = await createScratchFs({ sizeGiB: 4 }); // loop-mounted ext4 at scratch.dir
 *
 * Topology (one 10.A.B.0/24 per shaped host, another per switch; see docs/benchmarking.md):
 *
 *   root ns                     link ns (private)                     host ns
 *   dnXh  P.1/30  ──veth──  r0 P.2/30   [NFQUEUE delay at PREROUTING]
 *                                r1 P.5/30  ──veth──  eth0 P.6/30  (the registry)
 *                           tbf on r0 egress (host→root), tbf on r1 egress (root→host)
 *   bridge dnXb Q.1/24 ──veth── eth0 Q.2/24 (switch host 1), Q.3 (host 2), ...
 *
 * The root namespace routes P.4/30 via P.2 and forwards between the bridge and the link
 * (per-device `forwarding`, the global ip_forward stays as it is); namespaces route 10.0.0.0/8
 * towards the root and have no default route, so nothing leaves the machine.
 *
 * Delay (the kernel has no netem) is added one of two ways:
 *   - 'nfqueue' (default): nfq-delay.c in the link namespace holds every packet arriving from
 *     either side for `delayMs`. Transparent: any protocol, ping sees the round trip, TCP sees the
 *     real RTT (slow start, window growth), clients use the host's own address.
 *   - 'proxy': a delaying TCP proxy (delay-proxy.ts) in this process, listening on the root end
 *     of the link; `endpoint(port)` returns the proxy's address. Only TCP through the proxy is
 *     delayed and TCP underneath sees no RTT.
 *
 * Everything is removed by destroy() (safe twice), by exit/SIGINT/SIGTERM handlers, and after a
 * crash by the next process's stale cleanup (netlab.ts).
 */
import { type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import { Lab, leaseSubnet, nextLabId, releaseSubnet, run, runIn, type ExecOptions, type ExecResult } from './netlab.js';
import { startRegistry, type RegistryHandle, type RegistryOptions } from './registry.js';
import { parseQdiscJson, tbfCommand, tbfParams, type QdiscStats, type ShapeOptions, type TbfParams } from './shaping.js';

export { createScratchFs, type ScratchFs, type ScratchFsOptions } from './scratch-fs.js';
export { cleanupStale } from './netlab.js';
export type { ExecOptions, ExecResult } from './netlab.js';

export type DelayMethod = 'nfqueue' | 'proxy';

export interface ShapedHostOptions extends ShapeOptions {
  /** How the delay is added (default 'nfqueue'; see the module comment). */
  delay?: DelayMethod;
}

/** A network namespace and the ways to run things in it. */
export interface NetHost {
  /** Namespace name (`/run/netns/<ns>`). */
  ns: string;
  /** Runs a command inside the namespace to completion; rejects on a non-zero exit. */
  exec(cmd: string, args: string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Starts a long-running process inside the namespace (stdio: ignore, pipe, pipe unless given;
   * output without a listener is dropped, never blocks). The pid is the command's own. Killed
   * (TERM, then KILL after 3 s) by destroy(), as is anything else left in the namespace.
   */
  spawn(cmd: string, args: string[], options?: SpawnOptions): ChildProcess;
}

export interface ShapedHost extends NetHost {
  /** Root namespace end of the link (the address the host's traffic comes from/goes to). */
  hostAddress: string;
  /** The namespace's address: servers inside listen here (or on 0.0.0.0). */
  nsAddress: string;
  /** The namespace between root and host where shaping and delay happen. */
  linkNs: string;
  /** The root namespace end of the link (a veth, holding hostAddress). */
  rootDevice: string;
  /** The interfaces inside linkNs whose egress is shaped: toward root, toward the host. */
  shapedDevices: { towardRoot: string; towardHost: string };
  rateMbit: number;
  delayMs: number;
  delay: DelayMethod;
  tbf: TbfParams;
  /**
   * The `ip:port` a client (root namespace or a switch host) must use to reach `port` on the
   * host with the configured shaping and delay: `nsAddress:port` for 'nfqueue', a delaying
   * proxy's address for 'proxy' (started on first use, one per port).
   */
  endpoint(port: number): Promise<string>;
  /** The tbf qdiscs as the kernel reports them (rate, burst, bytes sent, drops). */
  qdiscs(): Promise<QdiscStats[]>;
  /** Removes namespaces, links, qdiscs, proxies, processes. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface SwitchHost extends NetHost {
  /** The host's address on the switch (Q.n). */
  address: string;
}

export interface Switch {
  /**
   * The bridge's address in the root namespace: the hosts' gateway, and the address at which
   * they reach services of the root namespace (a scheduler listening on it or on 0.0.0.0;
   * 127.0.0.1 is not reachable from a host).
   */
  gatewayAddress: string;
  subnet: string;
  bridge: string;
  /** Adds a namespace on the bridge with the next free address. */
  addHost(): Promise<SwitchHost>;
  readonly hosts: readonly SwitchHost[];
  destroy(): Promise<void>;
}

/** Turns IPv4 forwarding on for one root-namespace interface (the global ip_forward stays). */
function enableForwarding(dev: string): Promise<void> {
  return writeFile(`/proc/sys/net/ipv4/conf/${dev}/forwarding`, '1\n');
}

function hostHandle(lab: Lab, ns: string): NetHost {
  return {
    ns,
    exec: (cmd, args, options) => runIn(ns, cmd, args, options),
    spawn: (cmd, args, options) => lab.spawn(ns, cmd, args, options),
  };
}

/** Destroys `lab` and rethrows when `build` fails, so a half-built topology never stays. */
async function building<T>(lab: Lab, build: () => Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (err) {
    await lab.destroy();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Shaped host

export async function createShapedHost(options: ShapedHostOptions): Promise<ShapedHost> {
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
    const a = (n: number): string => `${prefix}.${n}`;
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
      } catch {
        realtime.kill('SIGKILL');
        await waitForLine(lab.spawn(linkNs, binary, args), 'ready', 10_000, 'nfq-delay');
      }
      await runIn(linkNs, 'iptables', ['-t', 'mangle', '-A', 'PREROUTING', '-j', 'NFQUEUE', '--queue-num', '0']);
    }

    const proxies = new Map<number, Promise<DelayProxy>>();
    lab.onDestroy('delay proxies', () => {
      for (const p of proxies.values()) void p.then((x) => x.close(), () => undefined);
    }, async () => {
      await Promise.all([...proxies.values()].map((p) => p.then((x) => x.close(), () => undefined)));
    });

    const handle: ShapedHost = {
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
        if (delay === 'nfqueue' || options.delayMs === 0) return `${a(6)}:${port}`;
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

export async function createSwitch(): Promise<Switch> {
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
    const hosts: SwitchHost[] = [];
    let adding: Promise<unknown> = Promise.resolve();

    const addHostNow = async (): Promise<SwitchHost> => {
      const n = hosts.length + 2;
      if (n > 254) throw new Error('a switch holds at most 253 hosts');
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
      const host: SwitchHost = { ...hostHandle(lab, ns), address: `${prefix}.${n}` };
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

// ---------------------------------------------------------------------------------------------
// Shaped registry

export interface ShapedRegistryOptions extends ShapedHostOptions {
  /** Passed to startRegistry (auth and account). */
  registry?: Omit<RegistryOptions, 'netns' | 'listenAddress' | 'port' | 'storageDir'>;
}

export interface ShapedRegistry {
  /** `ip:port` clients must use (root namespace and switch hosts): shaped and delayed. */
  host: string;
  url: string;
  /** The registry's own address inside the shaped namespace (shaped; delayed only with nfqueue). */
  directHost: string;
  /**
   * An unshaped registry on 127.0.0.1 over the same storage, to push benchmark images quickly
   * (started on first call, stopped by stop()). Blobs pushed there are served by `host`.
   */
  seedHost(): Promise<string>;
  storageDir: string;
  registry: RegistryHandle;
  link: ShapedHost;
  /** Stops both registries and destroys the link. Safe to call twice. */
  stop(): Promise<void>;
}

/** Debian's docker-registry inside a shaped host, listening on port 5000 of its namespace. */
export async function startShapedRegistry(options: ShapedRegistryOptions): Promise<ShapedRegistry> {
  const link = await createShapedHost(options);
  let registry: RegistryHandle | undefined;
  let seed: Promise<RegistryHandle> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (seed) await seed.then((s) => s.stop(), () => undefined);
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
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// nfq-delay: compiled from its C source on first use, cached by source digest

const NFQ_SOURCE = fileURLToPath(new URL('../../../test/harness/nfq-delay.c', import.meta.url));

let nfqDelayBuild: Promise<string> | undefined;

/**
 * One build per process: concurrent tests share it (two builds in one process once raced on the
 * same partial file). A failed build is tried again by the next caller.
 */
function nfqDelayBinary(): Promise<string> {
  nfqDelayBuild ??= buildNfqDelay().catch((err: unknown) => {
    nfqDelayBuild = undefined;
    throw err;
  });
  return nfqDelayBuild;
}

async function buildNfqDelay(): Promise<string> {
  const source = readFileSync(NFQ_SOURCE);
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const binary = join(tmpdir(), `darner-nfq-delay-${digest}`);
  if (existsSync(binary)) return binary;
  // Other processes (test files run in parallel) may build it too: each in its own partial file,
  // renamed into place atomically.
  const partial = `${binary}.${process.pid}.tmp`;
  try {
    await run('cc', ['-O2', '-o', partial, NFQ_SOURCE, '-lnetfilter_queue']);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new Error(`cannot build nfq-delay (is libnetfilter-queue-dev installed?): ${(err as Error).message}`, { cause: err });
  }
  renameSync(partial, binary);
  return binary;
}

function waitForLine(child: ChildProcess, line: string, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => done(new Error(`${what} not ready after ${timeoutMs} ms: ${err}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.split('\n').includes(line)) done();
    };
    const onErr = (d: Buffer): void => {
      err += d.toString();
    };
    const onExit = (code: number | null): void => done(new Error(`${what} exited (${code}): ${err}`));
    const done = (e?: Error): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}
