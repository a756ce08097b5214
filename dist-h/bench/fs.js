/**
 * `npm run bench:fs`: file reads through `darner daemon`'s mounts, in erofs mode (the kernel's
 * EROFS over FUSE blob devices) and fuse mode (FUSE alone), against local disk and against
 * downloading the whole blob, side by side in one run (docs/benchmarking.md). The targets are
 * erofs mode's, the daemon's default; FS_MODES=fuse (or erofs) measures one mode.
 *
 * One darner image of two layers, the registry behind the shaped link (100 Mbit/s, 10 ms each
 * way):
 *   - tree: 5,000 small files in 100 directories (sizes like a root filesystem's: 5 % under
 *     1 KiB, 93 % 1–64 KiB, 2 % 64–512 KiB; text-like or binary-like content), in tar order =
 *     `find` order, as image builders write them;
 *   - big: one 256 MiB file of incompressible bytes.
 * Each data blob holds one layer, so "fetching the whole image with one request" is one blob GET
 * (curl) of that layer's blob through the same link: the baseline of the cold reads.
 *
 * Per run (FS_RUNS, default 3), each read is `cat big > /dev/null` (sequential) or
 * `find tree -type f | xargs cat > /dev/null` (small files):
 *   - baseline: one GET of each data blob;
 *   - darner cold, per mode: a new daemon with an empty cache, a fresh mount, page cache dropped;
 *   - darner warm, per mode: every chunk in darner's cache; (1) page cache dropped, so each read
 *     goes through FUSE to the daemon and its cache file; (2) page cache kept (what a second container
 *     of the image sees); (3) page cache dropped after a daemon restart (each chunk is verified
 *     again on its first read);
 *   - local: the same files extracted to the scratch ext4, page cache dropped, then kept.
 * Medians of the runs; MB = 10^6 bytes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { convertImage } from '../converter/convert.js';
import { isDataBlobLayer } from '../src/oci/layer-kind.js';
import { startDaemonProcess } from '../test/harness/daemon.js';
import { pseudoRandomBytes } from '../test/harness/layer-tar.js';
import { createScratchFs, startShapedRegistry } from '../test/harness/network.js';
import { buildLayerTar, buildOciImage, writeOciLayout } from '../test/harness/oci-image.js';
import { MB, MiB, Teardown, dropCaches, fmt, linkDown, median, metricOf, runCommand } from './lib.js';
import { printTable, writeResults } from './report.js';
const RUNS = Number(process.env.FS_RUNS ?? 3);
const BIG_BYTES = Number(process.env.FS_BIG_MIB ?? 256) * MiB;
const TREE_FILES = Number(process.env.FS_TREE_FILES ?? 5000);
/** Extra daemon configuration (TOML) for every darner run, to compare fetch settings. */
const DAEMON_TOML = process.env.FS_DAEMON_TOML ?? '';
const RATE_MBIT = 100;
const DELAY_MS = 10;
// ---------------------------------------------------------------------------------------------
// The image
/** xorshift32, for reproducible sizes and text. */
function prng(seed) {
    let x = seed >>> 0 || 1;
    return () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return (x >>> 0) / 2 ** 32;
    };
}
function logUniform(rand, min, max) {
    return Math.round(Math.exp(Math.log(min) + rand() * (Math.log(max) - Math.log(min))));
}
/**
 * Text-like bytes (words from a 4,096-word vocabulary: zstd ratio near 3, like scripts, docs and
 * locale data) or, for a quarter of the files, binary-like (half random bytes: ratio near 2,
 * like shared libraries).
 */
