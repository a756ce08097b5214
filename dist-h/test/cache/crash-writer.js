/**
 * Child process of crash.test.ts: writes a synthetic blob into a blob cache in batches, printing
 * `committed <chunks>` after each commit, until it is killed. Usage: node crash-writer.js DIR.
 */
import { openBlobCache } from '../../src/cache/index.js';
import { CRASH_BATCH, crashBlob } from './crash-blob.js';
import { verified } from './synthetic-blob.js';
const dir = process.argv[2];
if (dir === undefined)
    throw new Error('usage: crash-writer DIR');
const blob = crashBlob();
const cache = await openBlobCache({ dir });
const lease = await cache.acquire(blob);
let committed = 0;
for (let round = 0;; round++) {
    for (let first = 0; first < blob.records.length; first += CRASH_BATCH) {
        const indices = Array.from({ length: Math.min(CRASH_BATCH, blob.records.length - first) }, (_, i) => first + i);
        const writer = lease.blob.add();
        for (const chunk of await verified(blob, indices))
            await writer.write(chunk);
        committed += (await writer.commit()).length;
        process.stdout.write(`committed ${committed}\n`);
    }
    // Everything is ready: start over so the writes go on until the kill.
    await lease.blob.invalidate(lease.blob.readyOffsets());
}
//# sourceMappingURL=crash-writer.js.map