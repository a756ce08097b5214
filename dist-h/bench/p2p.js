/**
 * `npm run bench:p2p`: N darner daemons (N = 1, 4, 16) all read the same file of one image at
 * once, with P2P (a scheduler, peers serving each other) and without (every daemon from the
 * origin), in the same run. Reported per run: the time until every reader is done, the bytes
 * the origin served (and as a multiple of the file's stored size), and bytes per peer.
 * The same node counts, with and without P2P, then pull a plain OCI image through every daemon's
 * registry mirror, and `darner get` a large file through every daemon (bench/p2p-plain.ts).
 *
 * Network (test/harness/network.ts): the registry sits behind a shaped link — 100 Mbit/s,
 * 10 ms each way — as a remote registry would; each daemon is a host (network namespace) on an
 * unshaped switch, so peers talk to each other at local speed, and the scheduler listens on
 * the switch's gateway. Caches live on a scratch ext4 file system. Root is required.
 *
 * Targets: with 16 peers the origin serves the data about once (≤ 1.1 × its stored size), and
 * all 16 finish within 1.5 × the time one daemon alone takes.
 *
 * Environment: DARNER_BENCH_P2P_MIB (default 200), DARNER_BENCH_P2P_NODES (default "1,4,16"),
 * DARNER_BENCH_P2P_RATE_MBIT (100), DARNER_BENCH_P2P_DELAY_MS (10), DARNER_BENCH_P2P_CACHE_DIR (put
 * the caches there instead of the scratch ext4, e.g. a tmpfs to take disk syncs out of the picture),
 * DARNER_BENCH_P2P_WORKLOADS (default "fuse,mirror,get": which of the three to run).
 * DARNER_BENCH_P2P_LOGS (a directory: every daemon's log of each mirror/get run is written there),
 * DARNER_BENCH_P2P_SCHEDULER_NICE (the scheduler's nice value in the mirror/get runs, e.g. -10).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inNamespace } from '../test/harness/netlab.js';
import { createScratchFs, createSwitch, startShapedRegistry } from '../test/harness/network.js';
import { mountEverywhere, metricSum, startPeerDaemons, startSchedulerProcess, stopAll, writeTokenFile } from '../test/harness/p2p-cluster.js';
import { freePort } from '../test/harness/registry.js';
import { pseudoRandomBytes } from '../test/harness/layer-tar.js';
import { publishImage } from '../test/harness/rich-image.js';
import { printTable, writeResults } from './report.js';
import { publishPlainContent, runPlainOnce } from './p2p-plain.js';
const run = promisify(execFile);
const MiB = 1 << 20;
const SIZE_MIB = Number(process.env.DARNER_BENCH_P2P_MIB ?? 200);
const NODES = (process.env.DARNER_BENCH_P2P_NODES ?? '1,4,16').split(',').map(Number);
const RATE_MBIT = Number(process.env.DARNER_BENCH_P2P_RATE_MBIT ?? 100);
const DELAY_MS = Number(process.env.DARNER_BENCH_P2P_DELAY_MS ?? 10);
const WORKLOADS = new Set((process.env.DARNER_BENCH_P2P_WORKLOADS ?? 'fuse,mirror,get').split(',').map((w) => w.trim()));
const PLAIN_WORKLOADS = ['mirror', 'get'].filter((w) => WORKLOADS.has(w));
/** Write a V8 CPU profile of every daemon there (for finding where a daemon's time goes). */
const PROFILE_DIR = process.env.DARNER_BENCH_P2P_PROFILE_DIR;
async function main() {
    const data = pseudoRandomBytes(SIZE_MIB * MiB, 2024);
    const digest = createHash('sha256').update(data).digest('hex');
    const registry = await startShapedRegistry({ rateMbit: RATE_MBIT, delayMs: DELAY_MS });
    const cacheParent = process.env.DARNER_BENCH_P2P_CACHE_DIR;
    const scratch = cacheParent === undefined
        ? await createScratchFs({ sizeGiB: Math.max(4, Math.ceil((SIZE_MIB * 2.2 * Math.max(...NODES)) / 1024) + 2) })
        : { dir: await mkdtemp(join(cacheParent, 'darner-bench-p2p-')), destroy: async () => { } };
    const sw = await createSwitch();
    const token = await writeTokenFile(`bench-${Date.now()}`);
    const results = [];
    const plain = [];
    try {
        // Push through the unshaped side of the same storage; daemons read through the shaped link.
        const seed = await registry.seedHost();
        const image = await publishImage(seed, 'p2p-bench', [[{ type: 'file', path: 'data', data }]]);
        const reference = image.darnerRef.replace(seed, registry.host);
        const hosts = [];
        for (let i = 0; i < Math.max(...NODES); i++)
            hosts.push(await sw.addHost());
        process.stderr.write(`image ${reference}: ${SIZE_MIB} MiB file, ${image.summary.uniqueChunks} chunks; registry behind ${RATE_MBIT} Mbit/s, ${DELAY_MS} ms\n`);
        for (const n of WORKLOADS.has('fuse') ? NODES : []) {
            for (const p2p of [true, false]) {
                const result = await runOnce(n, p2p, { reference, hosts, gateway: sw.gatewayAddress, tokenFile: token.path, scratchDir: scratch.dir, digest, storedBytes: SIZE_MIB * MiB });
                results.push(result);
                process.stderr.write(`${n} nodes ${p2p ? 'P2P' : 'origin only'}: ${result.seconds.toFixed(1)} s, origin ${(result.originBytes / MiB).toFixed(1)} MiB (${result.originRatio.toFixed(2)}x)\n`);
            }
        }
        if (PLAIN_WORKLOADS.length > 0) {
            const content = await publishPlainContent(seed, registry.host, SIZE_MIB);
            for (const workload of PLAIN_WORKLOADS) {
                for (const n of NODES) {
                    for (const p2p of [true, false]) {
                        const result = await runPlainOnce(workload, n, p2p, { content, registryHost: registry.host, hosts, gateway: sw.gatewayAddress, tokenFile: token.path, scratchDir: scratch.dir });
                        plain.push(result);
                        process.stderr.write(`${workload}, ${n} nodes ${p2p ? 'P2P' : 'origin only'}: ${result.seconds.toFixed(1)} s, origin ${(result.originBytes / MiB).toFixed(1)} MiB (${result.originRatio.toFixed(2)}x)\n`);
                    }
                }
            }
        }
    }
    finally {
        await token.remove();
        await sw.destroy();
        await scratch.destroy();
        if (cacheParent !== undefined)
            await rm(scratch.dir, { recursive: true, force: true });
        await registry.stop();
    }
    const one = results.find((r) => r.nodes === 1 && r.p2p)?.seconds;
    if (results.length > 0)
        printFuseTable(results, one);
    if (plain.length > 0)
        printPlainTable(plain);
    const sixteen = results.find((r) => r.nodes === 16 && r.p2p);
    const targets = sixteen === undefined || one === undefined ? undefined : {
        originAtMost1_1x: sixteen.originRatio <= 1.1,
        timeAtMost1_5xOneNode: sixteen.seconds <= 1.5 * one,
        originRatio16: sixteen.originRatio,
        timeRatio16: sixteen.seconds / one,
    };
    if (targets)
        process.stdout.write(`\n16 nodes with P2P: origin ${targets.originRatio16.toFixed(2)}x the data (target <= 1.1: ${targets.originAtMost1_1x ? 'met' : 'missed'}); time ${targets.timeRatio16.toFixed(2)}x one node's (target <= 1.5: ${targets.timeAtMost1_5xOneNode ? 'met' : 'missed'})\n`);
    const file = writeResults(process.env.DARNER_BENCH_P2P_RESULTS ?? 'p2p', { sizeMiB: SIZE_MIB, rateMbit: RATE_MBIT, delayMs: DELAY_MS, cacheOn: cacheParent ?? 'scratch ext4', results, plain, targets });
    process.stdout.write(`results: ${file}\n`);
}
function printFuseTable(results, one) {
    const rows = results.map((r) => [
        String(r.nodes),
        r.p2p ? 'P2P' : 'origin only',
        r.seconds.toFixed(1),
        one !== undefined ? (r.seconds / one).toFixed(2) : '',
        (r.originBytes / MiB).toFixed(1),
        r.originRatio.toFixed(2),
        (r.originMaxNode / MiB).toFixed(1),
        (r.peerInPerNode / MiB).toFixed(1),
        (r.peerOutMaxNode / MiB).toFixed(1),
        String(r.readErrors),
    ]);
    printTable(['nodes', 'mode', 'time s', 'time / 1 node P2P', 'origin MiB', 'origin x data', 'origin MiB max/node', 'peer in MiB/node', 'peer out MiB max/node', 'read errors'], rows);
}
/** Mirror and get rows: time also as a multiple of one node's with P2P for the same workload. */
function printPlainTable(plain) {
    const rows = plain.map((r) => {
        const one = plain.find((o) => o.workload === r.workload && o.nodes === 1 && o.p2p)?.seconds;
        return [
            r.workload,
            `${r.nodes} ${r.p2p ? 'P2P' : 'origin only'}`,
            r.seconds.toFixed(1),
            one !== undefined ? (r.seconds / one).toFixed(2) : '',
            (r.originBytes / MiB).toFixed(1),
            r.originRatio.toFixed(2),
            (r.originMaxNode / MiB).toFixed(1),
            (r.peerBytesPerNode / MiB).toFixed(1),
            String(r.badPieces),
        ];
    });
    process.stdout.write('\n');
    printTable(['workload', 'nodes, mode', 'time s', 'time / 1 node P2P', 'origin MiB', 'origin x data', 'origin MiB max/node', 'peer in MiB/node', 'bad pieces'], rows);
}
async function runOnce(n, p2p, env) {
    const scheduler = p2p ? await startSchedulerProcess({ listen: `${env.gateway}:${await freePort(env.gateway)}`, tokenFile: env.tokenFile }) : undefined;
    let nodes = [];
    try {
        const base = join(env.scratchDir, `${n}-${p2p ? 'p2p' : 'origin'}`);
        for (let i = 0; i < n; i++)
            await mkdir(join(base, `node-${i}`), { recursive: true });
        nodes = await startPeerDaemons(n, {
            schedulers: scheduler !== undefined ? [scheduler.address] : [],
            tokenFile: env.tokenFile,
            peerHost: (i) => env.hosts[i].address,
            wrap: (i) => (cmd, args) => inNamespace(env.hosts[i].ns, cmd, PROFILE_DIR === undefined ? args : [`--cpu-prof`, `--cpu-prof-dir=${PROFILE_DIR}`, ...args]),
            args: (i) => ['--metrics', `${env.hosts[i].address}:0`],
            dir: (i) => join(base, `node-${i}`),
            configToml: '',
        });
        await mountEverywhere(nodes, env.reference, { plainHttp: true });
        const started = process.hrtime.bigint();
        await Promise.all(nodes.map((node) => run('sh', ['-c', 'cat "$1" > /dev/null', 'sh', join(node.mountpoint, 'data')])));
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        // Correctness, after the clock stopped (from the page cache).
        for (const node of nodes) {
            const { stdout } = await run('sha256sum', [join(node.mountpoint, 'data')]);
            if (stdout.split(' ')[0] !== env.digest)
                throw new Error(`${node.hostId} read wrong bytes`);
        }
        const perNode = async (name) => Promise.all(nodes.map((x) => x.metric(name).catch(() => 0)));
        const origin = await perNode('darner_fetch_origin_bytes_total');
        const peerIn = await perNode('darner_p2p_download_bytes_total');
        const peerOut = await perNode('darner_p2p_upload_bytes_total');
        const originBytes = origin.reduce((a, b) => a + b, 0);
        return {
            nodes: n,
            p2p,
            seconds,
            originBytes,
            storedBytes: env.storedBytes,
            originRatio: originBytes / env.storedBytes,
            peerInPerNode: peerIn.reduce((a, b) => a + b, 0) / n,
            peerOutMaxNode: Math.max(...peerOut),
            originMaxNode: Math.max(...origin),
            candidateHits: await metricSum(nodes, 'darner_p2p_candidate_hits_total'),
            readErrors: await metricSum(nodes, 'darner_fuse_read_errors_total'),
        };
    }
    finally {
        await stopAll(nodes);
        await scheduler?.stop();
    }
}
main().catch((err) => {
    process.stderr.write(`bench:p2p failed: ${err.stack ?? String(err)}\n`);
    process.exit(1);
});
//# sourceMappingURL=p2p.js.map