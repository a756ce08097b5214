/**
 * The bench:p2p workloads of content darner did not convert, on the same switch and shaped
 * registry as the FUSE workload (bench/p2p.ts):
 *
 *   mirror  every daemon's registry mirror pulls one plain OCI image (a few incompressible layers),
 *           the way containerd does through hosts.toml: the manifest, then every blob at once;
 *   get     `darner get URL --digest …` on every node, through its daemon, of one large file (a
 *           registry blob URL: a plain HTTP GET behind the same shaped link).
 *
 * The origin's bytes are what the mirrors took from it (darner_mirror_blob_bytes_total with
 * source="origin"); every node's bytes are checked against their digests after the clock stops.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request } from 'undici';
import { inNamespace } from '../test/harness/netlab.js';
import { buildOciImage, pushOciImage } from '../test/harness/oci-image.js';
import { startPeerDaemons, startSchedulerProcess, stopAll } from '../test/harness/p2p-cluster.js';
import { freePort } from '../test/harness/registry.js';
import { pseudoRandomBytes } from '../test/harness/layer-tar.js';
import { eventually } from '../test/p2p/helpers.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const MiB = 1 << 20;
const START_BATCH = 4;
/** Pushes the plain image (4 layers sharing `mib`) and the large file (`mib`) through the unshaped seed registry. */
export async function publishPlainContent(seedHost, shapedHost, mib) {
    const repository = 'p2p-bench/plain';
    const layerMiB = Math.max(1, Math.floor(mib / 4));
    const image = await buildOciImage({
        name: `${repository}:1`,
        layers: [0, 1, 2, 3].map((i) => [{ type: 'file', path: `layer-${i}.bin`, data: pseudoRandomBytes(layerMiB * MiB + i * 4099, 4000 + i) }]),
        compression: 'none',
    });
    await pushOciImage(image, `docker://${seedHost}/${repository}:1`, { plainHttp: true });
    const file = await buildOciImage({
        name: 'p2p-bench/file:1',
        layers: [[{ type: 'file', path: 'weights.bin', data: pseudoRandomBytes(mib * MiB, 4100) }]],
        compression: 'none',
    });
    await pushOciImage(file, `docker://${seedHost}/p2p-bench/file:1`, { plainHttp: true });
    const blob = file.layers[0];
    const imageBytes = [...image.blobs.entries()].filter(([d]) => d !== image.manifest.digest).reduce((a, [, b]) => a + b.length, 0);
    return {
        repository,
        image,
        fileUrl: `http://${shapedHost}/v2/p2p-bench/file/blobs/${blob.digest}`,
        fileDigest: blob.digest,
        bytes: { mirror: imageBytes, get: blob.size },
    };
}
export async function runPlainOnce(workload, n, p2p, env) {
    // DARNER_BENCH_P2P_SCHEDULER_NICE: the scheduler's nice value (e.g. -10), standing in for the
    // machine of its own it has in a cluster; sixteen busy daemons on two cores starve it otherwise.
    const nice = process.env.DARNER_BENCH_P2P_SCHEDULER_NICE;
    const scheduler = p2p ? await startSchedulerProcess({
        listen: `${env.gateway}:${await freePort(env.gateway)}`,
        tokenFile: env.tokenFile,
        // The scheduler's own defaults (heartbeat 5 s, peer TTL 20 s), not the tests' fast ones (0.5 s,
        // 3 s): sixteen loaded daemons late by a few seconds would expire, re-register and lose what
        // they announced, and every blob would be leased again.
        configToml: '',
        ...(nice !== undefined ? { wrap: (cmd, args) => ['nice', ['-n', nice, cmd, ...args]] } : {}),
    }) : undefined;
    let nodes = [];
    const base = join(env.scratchDir, `${workload}-${n}-${p2p ? 'p2p' : 'origin'}`);
    try {
        for (let i = 0; i < n; i++)
            await mkdir(join(base, `node-${i}`), { recursive: true });
        // A few at a time: sixteen daemons starting at once on two loaded cores miss their start timeout.
        for (let first = 0; first < n; first += START_BATCH) {
            nodes.push(...await startPeerDaemons(Math.min(START_BATCH, n - first), {
                schedulers: scheduler !== undefined ? [scheduler.address] : [],
                tokenFile: env.tokenFile,
                firstIndex: first,
                peerHost: (i) => env.hosts[i].address,
                wrap: (i) => (cmd, args) => inNamespace(env.hosts[i].ns, cmd, args),
                args: (i) => ['--metrics', `${env.hosts[i].address}:0`, '--mirror-listen', `${env.hosts[i].address}:0`],
                dir: (i) => join(base, `node-${i}`),
                configToml: `[mirror]\nplain_http = ["${env.registryHost}"]\n`,
            }));
        }
        if (p2p)
            await eventually(async () => (await Promise.all(nodes.map(async (x) => (await x.client.status()).p2p?.state === 'ready'))).every(Boolean), 60_000, 'every peer registered');
        const mirrors = await Promise.all(nodes.map(async (x) => (await x.client.status()).mirror));
        const started = process.hrtime.bigint();
        const got = await Promise.all(nodes.map((node, i) => (workload === 'mirror'
            ? pullThrough(mirrors[i], env.registryHost, env.content)
            : getThrough(node, join(base, `node-${i}`, 'weights.bin'), env.content))));
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        for (const [i, problem] of got.entries())
            if (problem !== undefined)
                throw new Error(`${nodes[i].hostId}: ${problem}`);
        const perNode = (source) => Promise.all(nodes.map((x) => x.metric('darner_mirror_blob_bytes_total', { source }).catch(() => 0)));
        const origin = await perNode('origin');
        const peer = await perNode('peer');
        const bad = await Promise.all(nodes.map((x) => x.metric('darner_mirror_bad_pieces_total').catch(() => 0)));
        const originBytes = origin.reduce((a, b) => a + b, 0);
        const dataBytes = env.content.bytes[workload];
        return {
            workload,
            nodes: n,
            p2p,
            seconds,
            originBytes,
            dataBytes,
            originRatio: originBytes / dataBytes,
            originMaxNode: Math.max(...origin),
            peerBytesPerNode: peer.reduce((a, b) => a + b, 0) / n,
            badPieces: bad.reduce((a, b) => a + b, 0),
        };
    }
    finally {
        const logDir = process.env.DARNER_BENCH_P2P_LOGS;
        if (logDir !== undefined) {
            // Diagnosis: each daemon's log of this run, kept after its scratch directory is removed.
            const runDir = join(logDir, `${workload}-${n}-${p2p ? 'p2p' : 'origin'}`);
            await mkdir(runDir, { recursive: true });
            await Promise.all(nodes.map((x) => writeFile(join(runDir, `${x.hostId}.log`), x.logs)));
            if (scheduler !== undefined)
                await writeFile(join(runDir, 'scheduler.log'), scheduler.logs);
        }
        await stopAll(nodes);
        await scheduler?.stop();
        // The caches and downloads of a run are not needed by the next: keep the scratch disk small.
        await rm(base, { recursive: true, force: true });
    }
}
/** The image's manifest and then all its blobs at once through one mirror; what was wrong, if anything. */
async function pullThrough(mirror, registryHost, content) {
    const base = `http://${mirror}/v2/${content.repository}`;
    const ns = `?ns=${encodeURIComponent(registryHost)}`;
    const m = await request(`${base}/manifests/1${ns}`, { headers: { accept: content.image.manifest.mediaType } });
    const manifest = JSON.parse(Buffer.from(await m.body.arrayBuffer()).toString());
    const problems = await Promise.all([manifest.config, ...manifest.layers].map(async ({ digest }) => {
        const r = await request(`${base}/blobs/${digest}${ns}`);
        const h = createHash('sha256');
        for await (const chunk of r.body)
            h.update(chunk);
        const actual = `sha256:${h.digest('hex')}`;
        return r.statusCode === 200 && actual === digest ? undefined : `blob ${digest}: HTTP ${r.statusCode}, ${actual}`;
    }));
    return problems.find((p) => p !== undefined);
}
/** `darner get` through the node's daemon; what was wrong, if anything. */
async function getThrough(node, output, content) {
    const { stdout } = await run(process.execPath, [CLI, 'get', '--socket', node.socket, '--digest', content.fileDigest, '-o', output, content.fileUrl], { maxBuffer: 1 << 20 });
    if (!/through the daemon/.test(stdout))
        return `darner get did not go through the daemon: ${stdout.trim()}`;
    const actual = `sha256:${createHash('sha256').update(await readFile(output)).digest('hex')}`;
    return actual === content.fileDigest ? undefined : `darner get wrote ${actual}`;
}
//# sourceMappingURL=p2p-plain.js.map