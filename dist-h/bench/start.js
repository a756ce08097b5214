/**
 * `npm run bench:start`: time from pull to the first output of a command in a container, darner
 * against containerd's overlayfs snapshotter, side by side in one run, with the registry behind
 * the shaped link (100 Mbit/s, 10 ms each way; docs/benchmarking.md). Systems (bench/start-run.ts):
 * overlayfs, darner (`darner pull` + `ctr run`), darner-cri (`crictl pull` through containerd's
 * CRI plugin + `ctr run`), darner-traced (the image converted with an access trace of the
 * workload, bench/start-trace.ts). Images: bench/start-images.ts.
 *
 * Per run: the phases, in seconds from the start of the pull — pull done, image mounted (the
 * snapshotter's log), first data request at the registry (its log), first output — the exit of
 * `ctr run`, the bytes the shaped link carried from the registry. Bytes read by the workload: the
 * file ranges of its access trace (recorded in FUSE mode, so including the kernel's read-ahead).
 * START_RUNS (default 3) runs; the systems rotate which goes first; medians.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchFs, startShapedRegistry } from '../test/harness/network.js';
import { Teardown, fmt, median } from './lib.js';
import { printTable, writeResults } from './report.js';
import { prepareImage } from './start-images.js';
import { SYSTEMS, coldStart } from './start-run.js';
import { prepareTracedImage } from './start-trace.js';
export { coldStart } from './start-run.js';
export { prepareImage } from './start-images.js';
const RUNS = Number(process.env.START_RUNS ?? 3);
const IMAGES = (process.env.START_IMAGES ?? 'python,big').split(',');
/** Which systems run (default all; the ratios need overlayfs). */
const RUN_SYSTEMS = SYSTEMS.filter((s) => (process.env.START_SYSTEMS ?? SYSTEMS.join(',')).split(',').includes(s));
const OPTIONS = {
    /** START_DROP_CACHES=0 keeps the page cache between runs (how much of a start is reading code from disk). */
    dropCaches: process.env.START_DROP_CACHES !== '0',
    /** Extra daemon configuration (TOML) for every darner run, to compare fetch settings. */
    daemonToml: process.env.START_DAEMON_TOML ?? '',
};
const RATE_MBIT = 100;
const DELAY_MS = 10;
/** Targets: darner's time to the first output as a share of overlayfs's, per image and system. */
const GOALS = { python: { darner: 0.18, 'darner-traced': 0.12 }, big: { darner: 0.04 } };
/** Registry bytes at most this many times what the workload reads. */
const READ_AMPLIFICATION_GOAL = 1.3;
const PHASES = ['pull', 'mount', 'firstDataRequest', 'firstOutput', 'run', 'total', 'linkBytes', 'originBytes', 'originRequests'];
function medians(list) {
    return Object.fromEntries(PHASES.map((p) => [p, median(list.map((m) => m[p] ?? NaN).filter((v) => Number.isFinite(v)))]));
}
async function main(teardown) {
    const scratch = await createScratchFs({ sizeGiB: 16 });
    teardown.add('scratch fs', () => scratch.destroy());
    const reg = await startShapedRegistry({ rateMbit: RATE_MBIT, delayMs: DELAY_MS });
    teardown.add('shaped registry', () => reg.stop());
    const seed = await reg.seedHost();
    const work = join(scratch.dir, 'work');
    mkdirSync(work);
    const images = [];
    const traced = {};
    for (const name of IMAGES) {
        process.stderr.write(`bench:start: preparing ${name}\n`);
        const image = await prepareImage(name, reg, seed, work);
        images.push(image);
        if (RUN_SYSTEMS.includes('darner-traced')) {
            process.stderr.write(`bench:start: recording ${name}'s workload, converting with the trace\n`);
            traced[name] = await prepareTracedImage(image, reg, seed, work);
        }
    }
    const results = {};
    for (let run = 0; run < RUNS; run++) {
        for (const image of images) {
            const order = RUN_SYSTEMS.map((_, i) => RUN_SYSTEMS[(i + run) % RUN_SYSTEMS.length]);
            for (const system of order) {
                process.stderr.write(`bench:start: run ${run + 1}/${RUNS} ${image.name} ${system}\n`);
                const dir = join(scratch.dir, `r${run}-${image.name}-${system}`);
                const m = await coldStart(system, image, traced[image.name], reg, dir, teardown, OPTIONS);
                ((results[image.name] ??= {})[system] ??= []).push(m);
                process.stderr.write(`  pull ${fmt.s(m.pull)} s, first output ${fmt.s(m.firstOutput)} s, ${fmt.mb(m.linkBytes)} MB from the registry\n`);
            }
        }
    }
    const summary = images.map((image) => {
        const readBytes = traced[image.name]?.readBytes ?? NaN;
        const per = Object.fromEntries(RUN_SYSTEMS.map((s) => [s, medians(results[image.name]?.[s] ?? [])]));
        const base = per.overlayfs?.total ?? NaN;
        const systems = RUN_SYSTEMS.map((system) => {
            const m = per[system];
            const ratio = m.total / base;
            const goal = GOALS[image.name]?.[system];
            return { system, ...m, ratio, readAmplification: m.linkBytes / readBytes, goal, met: goal === undefined ? undefined : ratio <= goal };
        });
        return { image: image.name, readBytes, tracedFiles: traced[image.name]?.tracedFiles, systems };
    });
    process.stdout.write(`\nbench:start — ${RUNS} cold runs each, medians; link ${RATE_MBIT} Mbit/s, ${DELAY_MS} ms each way; MB = 10^6 bytes\n`);
    process.stdout.write('times in s from the start of the pull (run: ctr run to its exit); read = bytes the workload read (its access trace)\n\n');
    printTable(['image', 'system', 'pull', 'mounted', 'first data req', 'first output', 'run', 'registry MB', 'read MB', 'registry / read', 'vs overlayfs'], summary.flatMap((s) => s.systems.map((m) => [
        s.image,
        m.system,
        fmt.s(m.pull),
        fmt.s(m.mount),
        fmt.s(m.firstDataRequest),
        fmt.s(m.total),
        fmt.s(m.run),
        fmt.mb(m.linkBytes),
        fmt.mb(s.readBytes),
        Number.isFinite(m.readAmplification) ? `${m.readAmplification.toFixed(2)}x` : '-',
        m.system === 'overlayfs' ? '' : fmt.ratio(m.ratio),
    ])));
    process.stdout.write('\n');
    const targets = summary.flatMap((s) => [
        ...s.systems.filter((m) => m.goal !== undefined).map((m) => [`${s.image}: ${m.system} first output <= ${fmt.ratio(m.goal)} of overlayfs`, fmt.ratio(m.ratio), m.met ? 'yes' : 'NO']),
        ...s.systems
            .filter((m) => m.system !== 'overlayfs' && Number.isFinite(m.readAmplification))
            .map((m) => [`${s.image}: ${m.system} registry bytes <= ${READ_AMPLIFICATION_GOAL}x read`, `${m.readAmplification.toFixed(2)}x`, m.readAmplification <= READ_AMPLIFICATION_GOAL ? 'yes' : 'NO']),
    ]);
    printTable(['target', 'value', 'met'], targets);
    const file = writeResults('start', {
        link: { rateMbit: RATE_MBIT, delayMs: DELAY_MS, delay: 'nfqueue' },
        runs: RUNS,
        systems: RUN_SYSTEMS,
        images: images.map(({ name, command, ociBytes, darner }) => ({ name, command, ociBytes, darnerBlobBytes: darner.blobBytes, bootstrapBytes: darner.bootstrapBytes, traced: traced[name] })),
        notes: 'times from the start of the pull; first output = pull + time to the first output of `ctr run`; the darner daemon and snapshotter (like containerd) run before the clock starts; every run cold (new containerd root/state, empty darner cache, page cache dropped); darner-cri pulls with crictl through the CRI plugin and starts with `ctr -n k8s.io run`; read bytes from the FUSE-mode access trace (kernel read-ahead included)',
        summary,
        raw: results,
    });
    process.stdout.write(`\nresults: ${file}\n`);
}
// Run as the benchmark; imported (to explore one case by hand), it only exports.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const teardown = new Teardown();
    void teardown.run(() => main(teardown));
}
//# sourceMappingURL=start.js.map