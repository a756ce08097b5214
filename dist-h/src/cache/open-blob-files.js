/**
 * Opens a blob's cache files (blob-files.ts), creating what is missing: each one with O_NOFOLLOW
 * and checked on its descriptor (private-files.ts), so that a planted symlink, hard link or
 * foreign file is refused (UnsafeCacheFileError) and never read or written through.
 */
import { constants } from 'node:fs';
import { lstat, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../log.js';
import { BlobFiles, FILE_CHUNKS, FILE_DATA, FILE_READY, FILE_STORED, FILE_USED } from './blob-files.js';
import { decodeChunkLog } from './chunk-log.js';
import { writeFully } from './file-io.js';
import { makePrivateDir, openPrivateFile } from './private-files.js';
import { BlockBitmap, READY_HEADER_SIZE, blockCount, decodeReadyHeader, encodeReadyHeader } from './ready-bitmap.js';
const RW_CREATE = constants.O_RDWR | constants.O_CREAT;
function isMissing(err) {
    return err.code === 'ENOENT';
}
/** The whole of private file `path`, or undefined when it does not exist. */
async function readIfExists(path) {
    const handle = await openPrivateFile(path, constants.O_RDONLY).catch((err) => (isMissing(err) ? undefined : Promise.reject(err)));
    if (handle === undefined)
        return undefined;
    try {
        return await handle.readFile();
    }
    finally {
        await handle.close();
    }
}
/** Opens (creating) `path` read-write and makes it exactly `size` bytes (sparse when growing). */
async function openSized(path, size) {
    const handle = await openPrivateFile(path, RW_CREATE);
    try {
        if ((await handle.stat()).size !== size)
            await handle.truncate(size);
        return handle;
    }
    catch (err) {
        await handle.close();
        throw err;
    }
}
/**
 * The bits of a ready file that belongs to `identity`; undefined when there is none, or when the
 * files there do not belong to this blob (another size, a bad header, the data file gone): then
 * they are discarded and the directory starts afresh.
 */
async function existingBits(dir, identity) {
    const existing = await readIfExists(join(dir, FILE_READY));
    if (existing === undefined)
        return undefined;
    const header = decodeReadyHeader(existing);
    let problem;
    if (typeof header === 'string')
        problem = header;
    else if (header.compressedSize !== identity.compressedSize || header.uncompressedSize !== identity.uncompressedSize)
        problem = `sizes ${header.compressedSize}/${header.uncompressedSize}, expected ${identity.compressedSize}/${identity.uncompressedSize}`;
    else if (!(await lstat(join(dir, FILE_DATA)).then(() => true, () => false)))
        problem = 'the data file is missing';
    if (problem === undefined)
        return existing.subarray(READY_HEADER_SIZE);
    log.warn({ blob: identity.id, problem }, 'blob cache: discarding cache files that do not match the blob');
    // rm removes symlinks inside, never what they point to.
    await rm(dir, { recursive: true, force: true });
    await makePrivateDir(dir);
    return undefined;
}
/** Opens the files of `identity` in `dir` (a directory of blobs/), creating them if needed. */
export async function openBlobFiles(dir, identity, ctx) {
    await makePrivateDir(dir);
    const blocks = blockCount(identity.uncompressedSize);
    const bitsOnDisk = await existingBits(dir, identity);
    if (!ctx.keepStored) {
        // A mirror kept while P2P was on: it would go stale under new writes, and it costs disk.
        await Promise.all([FILE_STORED, FILE_CHUNKS].map((f) => rm(join(dir, f), { force: true })));
    }
    const opened = [];
    try {
        const data = await openSized(join(dir, FILE_DATA), identity.uncompressedSize);
        opened.push(data);
        const stored = ctx.keepStored ? await openSized(join(dir, FILE_STORED), identity.compressedSize) : undefined;
        if (stored)
            opened.push(stored);
        const bits = new BlockBitmap(blocks, bitsOnDisk);
        const ready = await openPrivateFile(join(dir, FILE_READY), RW_CREATE);
        opened.push(ready);
        if (bitsOnDisk === undefined || bitsOnDisk.length !== bits.bytes.length) {
            // A fresh bitmap (or one of the wrong length): header and bits, synced before use.
            await ready.truncate(0);
            await writeFully(ready, Buffer.concat([encodeReadyHeader(identity), bits.bytes]), 0);
            await ready.datasync();
        }
        let chunkLog;
        let logged = [];
        if (ctx.keepStored) {
            chunkLog = await openPrivateFile(join(dir, FILE_CHUNKS), RW_CREATE | constants.O_APPEND);
            opened.push(chunkLog);
            const decoded = decodeChunkLog(await chunkLog.readFile(), identity);
            if (decoded.skipped > 0)
                log.warn({ blob: identity.id, skipped: decoded.skipped }, 'blob cache: skipped damaged chunk log records');
            logged = decoded.chunks;
        }
        await (await openPrivateFile(join(dir, FILE_USED), constants.O_WRONLY | constants.O_CREAT)).close();
        // The new files' names must be durable before any bit can claim their contents.
        const dirHandle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
        await dirHandle.sync().finally(() => dirHandle.close());
        const blob = new BlobFiles(dir, identity, ctx, { data, stored, ready, chunkLog }, bits);
        blob.seedLogged(logged);
        return blob;
    }
    catch (err) {
        await Promise.all(opened.map((h) => h.close().catch(() => undefined)));
        throw err;
    }
}
//# sourceMappingURL=open-blob-files.js.map