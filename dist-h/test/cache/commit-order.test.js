/**
 * The order the cache's crash safety rests on (docs/cache.md, "Crash safety"): a batch's bytes
 * are written to data and stored, both files' fdatasync *finished*, and only then the ready bits
 * written. A SIGKILL cannot show a missing sync (the page cache survives it), so this runs
 * BlobFiles over file handles that record what is done to them, without I/O. Also: every failed
 * batch (a write or a sync failing, e.g. ENOSPC) counts once in darner_cache_write_failures_total.
 */
import test from 'ava';
import { Registry } from 'prom-client';
import { BlobFiles } from '../../src/cache/blob-files.js';
import { cacheMetrics } from '../../src/cache/metrics.js';
import { BlockBitmap, blockCount } from '../../src/cache/ready-bitmap.js';
import { syntheticBlob, verified } from './synthetic-blob.js';
const KiB = 1024;
/** A CacheFile that records `<name>.write`, `<name>.datasync:start` / `:end` (a turn of the event loop apart). */
function recordingFile(name, rec, failing) {
    const fail = (op) => {
        if (failing.get(name) !== op)
            return;
        failing.delete(name);
        throw Object.assign(new Error(`ENOSPC: no space left on device, ${op}`), { code: 'ENOSPC' });
    };
    const file = {
        async read(buffer) {
            return { bytesRead: 0, buffer };
        },
        async write(data, offset, length) {
            rec.ops.push(`${name}.write`);
            fail('write');
            return { bytesWritten: length ?? data.byteLength - (offset ?? 0), buffer: data };
        },
        async writev(buffers) {
            rec.ops.push(`${name}.write`);
            fail('write');
            return { bytesWritten: buffers.reduce((n, b) => n + b.byteLength, 0), buffers };
        },
        async datasync() {
            rec.ops.push(`${name}.datasync:start`);
            await new Promise((r) => setImmediate(r));
            fail('datasync');
            rec.ops.push(`${name}.datasync:end`);
        },
        async close() { },
    };
    return file;
}
function blobOverRecorders(blob) {
    const failing = new Map();
    const rec = { ops: [], failNext: (file, op) => failing.set(file, op) };
    const registry = new Registry();
    const metrics = cacheMetrics(registry, async () => ({ bytes: 0, blobs: 0 }));
    const files = new BlobFiles('/nonexistent', blob, { keepStored: true, metrics, emit: () => { }, used: () => { } }, {
        data: recordingFile('data', rec, failing),
        stored: recordingFile('stored', rec, failing),
        ready: recordingFile('ready', rec, failing),
        chunkLog: recordingFile('chunks', rec, failing),
    }, new BlockBitmap(blockCount(blob.uncompressedSize)));
    return { files, rec, registry };
}
async function writeFailures(registry) {
    const m = await registry.getSingleMetric('darner_cache_write_failures_total')?.get();
    return m?.values.reduce((s, v) => s + v.value, 0) ?? NaN;
}
/** Checks: bytes written, then both syncs finished, then the bitmap written; nothing else first. */
function assertOrder(t, ops) {
    const last = (op) => ops.lastIndexOf(op);
    const first = (op) => ops.indexOf(op);
    const bitmap = first('ready.write');
    t.true(bitmap >= 0, `the bitmap is written: ${ops.join(' ')}`);
    for (const file of ['data', 'stored']) {
        t.true(last(`${file}.write`) < first(`${file}.datasync:start`), `${file}: every write before its sync: ${ops.join(' ')}`);
        t.true(first(`${file}.datasync:end`) >= 0 && first(`${file}.datasync:end`) < bitmap, `${file}: synced before the bitmap is written: ${ops.join(' ')}`);
    }
    t.true(first('chunks.write') > bitmap, 'the chunk log after the bits');
}
for (const how of ['write', 'writeAll']) {
    test(`${how} + commit: data and stored written, both synced, then the ready bits`, async (t) => {
        const blob = syntheticBlob([8 * KiB, 5000, 12 * KiB], 7);
        const { files, rec } = blobOverRecorders(blob);
        const w = files.add();
        const chunks = await verified(blob, [0, 1, 2]);
        if (how === 'write')
            for (const c of chunks)
                await w.write(c);
        else
            await w.writeAll(chunks);
        t.deepEqual(rec.ops.filter((o) => o.startsWith('ready') || o.includes('datasync')), [], 'nothing synced or marked before commit');
        t.deepEqual(await w.commit(), blob.records.map((r) => r.uncompressedOffset));
        assertOrder(t, rec.ops);
        t.true(files.isReady(blob.records[2].uncompressedOffset));
    });
}
test('invalidate writes the cleared bits and syncs them', async (t) => {
    const blob = syntheticBlob([8 * KiB, 8 * KiB], 8);
    const { files, rec } = blobOverRecorders(blob);
    const w = files.add();
    await w.writeAll(await verified(blob, [0, 1]));
    await w.commit();
    rec.ops.length = 0;
    await files.invalidate([0]);
    t.deepEqual(rec.ops, ['ready.write', 'ready.datasync:start', 'ready.datasync:end']);
    t.false(files.isReady(0));
});
for (const [file, op] of [
    ['data', 'write'],
    ['stored', 'write'],
    ['data', 'datasync'],
    ['stored', 'datasync'],
]) {
    test(`a ${op} of ${file} failing (ENOSPC): counted once, no bit set or written`, async (t) => {
        const blob = syntheticBlob([8 * KiB, 8 * KiB], 9);
        const { files, rec, registry } = blobOverRecorders(blob);
        rec.failNext(file, op);
        const w = files.add();
        const done = (async () => {
            await w.writeAll(await verified(blob, [0, 1]));
            return w.commit();
        })();
        await t.throwsAsync(done, { code: 'ENOSPC' });
        t.is(await writeFailures(registry), 1);
        t.false(files.isReady(0));
        t.false(rec.ops.includes('ready.write'), 'no bit reaches the bitmap');
        // The next batch goes through, and counts nothing.
        const again = files.add();
        await again.writeAll(await verified(blob, [0, 1]));
        t.is((await again.commit()).length, 2);
        t.is(await writeFailures(registry), 1);
    });
}
//# sourceMappingURL=commit-order.test.js.map