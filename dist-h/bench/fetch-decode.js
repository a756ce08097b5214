/**
 * Decode + verify of fetched chunks: how fast, and how long each way keeps the JavaScript thread
 * (which answers every FUSE read of the daemon) from running anything else. Run:
 * `npm run bench:fetch-decode` (after `npm run build`). Writes bench/results/fetch-decode.json.
 *
 * One "range" is what one Range request brings: 16 chunks of 1 MiB (default chunk size; text
 * and binary-like content, zstd -3 as the converter stores it) or 256 chunks of 4 KiB. Ways:
 * - js-decode + native digest: decodeStoredChunk (zstd-napi) per chunk on the main thread, then
 *   one digestBatch off the thread;
 * - native decodeVerifyBatch: one call, decode and digest on the rayon pool.
 * jsThreadBusyMs (event loop active time during a run) is the number that matters for the
 * daemon; maxEventLoopDelayMs also counts time the thread was descheduled on a loaded machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { compress } from 'zstd-napi';
import { decodeStoredChunk } from '../src/chunk-codec.js';
import { CHUNK_FLAG_ZSTD } from '../src/format/model.js';
import { decodeVerifyBatch, digestBatch, digestSync } from '../src/native.js';
const RUNS = 7;
/** Chunks that compress about like program files: half repetitive text, half noise. */
function chunkData(size, seed) {
    const out = Buffer.alloc(size, `function f${seed}(x) { return x * ${seed}; }\n`);
    let x = seed * 2654435761;
    for (let i = 0; i < size; i += 64) {
        x = (x * 1103515245 + 12345) >>> 0;
        if (x % 2 === 0)
            for (let k = 0; k < 16 && i + k + 4 <= size; k += 4)
                out.writeUInt32LE((x = (x * 1103515245 + 12345) >>> 0), i + k);
    }
    return out;
}
function makeRange(count, size) {
    const parts = [];
    const records = [];
    let at = 0;
    for (let i = 0; i < count; i++) {
        const data = chunkData(size, i + 1);
        const stored = compress(data, { compressionLevel: 3 });
        records.push({ blobIndex: 0, compressedOffset: at, compressedSize: stored.length, uncompressedOffset: i * size, uncompressedSize: size, flags: CHUNK_FLAG_ZSTD, digest: digestSync('blake3', data) });
        parts.push(stored);
        at += stored.length;
    }
    const layout = records.flatMap((r) => [r.compressedOffset, r.compressedSize, r.uncompressedSize, r.flags]);
    return { stored: Buffer.concat(parts), records, layout, digests: Buffer.concat(records.map((r) => r.digest)), bytes: count * size };
}
async function measure(name, range, run) {
    await run();
    const samples = [];
    for (let i = 0; i < RUNS; i++) {
        const histogram = monitorEventLoopDelay({ resolution: 1 });
        histogram.enable();
        await new Promise((resolve) => setTimeout(resolve, 5));
        const elu = performance.eventLoopUtilization();
        const start = performance.now();
        await run();
        const seconds = (performance.now() - start) / 1000;
        const busyMs = performance.eventLoopUtilization(elu).active;
        await new Promise((resolve) => setTimeout(resolve, 5));
        histogram.disable();
        samples.push({ mbPerSecond: range.bytes / 1e6 / seconds, delayMs: histogram.max / 1e6, busyMs });
    }
    samples.sort((a, b) => a.mbPerSecond - b.mbPerSecond);
    const mid = samples[Math.floor(samples.length / 2)];
    const result = {
        name,
        chunks: range.records.length,
        chunkSize: range.records[0].uncompressedSize,
        ratio: Number((range.bytes / range.stored.length).toFixed(2)),
        mbPerSecond: Math.round(mid.mbPerSecond),
        maxEventLoopDelayMs: Number(mid.delayMs.toFixed(1)),
        /** Event loop active time during the run (median run): JS thread work, not waiting. */
        jsThreadBusyMs: Number(mid.busyMs.toFixed(1)),
        eventLoopDelayRangeMs: [Number(samples.map((s) => s.delayMs).reduce((a, b) => Math.min(a, b)).toFixed(1)), Number(samples.map((s) => s.delayMs).reduce((a, b) => Math.max(a, b)).toFixed(1))],
    };
    console.log(JSON.stringify(result));
    return result;
}
const results = [];
for (const [count, size] of [
    [16, 1024 * 1024],
    [256, 4096],
]) {
    const range = makeRange(count, size);
    results.push(await measure('js-decode + native digest', range, async () => {
        const data = range.records.map((r) => decodeStoredChunk(r, range.stored.subarray(r.compressedOffset, r.compressedOffset + r.compressedSize)));
        const digests = await digestBatch('blake3', data);
        if (!digests.every((d, i) => d.equals(range.records[i].digest)))
            throw new Error('digest mismatch');
    }));
    results.push(await measure('native decodeVerifyBatch', range, async () => {
        const r = await decodeVerifyBatch('blake3', range.stored, range.layout, range.digests);
        if (r.status.some((s) => s !== 0))
            throw new Error('verify failed');
    }));
}
mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
const out = { date: new Date().toISOString(), cpus: availableParallelism(), loadavg: loadavg().map((l) => Number(l.toFixed(2))), runs: RUNS, results };
writeFileSync(new URL('../../bench/results/fetch-decode.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
//# sourceMappingURL=fetch-decode.js.map