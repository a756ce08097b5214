/**
 * Integrity: a data blob altered in the registry's own storage. Reads of the altered chunk fail
 * with EIO (never altered bytes), the verify-failure metric counts it, the reason reaches the
 * log, the other chunks of the same file still read right, and nothing bad is cached.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FAILED_CHUNK_MEMORY_MS } from '../../src/fetch/fetch-engine.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { readFileRange } from '../harness/files.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const run = promisify(execFile);
const MiB = 1 << 20;
test('a blob altered in the registry: EIO for its chunk, counted, logged, never served or cached', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const data = pseudoRandomBytes(3 * MiB, 21);
    const image = await publishImage(registry.host, 'tampered', [[{ type: 'file', path: 'f.bin', data }]]);
    // Flip one byte inside the stored bytes of the file's second chunk, in the registry's storage.
    const loaded = await loadImageBootstrap(image.darnerRef, {});
    await loaded.source.close();
    const bs = loaded.bootstrap;
    const nid = bs.lookup(bs.rootNid, 'f.bin');
    const record = bs.chunk(bs.fileChunks(nid)[1]);
    const blobPath = registry.blobDataPath(`sha256:${bs.blobs[record.blobIndex].id}`);
    const blob = await readFile(blobPath);
    const at = record.compressedOffset + Math.floor(record.compressedSize / 2);
    const fh = await open(blobPath, 'r+');
    await fh.write(Buffer.from([blob[at] ^ 0x5a]), 0, 1, at);
    await fh.close();
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'tampered');
    await daemon.client.mount({ reference: image.darnerRef, mountpoint: mnt });
    const file = join(mnt, 'f.bin');
    // The good chunks read right.
    t.true((await readFileRange(file, 0, MiB)).equals(data.subarray(0, MiB)));
    t.true((await readFileRange(file, 2 * MiB, MiB)).equals(data.subarray(2 * MiB)));
    // The altered one: EIO, however it is read; no byte of it.
    await t.throwsAsync(readFileRange(file, MiB, 4096), { code: 'EIO' });
    await t.throwsAsync(readFileRange(file, MiB + 100_000, 10), { code: 'EIO' });
    const cat = await run('cat', [file], { encoding: 'buffer', maxBuffer: 8 * MiB }).then(() => undefined, (err) => err);
    t.truthy(cat, 'cat fails');
    t.regex(cat.stderr.toString(), /Input\/output error/);
    t.true(data.subarray(0, cat.stdout.length).equals(cat.stdout), 'what cat got before the error is the true prefix');
    t.true(cat.stdout.length <= MiB);
    t.true((await daemon.metric('darner_fetch_verify_failures_total')) >= 1);
    t.true((await daemon.metric('darner_fuse_read_errors_total')) >= 1);
    t.regex(daemon.logs, /FUSE read failed/);
    t.regex(daemon.logs, /DIGEST_MISMATCH|CORRUPT_CHUNK/);
    const cached = (await daemon.client.cacheList()).blobs.find((b) => b.id === bs.blobs[record.blobIndex].id);
    t.is(cached.readyChunks, 2, 'only the two good chunks are in the cache');
    // Put the byte back: the same read now succeeds (nothing bad is remembered for long). It goes
    // through a second mount, a second after the failure: a mount answers a read inside a range
    // that failed a moment ago at once, and so does the fetch path for a chunk that failed less
    // than FAILED_CHUNK_MEMORY_MS ago.
    const fix = await open(blobPath, 'r+');
    await fix.write(blob.subarray(at, at + 1), 0, 1, at);
    await fix.close();
    await new Promise((resolve) => setTimeout(resolve, FAILED_CHUNK_MEMORY_MS));
    const again = join(daemon.mountRoot, 'again');
    await daemon.client.mount({ reference: image.darnerRef, mountpoint: again });
    t.true((await readFileRange(join(again, 'f.bin'), MiB, MiB)).equals(data.subarray(MiB, 2 * MiB)));
});
//# sourceMappingURL=integrity.test.js.map