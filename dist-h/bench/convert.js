/**
 * `npm run bench:convert`: darner's converter against the physical references and against
 * stargz-snapshotter's converter, on the same inputs, in one run.
 *
 * Inputs: the Debian bookworm + python3 image of bench:start (two gzip layers) and a synthetic
 * image of about 1 GiB (three gzip layers of mixed text, binary and duplicate files).
 * For each input:
 *   - reading the uncompressed layer tars (cat), `zstd -3` (one and two threads), `sha256sum`,
 *     and blake3 through darner's native addon: what the hardware allows;
 *   - `darner convert oci:… oci:…` from the gzip layers and from the same layers uncompressed
 *     (exactly the bytes zstd reads), each in a child process of its own;
 *   - `ctr-remote images convert --oci --estargz` and `--oci --zstdchunked` inside a private
 *     containerd (its content store holds the same image, imported from the same archive), when
 *     ctr-remote is installed and DARNER_BENCH_CTR_REMOTE is not 0.
 * zstd -3 -T2 and both darner conversions are run DARNER_BENCH_RUNS times (default 3), in turn,
 * and the median of each is reported, so that load from other work falls on all of them alike.
 * Every row that is a child process has its wall seconds, CPU seconds (user + system, of the
 * process and everything it waited for) and peak RSS (VmHWM of the largest process), from GNU
 * time. Throughput is MB/s of uncompressed input (1 MB = 10^6 bytes).
 * Results: a table on stdout and bench/results/convert.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { chunkDigests } from '../src/digest.js';
import { startContainerd } from '../test/harness/containerd.js';
import { buildLayerTar, pseudoRandomBytes } from '../test/harness/layer-tar.js';
import { buildOciImage, writeOciArchive, writeOciLayout } from '../test/harness/oci-image.js';
import { debianPythonLayers } from './debian-python.js';
import { printTable, writeResults } from './report.js';
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const MB = 1e6;
const RUNS = Math.max(1, Number(process.env.DARNER_BENCH_RUNS ?? 3) || 3);
/** Runs a command under GNU time; returns wall seconds, CPU seconds and peak RSS. */
async function timed(cmd, args, options = {}) {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.stderr.on('data', (d) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0)
        throw new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr.slice(-2000)}`);
    const lines = stderr.trim().split('\n');
    const [rss, user, sys] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
    return { seconds, cpuSeconds: (user ?? NaN) + (sys ?? NaN), rssKiB: rss ?? NaN, stdout };
}
function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
/** The run of median wall time among several of the same tool. */
function medianRun(runs) {
    const m = median(runs.map((r) => r.seconds));
    return runs.reduce((a, b) => (Math.abs(b.seconds - m) < Math.abs(a.seconds - m) ? b : a));
}
async function shell(script) {
    return timed('bash', ['-c', script]);
}
/** About 1 GiB over three layers: text, binary, zeros-heavy files and cross-layer duplicates. */
function syntheticLayers() {
    const MiB = 1 << 20;
    const text = (size, seed) => {
        const words = ['container', 'image', 'chunk', 'layer', 'registry', 'lazy', 'node', 'blob', 'digest', 'mount', '\n'];
        const rnd = pseudoRandomBytes(size, seed);
        const out = Buffer.allocUnsafe(size);
        let o = 0;
        let i = 0;
        while (o < size) {
            const w = words[rnd[i++ % size] % words.length];
            o += out.write(`${w} `, o);
        }
        return out;
    };
    const binary = (size, seed) => {
        // Compresses roughly like program code: random bytes with frequent runs.
        const b = pseudoRandomBytes(size, seed);
        for (let i = 0; i < size; i += 16)
            b.fill(0, i, Math.min(size, i + (b[i] & 7)));
        return b;
    };
    const layers = [[], [], []];
    let seed = 1;
    let n = 0;
    const sizes = [4 * 1024, 64 * 1024, 700 * 1024, 3 * MiB, 16 * MiB];
    for (const [layerIndex, budget] of [340 * MiB, 340 * MiB, 260 * MiB].entries()) {
        let used = 0;
        while (used < budget) {
            const size = sizes[n % sizes.length];
            const data = n % 3 === 0 ? text(size, seed++) : binary(size, seed++);
            layers[layerIndex].push({ type: 'file', path: `l${layerIndex}/d${n % 17}/f${n}`, data });
            used += size;
            n += 1;
        }
    }
    // Layer 3 repeats some files of layer 1 (rebuilt dependencies).
    for (const entry of layers[0].slice(0, 40)) {
        if (entry.type === 'file')
            layers[2].push({ ...entry, path: `copy/${entry.path}` });
    }
    return layers;
}
async function measureInput(input, work, results) {
    const dir = join(work, input.name);
    mkdirSync(dir, { recursive: true });
    const tarFiles = input.tars.map((tar, i) => {
        const file = join(dir, `layer${i}.tar`);
        writeFileSync(file, tar);
        return file;
    });
    const rawBytes = input.tars.reduce((s, t) => s + t.length, 0);
    const quoted = tarFiles.map((f) => `'${f}'`).join(' ');
    const record = (tool, t, extra = {}) => {
        results.push({
            input: input.name,
            tool,
            seconds: t.seconds,
            mbPerSecond: rawBytes / MB / t.seconds,
            ...(t.cpuSeconds !== undefined ? { cpuSeconds: t.cpuSeconds } : {}),
            ...(t.rssKiB !== undefined ? { peakRssMiB: t.rssKiB / 1024 } : {}),
            ...extra,
        });
    };
    // Warm the page cache so every tool reads from memory.
    await shell(`cat ${quoted} > /dev/null`);
    record('read (cat)', await shell(`cat ${quoted} > /dev/null`));
    const zstdOut = join(dir, 'zstd.out');
    const zstd = async (threads) => shell(`zstd -3 -T${threads} -q -c ${quoted} > '${zstdOut}'`);
    const z1 = await zstd(1);
    record('zstd -3 -T1', z1, { outputBytes: statSync(zstdOut).size });
    record('sha256sum', await shell(`sha256sum ${quoted} > /dev/null`));
    {
        const started = process.hrtime.bigint();
        const cpu = process.cpuUsage();
        for (const tar of input.tars) {
            const pieces = [];
            for (let o = 0; o < tar.length; o += 1 << 20)
                pieces.push(tar.subarray(o, o + (1 << 20)));
            for (let i = 0; i < pieces.length; i += 64)
                await chunkDigests('blake3', pieces.slice(i, i + 64));
        }
        const used = process.cpuUsage(cpu);
        record('blake3 (native, 2 threads)', { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: (used.user + used.system) / 1e6 });
    }
    // darner: OCI layout in, OCI layout out; from the gzip layers a registry would serve, and from
    // the uncompressed tars (exactly the bytes zstd reads above).
    const src = join(dir, 'oci-src');
    await writeOciLayout(input.image, src);
    const plainSrc = join(dir, 'oci-src-tar');
    await writeOciLayout(await buildOciImage({ name: `${input.image.name}-tar`, layers: input.tars, compression: 'none' }), plainSrc);
    const darner = async (from) => {
        const out = join(dir, 'darner-out');
        try {
            const d = await timed(process.execPath, [CLI, 'convert', '--json', `oci:${from}`, `oci:${out}:darner`]);
            return { ...d, outputBytes: JSON.parse(d.stdout).outputBytes };
        }
        finally {
            rmSync(out, { recursive: true, force: true });
        }
    };
    // One unmeasured conversion warms the page cache and the module cache.
    await darner(plainSrc);
    const runs = { zstd2: [], tar: [], gzip: [] };
    for (let i = 0; i < RUNS; i += 1) {
        runs.zstd2.push(await zstd(2));
        runs.tar.push(await darner(plainSrc));
        runs.gzip.push(await darner(src));
    }
    const zstdBytes = statSync(zstdOut).size;
    record('zstd -3 -T2', medianRun(runs.zstd2), { outputBytes: zstdBytes });
    for (const [tool, list] of [
        ['darner convert (tar layers)', runs.tar],
        ['darner convert (gzip layers)', runs.gzip],
    ]) {
        const m = medianRun(list);
        record(tool, m, { outputBytes: m.outputBytes, peakRssMiB: Math.max(...list.map((r) => r.rssKiB)) / 1024 });
    }
    if (!ctrRemoteWanted())
        return;
    // stargz-snapshotter's converter, inside a private containerd.
    const ctd = await startContainerd();
    try {
        const archive = join(dir, 'image.tar');
        await writeOciArchive(input.image, archive);
        await ctd.ctr(['images', 'import', '--no-unpack', '--index-name', 'bench/src:1', archive], { timeoutMs: 600_000 });
        for (const [flag, tool] of [
            ['--estargz', 'ctr-remote --estargz'],
            ['--zstdchunked', 'ctr-remote --zstdchunked'],
        ]) {
            const target = `bench/out${flag}:1`;
            const c = await timed('ctr-remote', ['--address', ctd.address, 'images', 'convert', '--oci', flag, 'bench/src:1', target]);
            const manifest = await manifestOf(ctd, target);
            record(tool, c, { outputBytes: manifest.layers.reduce((s, l) => s + l.size, 0) });
        }
    }
    finally {
        await ctd.stop();
    }
}
function ctrRemoteWanted() {
    if (process.env.DARNER_BENCH_CTR_REMOTE === '0')
        return false;
    const found = spawnSync('sh', ['-c', 'command -v ctr-remote'], { stdio: 'ignore' }).status === 0;
    if (!found)
        process.stderr.write('ctr-remote is not installed: its rows are skipped\n');
    return found;
}
async function manifestOf(ctd, name) {
    const list = await ctd.ctr(['images', 'ls']);
    const line = list.split('\n').find((l) => l.startsWith(`${name} `));
    const digest = line?.split(/\s+/).find((f) => f.startsWith('sha256:'));
    if (!digest)
        throw new Error(`image ${name} not found:\n${list}`);
    let doc = JSON.parse(await ctd.ctr(['content', 'get', digest]));
    if (doc.manifests)
        doc = JSON.parse(await ctd.ctr(['content', 'get', doc.manifests[0]?.digest]));
    return { layers: doc.layers ?? [] };
}
async function main() {
    const work = mkdtempSync(join(process.env.DARNER_BENCH_DIR ?? tmpdir(), 'darner-bench-convert-'));
    const results = [];
    try {
        const inputs = [];
        const wanted = (name) => process.env.DARNER_BENCH_INPUTS === undefined || process.env.DARNER_BENCH_INPUTS.split(',').includes(name);
        if (wanted('debian-python')) {
            try {
                const layers = (await debianPythonLayers()).layers.map((file) => readFileSync(file));
                const tars = layers.map((gz) => gunzipSync(gz));
                inputs.push({ name: 'debian-python', image: await buildOciImage({ name: 'bench/debian-python:1', layers: tars }), tars });
            }
            catch (err) {
                process.stderr.write(`skipping the Debian + python3 input: ${err.message}\n`);
            }
        }
        if (wanted('synthetic-1g')) {
            const layers = syntheticLayers();
            const tars = [];
            for (const entries of layers)
                tars.push(await buildLayerTar(entries));
            inputs.push({ name: 'synthetic-1g', image: await buildOciImage({ name: 'bench/synthetic:1', layers: tars }), tars });
        }
        for (const input of inputs) {
            process.stderr.write(`measuring ${input.name} (${(input.tars.reduce((s, t) => s + t.length, 0) / MB).toFixed(0)} MB uncompressed)\n`);
            await measureInput(input, work, results);
        }
    }
    finally {
        rmSync(work, { recursive: true, force: true });
    }
    const ratios = {};
    for (const input of new Set(results.map((r) => r.input))) {
        const of = (tool) => results.find((r) => r.input === input && r.tool === tool);
        const gzip = of('darner convert (gzip layers)');
        const tar = of('darner convert (tar layers)');
        const zstd2 = of('zstd -3 -T2');
        const zc = of('ctr-remote --zstdchunked');
        if (!gzip || !tar || !zstd2)
            continue;
        ratios[input] = {
            'darner from tar layers / zstd -3 -T2 wall time (target <= 1.1)': tar.seconds / zstd2.seconds,
            'darner from tar layers / zstd -3 -T2 CPU seconds (target <= 1.3)': (tar.cpuSeconds ?? NaN) / (zstd2.cpuSeconds ?? NaN),
            'darner from gzip layers / zstd -3 -T2 wall time (target <= 1.5)': gzip.seconds / zstd2.seconds,
            'darner from gzip layers / zstd -3 -T2 CPU seconds': (gzip.cpuSeconds ?? NaN) / (zstd2.cpuSeconds ?? NaN),
            'darner peak RSS MiB, tar layers (target <= 96)': tar.peakRssMiB ?? NaN,
            'darner peak RSS MiB, gzip layers (target <= 96)': gzip.peakRssMiB ?? NaN,
            'darner / zstd -3 -T2 output size': (tar.outputBytes ?? NaN) / (zstd2.outputBytes ?? NaN),
            'darner / zstd:chunked throughput': zc ? gzip.mbPerSecond / zc.mbPerSecond : NaN,
        };
    }
    printTable(['input', 'tool', 'seconds', 'CPU s', 'MB/s', 'output MB', 'peak RSS MiB'], results.map((r) => [
        r.input,
        r.tool,
        r.seconds.toFixed(2),
        r.cpuSeconds !== undefined ? r.cpuSeconds.toFixed(2) : '',
        r.mbPerSecond.toFixed(1),
        r.outputBytes !== undefined ? (r.outputBytes / MB).toFixed(1) : '',
        r.peakRssMiB !== undefined ? r.peakRssMiB.toFixed(0) : '',
    ]));
    for (const [input, r] of Object.entries(ratios)) {
        process.stdout.write(`\n${input}:\n`);
        for (const [k, v] of Object.entries(r))
            process.stdout.write(`  ${k}: ${v.toFixed(2)}\n`);
    }
    const file = writeResults('convert', { runs: RUNS, results, ratios });
    process.stdout.write(`\nwrote ${file}\n`);
}
await main();
//# sourceMappingURL=convert.js.map