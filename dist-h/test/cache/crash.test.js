import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openBlobCache } from '../../src/cache/index.js';
import { crashBlob } from './crash-blob.js';
const WRITER = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
/** Runs the writer until it has reported `atLeast` committed chunks, then SIGKILLs it. */
async function writeUntilKilled(dir, atLeast) {
    const child = spawn(process.execPath, [WRITER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let reported = 0;
    const exited = new Promise((resolve) => child.on('exit', () => resolve()));
    await new Promise((resolve, reject) => {
        child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
            const m = /^committed (\d+)$/.exec(line);
            if (m === null)
                return;
            reported = Number(m[1]);
            if (reported >= atLeast && child.exitCode === null) {
                child.kill('SIGKILL');
                resolve();
            }
        });
    });
    await exited;
    return reported;
}
test('SIGKILL in the middle of writing batches: every chunk marked ready verifies', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-cache-crash-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const blob = crashBlob();
    // First kill mid-way through the first pass; second kill during a later pass, where chunks
    // are invalidated and rewritten.
    for (const atLeast of [100, 400]) {
        const reported = await writeUntilKilled(dir, atLeast);
        const cache = await openBlobCache({ dir });
        const lease = await cache.acquire(blob);
        const ready = lease.blob.readyOffsets();
        if (atLeast === 100)
            t.true(ready.length >= reported, `${ready.length} ready, ${reported} committed before the kill`);
        let good = 0;
        for (const offset of ready) {
            const i = blob.records.findIndex((r) => r.uncompressedOffset === offset);
            t.not(i, -1, `a bit at ${offset}, where no chunk starts`);
            const bytes = await lease.blob.readChunk(blob.records[i], blob.algorithm);
            t.deepEqual(bytes, blob.data[i], `ready chunk ${i} reads back its own bytes`);
            if (bytes !== undefined)
                good += 1;
        }
        t.is(good, ready.length);
        await lease.release();
        await cache.close();
    }
});
//# sourceMappingURL=crash.test.js.map