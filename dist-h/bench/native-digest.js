/**
 * Throughput of the native chunk digests against node:crypto on the main thread, and how long
 * each keeps the JavaScript thread from running anything else. Run: `npm run bench:native`
 * (after `npm run build`). Writes bench/results/native-digest.json.
 *
 * Cases: 256 chunks of 1 MiB (the converter's default chunk size) and 4096 chunks of 4 KiB (the
 * smallest chunk size, where the per-call cost dominates).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { digestBatch, digestRanges, digestSync } from '../src/native.js';
const MiB = 1024 * 1024;
const RUNS = 7;
function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}
async function measure(name, chunks, run) {
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    await run(); // warm-up
    const samples = [];
    for (let i = 0; i < RUNS; i += 1) {
        const histogram = monitorEventLoopDelay({ resolution: 1 });
        histogram.enable();
        // The histogram records from its second tick on: let it tick before the work starts.
        await new Promise((resolve) => setTimeout(resolve, 5));
        const start = performance.now();
        await run();
        const seconds = (performance.now() - start) / 1000;
        // Let the histogram see a loop turn after the work, so a blocking run is recorded.
        await new Promise((resolve) => setTimeout(resolve, 5));
        histogram.disable();
        samples.push({ mbPerSecond: bytes / 1e6 / seconds, delayMs: histogram.max / 1e6 });
    }
    samples.sort((a, b) => a.mbPerSecond - b.mbPerSecond);
    const mid = samples[Math.floor(samples.length / 2)];
    const result = {
        name,
        chunks: chunks.length,
        chunkSize: chunks[0]?.length ?? 0,
        mbPerSecond: Math.round(median(samples.map((s) => s.mbPerSecond))),
        maxEventLoopDelayMs: Math.round(mid.delayMs * 10) / 10,
    };
    console.log(`${name.padEnd(48)} ${String(result.mbPerSecond).padStart(6)} MB/s   event loop blocked up to ${result.maxEventLoopDelayMs} ms`);
    return result;
}
function nodeSha256All(chunks) {
    return chunks.map((chunk) => createHash('sha256').update(chunk).digest());
}
async function main() {
    console.log(`cores: ${availableParallelism()}, load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const results = [];
    const large = Array.from({ length: 256 }, () => randomBytes(MiB));
    results.push(await measure('digestBatch blake3, 256 x 1 MiB', large, () => digestBatch('blake3', large)));
    results.push(await measure('digestBatch sha256, 256 x 1 MiB', large, () => digestBatch('sha256', large)));
    results.push(await measure('node:crypto sha256 main thread, 256 x 1 MiB', large, () => nodeSha256All(large)));
    results.push(await measure('digestSync blake3 main thread, 256 x 1 MiB', large, () => large.map((c) => digestSync('blake3', c))));
    results.push(await measure('digestSync sha256 main thread, 256 x 1 MiB', large, () => large.map((c) => digestSync('sha256', c))));
    const whole = randomBytes(4096 * 4096);
    const small = Array.from({ length: 4096 }, (_, i) => whole.subarray(i * 4096, (i + 1) * 4096));
    const lengths = small.map((chunk) => chunk.length);
    results.push(await measure('digestBatch blake3, 4096 x 4 KiB', small, () => digestBatch('blake3', small)));
    results.push(await measure('digestRanges blake3, 4096 x 4 KiB', small, () => digestRanges('blake3', whole, lengths)));
    results.push(await measure('digestBatch sha256, 4096 x 4 KiB', small, () => digestBatch('sha256', small)));
    results.push(await measure('digestRanges sha256, 4096 x 4 KiB', small, () => digestRanges('sha256', whole, lengths)));
    results.push(await measure('node:crypto sha256 main thread, 4096 x 4 KiB', small, () => nodeSha256All(small)));
    results.push(await measure('digestSync blake3 main thread, 4096 x 4 KiB', small, () => small.map((c) => digestSync('blake3', c))));
    const out = new URL('../../bench/results/native-digest.json', import.meta.url);
    mkdirSync(new URL('.', out), { recursive: true });
    writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cores: availableParallelism(), results }, null, 2));
}
await main();
//# sourceMappingURL=native-digest.js.map