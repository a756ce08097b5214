import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeStoredChunk } from '../src/chunk-codec.js';
import { chunkDigests } from '../src/digest.js';
import { DigestMismatchError } from '../src/errors.js';
import { BLOB_WINDOW_BYTES, blobWindows, chunksByBlob, storedChunks } from './blob-chunks.js';
import { loadImageBootstrap } from '../src/image/bootstrap-layer.js';
export async function expandImage(reference, dir, options = {}) {
    const loaded = await loadImageBootstrap(reference, options);
    try {
        const { bootstrap, source } = loaded;
        await mkdir(dir, { recursive: true });
        const byBlob = chunksByBlob(bootstrap);
        const devices = [];
        let bytesWritten = 0;
        for (const [blobIndex, blob] of bootstrap.blobs.entries()) {
            const chunks = byBlob.get(blobIndex) ?? [];
            const path = join(dir, blob.id);
            const partial = `${path}.partial`;
            const file = await open(partial, 'w', 0o644);
            try {
                await file.truncate(blob.uncompressedSize);
                let batch = [];
                let batchBytes = 0;
                const flush = async () => {
                    const digests = await chunkDigests(bootstrap.digestAlgorithm, batch.map((c) => c.data));
                    for (const [i, chunk] of batch.entries()) {
                        const got = Buffer.from(digests[i]);
                        if (!got.equals(Buffer.from(chunk.record.digest))) {
                            throw new DigestMismatchError(`chunk ${chunk.index} of blob ${blob.id}`, Buffer.from(chunk.record.digest).toString('hex'), got.toString('hex'));
                        }
                        await file.write(chunk.data, 0, chunk.data.byteLength, chunk.record.uncompressedOffset);
                        bytesWritten += chunk.data.byteLength;
                    }
                    batch = [];
                    batchBytes = 0;
                };
                for await (const chunk of storedChunks(blobWindows(source, blob), chunks, `blob ${blob.id}`)) {
                    const data = decodeStoredChunk(chunk.record, chunk.stored, `chunk ${chunk.index} of blob ${blob.id}`);
                    batch.push({ ...chunk, data });
                    batchBytes += data.byteLength;
                    if (batchBytes >= BLOB_WINDOW_BYTES)
                        await flush();
                }
                if (batch.length > 0)
                    await flush();
                await file.sync();
            }
            catch (err) {
                await file.close();
                await rm(partial, { force: true });
                throw err;
            }
            await file.close();
            await rename(partial, path);
            devices.push(blob.id);
        }
        const bootPath = join(dir, 'image.boot');
        await writeFile(bootPath, loaded.bootstrapBytes);
        await writeFile(join(dir, 'devices'), devices.map((d) => `${d}\n`).join(''));
        return { bootstrap: bootPath, devices: devices.map((d) => join(dir, d)), bytesWritten };
    }
    finally {
        await loaded.source.close();
    }
}
//# sourceMappingURL=expand.js.map