function fileContent(rand, vocabulary, size) {
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    const binary = rand() < 0.25;
    while (at < size) {
        if (binary && rand() < 0.5) {
            const n = Math.min(size - at, 64);
            pseudoRandomBytes(n, Math.floor(rand() * 2 ** 32)).copy(out, at);
            at += n;
            continue;
        }
        const word = vocabulary[Math.floor(rand() * vocabulary.length)];
        at += word.copy(out, at, 0, Math.min(word.length, size - at));
        if (at < size)
            out[at++] = rand() < 0.1 ? 0x0a : 0x20;
    }
    return out;
}
/** TREE_FILES files under tree/, 20 × 5 directories, depth-first in name order (find's order). */
export function smallTree(count) {
    const rand = prng(20240601);
    const vocabulary = Array.from({ length: 4096 }, () => Buffer.from(Array.from({ length: 2 + Math.floor(rand() * 9) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('')));
    const entries = [{ type: 'dir', path: 'tree' }];
    const perDir = Math.ceil(count / 100);
    let files = 0;
    let bytes = 0;
    for (let top = 0; top < 20; top++) {
        entries.push({ type: 'dir', path: `tree/t${String(top).padStart(2, '0')}` });
        for (let sub = 0; sub < 5; sub++) {
            const dir = `tree/t${String(top).padStart(2, '0')}/s${sub}`;
            entries.push({ type: 'dir', path: dir });
            for (let f = 0; f < perDir && files < count; f++, files++) {
                const u = rand();
                const size = u < 0.05 ? 100 + Math.floor(rand() * 900) : u < 0.98 ? logUniform(rand, 1024, 64 * 1024) : logUniform(rand, 64 * 1024, 512 * 1024);
                bytes += size;
                entries.push({ type: 'file', path: `${dir}/f${String(f).padStart(3, '0')}`, data: fileContent(rand, vocabulary, size), mode: 0o644 });
            }
        }
    }
    return { entries, files, bytes };
}
/** cat's stdout goes to /dev/null through sh, so no byte of it reaches this process. */
async function timed(cmd) {
    return (await runCommand('sh', ['-c', cmd])).seconds;
}
const readBig = (root) => timed(`cat '${join(root, 'big', 'file.bin')}' > /dev/null`);
const readTree = (root) => timed(`find '${join(root, 'tree')}' -type f -print0 | xargs -0 cat > /dev/null`);
async function withDaemonCounters(daemon, link, read) {
    const [bytes0, requests0, link0] = await Promise.all([
        metricOf(daemon, 'darner_fetch_origin_bytes_total'),
        metricOf(daemon, 'darner_fetch_origin_requests_total'),
        linkDown(link),
    ]);
    const seconds = await read();
    const [bytes1, requests1, link1] = await Promise.all([
        metricOf(daemon, 'darner_fetch_origin_bytes_total'),
        metricOf(daemon, 'darner_fetch_origin_requests_total'),
        linkDown(link),
    ]);
    return {
        seconds,
        originBytes: bytes1 - bytes0,
        originRequests: requests1 - requests0,
        linkBytes: link1.sentBytes - link0.sentBytes,
        linkDrops: link1.drops - link0.drops,
    };
}
/** One GET of a whole blob through the shaped link with curl: seconds, bytes, the link's drops. */
async function blobGet(link, url) {
    const link0 = await linkDown(link);
    const r = await runCommand('curl', ['-sS', '-f', '-o', '/dev/null', '-w', '%{time_total} %{size_download}', url]);
    const link1 = await linkDown(link);
    const [seconds, bytes] = r.stdout.trim().split(' ').map(Number);
    return { seconds: seconds, linkBytes: bytes, linkDrops: link1.drops - link0.drops };
}
async function waitForMount(daemon, mountpoint) {
    for (let i = 0; i < 600; i++) {
        const mounts = await daemon.client.listMounts().catch(() => []);
        const mounted = (await runCommand('findmnt', ['-n', '--mountpoint', mountpoint]).catch(() => undefined)) !== undefined;
        if (mounted && mounts.some((m) => m.mountpoint === mountpoint))
            return;
        await sleep(100);
    }
    throw new Error(`the daemon did not mount ${mountpoint} again`);
}
const ROW_PREFIX = { erofs: 'darner', fuse: 'fuse' };
/** Mount modes measured, the first one the targets' (FS_MODES, default both). */
const MODES = (process.env.FS_MODES ?? 'erofs,fuse').split(',').map((m) => m.trim());
for (const m of MODES)
    if (m !== 'erofs' && m !== 'fuse')
        throw new Error(`FS_MODES: unknown mode ${m}`);
/**
 * darner's rows for one mount mode: a new daemon with an empty cache and a fresh mount; cold
 * reads, warm reads (page cache dropped, then kept), warm reads after a daemon restart.
 */
async function measureMode(teardown, { mode, dir, reference, link }) {
    const big = {};
    const tree = {};
    const mark = teardown.mark();
    mkdirSync(dir);
    const configToml = `${DAEMON_TOML}\n[fuse]\nmode = "${mode}"\n`;
    let daemon = await startDaemonProcess({ dir, args: ['--log-level', 'info'], configToml });
    teardown.add('daemon', () => daemon.cleanup());
    const mountpoint = join(daemon.mountRoot, 'image');
    const { mount } = await daemon.client.mount({ reference, mountpoint, plainHttp: true });
    if (mount.mode !== mode)
        throw new Error(`asked for ${mode} mode, the daemon mounted in ${mount.mode ?? 'an unknown'} mode`);
    await dropCaches();
    big.Cold = await withDaemonCounters(daemon, link, () => readBig(mountpoint));
    await dropCaches();
    tree.Cold = await withDaemonCounters(daemon, link, () => readTree(mountpoint));
    // Warm, page cache dropped, then the same read again from the page cache it filled.
    await dropCaches();
    big.WarmDropped = await withDaemonCounters(daemon, link, () => readBig(mountpoint));
    big.WarmPageCache = await withDaemonCounters(daemon, link, () => readBig(mountpoint));
    await dropCaches();
    tree.WarmDropped = await withDaemonCounters(daemon, link, () => readTree(mountpoint));
    tree.WarmPageCache = await withDaemonCounters(daemon, link, () => readTree(mountpoint));
    await daemon.stop();
    daemon = await startDaemonProcess({ dir, args: ['--log-level', 'info'], configToml });
    await waitForMount(daemon, mountpoint);
    await dropCaches();
    big.WarmRestarted = await withDaemonCounters(daemon, link, () => readBig(mountpoint));
    await dropCaches();
    tree.WarmRestarted = await withDaemonCounters(daemon, link, () => readTree(mountpoint));
    await teardown.unwindTo(mark);
    rmSync(dir, { recursive: true, force: true });
    return { big, tree };
}
async function main(teardown) {
    const scratch = await createScratchFs({ sizeGiB: 8 });
    teardown.add('scratch fs', () => scratch.destroy());
    const reg = await startShapedRegistry({ rateMbit: RATE_MBIT, delayMs: DELAY_MS });
    teardown.add('shaped registry', () => reg.stop());
    const seed = await reg.seedHost();
    // Image: built, converted and pushed before anything is timed.
    process.stderr.write('bench:fs: building the image\n');
    const tree = smallTree(TREE_FILES);
    const bigEntries = [
        { type: 'dir', path: 'big' },
        { type: 'file', path: 'big/file.bin', data: pseudoRandomBytes(BIG_BYTES, 7) },
    ];
    const treeTar = await buildLayerTar(tree.entries);
    const bigTar = await buildLayerTar(bigEntries);
    const image = await buildOciImage({ name: 'bench/fs:oci', layers: [treeTar, bigTar], compression: 'none' });
    const layout = join(scratch.dir, 'layout');
    await writeOciLayout(image, layout);
    const work = join(scratch.dir, 'work');
    mkdirSync(work);
    process.stderr.write('bench:fs: converting\n');
    const summary = await convertImage(`oci:${layout}`, `${seed}/bench/fs:darner`, { workDir: work });
    const dataLayers = summary.manifest.layers.filter(isDataBlobLayer);
    if (dataLayers.length !== 2)
        throw new Error(`expected 2 data blobs, got ${dataLayers.length}`);
    const [treeBlob, bigBlob] = dataLayers;
    rmSync(layout, { recursive: true, force: true });
    // Local copy on the scratch ext4.
    const local = join(scratch.dir, 'local');
    mkdirSync(local);
    for (const [name, tar] of [['tree', treeTar], ['big', bigTar]]) {
        const file = join(scratch.dir, `${name}.tar`);
        writeFileSync(file, tar);
        await runCommand('tar', ['-xf', file, '-C', local]);
        rmSync(file);
    }
    const reference = `${reg.host}/bench/fs:darner`;
    const blobUrl = (digest) => `${reg.url}/v2/bench/fs/blobs/${digest}`;
    process.stderr.write(`bench:fs: tree ${tree.files} files, ${fmt.mb(tree.bytes)} MB (blob ${fmt.mb(treeBlob.size)} MB); big ${fmt.mb(BIG_BYTES)} MB (blob ${fmt.mb(bigBlob.size)} MB); bootstrap ${fmt.mb(summary.bootstrapBytes)} MB\n`);
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
        process.stderr.write(`bench:fs: run ${run + 1}/${RUNS}\n`);
        const big = {};
        const treeRow = {};
        // Baseline: the whole blob in one GET.
        big.baseline = await blobGet(reg.link, blobUrl(bigBlob.digest));
        treeRow.baseline = await blobGet(reg.link, blobUrl(treeBlob.digest));
        for (const mode of MODES) {
            const prefix = ROW_PREFIX[mode];
            const rows = await measureMode(teardown, { mode, dir: join(scratch.dir, `daemon-${run}-${mode}`), reference, link: reg.link });
            for (const row of Object.keys(rows.big)) {
                big[`${prefix}${row}`] = rows.big[row];
                treeRow[`${prefix}${row}`] = rows.tree[row];
            }
        }
        await dropCaches();
        big.localCold = { seconds: await readBig(local) };
        big.localPageCache = { seconds: await readBig(local) };
        await dropCaches();
        treeRow.localCold = { seconds: await readTree(local) };
        treeRow.localPageCache = { seconds: await readTree(local) };
        runs.push({ big, tree: treeRow });
    }
    // Report: medians.
    const keys = [
        ['baseline', 'one GET of the whole blob (shaped link)'],
        ...MODES.flatMap((mode) => {
            const prefix = ROW_PREFIX[mode];
            const name = `darner ${mode} mode`;
            return [
                [`${prefix}Cold`, `${name}, cold (empty cache, shaped link)`],
                [`${prefix}WarmDropped`, `${name}, warm: cached, page cache dropped`],
                [`${prefix}WarmRestarted`, `${name}, warm: cached, daemon restarted`],
                [`${prefix}WarmPageCache`, `${name}, warm: page cache`],
            ];
        }),
        ['localCold', 'local ext4, page cache dropped'],
        ['localPageCache', 'local ext4, page cache'],
    ];
    const med = (which, key, field) => median(runs.map((r) => r[which][key][field] ?? NaN));
    const summaryOf = (which, bytes, files) => Object.fromEntries(keys.map(([key]) => {
        const seconds = med(which, key, 'seconds');
        return [
            key,
            {
                seconds,
                MBps: bytes / seconds / MB,
                filesPerSecond: files / seconds,
                originBytes: med(which, key, 'originBytes'),
                originRequests: med(which, key, 'originRequests'),
                linkBytes: med(which, key, 'linkBytes'),
                linkDrops: med(which, key, 'linkDrops'),
            },
        ];
    }));
    const bigStats = summaryOf('big', BIG_BYTES, 1);
    const treeStats = summaryOf('tree', tree.bytes, tree.files);
    // The baseline's MB/s is over the blob's bytes as sent (what the link moved), the others over file bytes.
    bigStats.baseline.MBps = bigBlob.size / bigStats.baseline.seconds / MB;
    treeStats.baseline.MBps = treeBlob.size / treeStats.baseline.seconds / MB;
    process.stdout.write(`\nbench:fs — ${RUNS} runs, medians; link ${RATE_MBIT} Mbit/s, ${DELAY_MS} ms each way; MB = 10^6 bytes\n\n`);
    process.stdout.write(`sequential: cat of one ${fmt.mb(BIG_BYTES)} MB file (blob ${fmt.mb(bigBlob.size)} MB, incompressible)\n`);
    printTable(['read', 'way', 's', 'MB/s', 'vs local cold', 'vs whole GET', 'origin MB', 'requests', 'link drops'], keys.map(([key, label]) => [
        key,
        label,
        fmt.s(bigStats[key].seconds),
        fmt.mbps(bigStats[key].MBps),
        fmt.ratio(bigStats[key].MBps / bigStats.localCold.MBps),
        fmt.ratio(bigStats.baseline.seconds / bigStats[key].seconds),
        fmt.mb(bigStats[key].originBytes),
        fmt.int(bigStats[key].originRequests),
        fmt.int(bigStats[key].linkDrops),
    ]));
    process.stdout.write(`\nsmall files: find + cat of ${tree.files} files, ${fmt.mb(tree.bytes)} MB (blob ${fmt.mb(treeBlob.size)} MB)\n`);
    printTable(['read', 'way', 's', 'MB/s', 'files/s', 'vs local cold', 'vs whole GET', 'origin MB', 'requests', 'link drops'], keys.map(([key, label]) => [
        key,
        label,
        fmt.s(treeStats[key].seconds),
        fmt.mbps(treeStats[key].MBps),
        fmt.int(treeStats[key].filesPerSecond),
        fmt.ratio(treeStats[key].seconds > 0 ? treeStats.localCold.seconds / treeStats[key].seconds : NaN),
        fmt.ratio(treeStats.baseline.seconds / treeStats[key].seconds),
        fmt.mb(treeStats[key].originBytes),
        fmt.int(treeStats[key].originRequests),
        fmt.int(treeStats[key].linkDrops),
    ]));
    const linkMBps = bigStats.baseline.MBps;
    // The targets are the first mode's (erofs unless FS_MODES says otherwise).
    const main = ROW_PREFIX[MODES[0]];
    const targets = [
        {
            target: 'warm sequential (page cache dropped) >= 50% of local disk (page cache dropped)',
            value: bigStats[`${main}WarmDropped`].MBps / bigStats.localCold.MBps,
            goal: 0.5,
        },
        { target: 'cold sequential >= 80% of the link (one whole-blob GET)', value: bigStats[`${main}Cold`].MBps / linkMBps, goal: 0.8 },
        {
            target: 'cold sequential >= 80% of the nominal link (100 Mbit/s)',
            value: bigStats[`${main}Cold`].MBps / (RATE_MBIT / 8),
            goal: 0.8,
        },
        {
            target: 'cold small files no slower than one GET of their blob (time ratio GET / darner)',
            value: treeStats.baseline.seconds / treeStats[`${main}Cold`].seconds,
            goal: 1,
        },
    ].map((t) => ({ ...t, met: t.value >= t.goal }));
    process.stdout.write('\n');
    printTable(['target', 'value', 'met'], targets.map((t) => [t.target, fmt.ratio(t.value), t.met ? 'yes' : 'NO']));
    const file = writeResults('fs', {
        link: { rateMbit: RATE_MBIT, delayMs: DELAY_MS, delay: 'nfqueue', wholeBlobGetMBps: linkMBps },
        image: {
            treeFiles: tree.files,
            treeBytes: tree.bytes,
            treeBlobBytes: treeBlob.size,
            bigBytes: BIG_BYTES,
            bigBlobBytes: bigBlob.size,
            bootstrapBytes: summary.bootstrapBytes,
            chunkSize: 1 << 20,
        },
        runs: RUNS,
        warmDefinition: 'warm = every chunk in darner\'s cache; reported with the page cache dropped (reads reach the daemon and its cache file), with the page cache kept, and after a daemon restart (first reads verify each chunk again)',
        sequential: bigStats,
        smallFiles: treeStats,
        modes: MODES,
        targetsMode: MODES[0],
        targets,
        raw: runs,
    });
    process.stdout.write(`\nresults: ${file}\n`);
}
// Run as the benchmark; imported (to explore one case by hand), it only exports.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const teardown = new Teardown();
    void teardown.run(() => main(teardown));
}
//# sourceMappingURL=fs.js.map