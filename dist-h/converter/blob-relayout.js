import { open, rm } from 'node:fs/promises';
import { DarnerError } from '../src/errors.js';
import { BlobWriter } from './blob-writer.js';
import { accessOrderChunks, blobOrderForTrace } from './trace-layout.js';
/** Bytes appended between waits for the writes to land (bounds memory on a fast reader). */
const DRAIN_EVERY_BYTES = 16 << 20;
/**
 * Writes the blob at `from` again at `to`, its chunks in `order` (chunk-table indices, every
 * chunk of the blob once), and moves those records to their new compressed and uncompressed
 * offsets. The stored bytes of each chunk are copied as they are: digests and compression do
 * not change, only where the chunks sit (and so the blob's digest).
 */
export async function relayoutBlob(from, to, chunks, order) {
    const source = await open(from, 'r');
    const writer = await BlobWriter.create(to);
    const placed = [];
    try {
        let sinceDrain = 0;
        for (const index of order) {
            const record = chunks[index];
            const data = Buffer.allocUnsafe(record.compressedSize);
            const { bytesRead } = await source.read(data, 0, data.length, record.compressedOffset);
            if (bytesRead !== data.length)
                throw new DarnerError('BLOB_TRUNCATED', `the blob being laid out again (${from}) ends inside chunk ${index}`);
            placed.push({ record, compressedOffset: writer.append(data), uncompressedOffset: writer.reserveUncompressed(record.uncompressedSize) });
            sinceDrain += data.length;
            if (sinceDrain >= DRAIN_EVERY_BYTES) {
                await writer.drain();
                sinceDrain = 0;
            }
        }
        const finished = await writer.finish(placed.map((p) => ({ ...p.record, compressedOffset: p.compressedOffset, uncompressedOffset: p.uncompressedOffset })));
        for (const p of placed) {
            p.record.compressedOffset = p.compressedOffset;
            p.record.uncompressedOffset = p.uncompressedOffset;
        }
        return finished;
    }
    catch (err) {
        await writer.abort();
        throw err;
    }
    finally {
        await source.close();
    }
}
/**
 * Lays out this conversion's blobs (`layerBlobs`: blob-table index → file) for the traced files
 * (trace-layout.ts): each blob whose order changes is written again and its table entry and
 * file updated. Dictionary blobs are not this conversion's and stay as they are.
 */
export async function layoutBlobsForTrace(chunks, blobs, layerBlobs, traced) {
    const accessOrder = accessOrderChunks(traced);
    for (const [blobIndex, path] of layerBlobs) {
        const order = blobOrderForTrace(chunks, blobIndex, accessOrder);
        if (order === undefined)
            continue;
        const target = `${path}.traced`;
        const finished = await relayoutBlob(path, target, chunks, order);
        await rm(path, { force: true });
        layerBlobs.set(blobIndex, target);
        const blob = blobs[blobIndex];
        blob.id = finished.id;
        blob.compressedSize = finished.compressedSize;
        blob.chunkInfoOffset = finished.chunkInfoOffset;
        blob.uncompressedSize = finished.uncompressedSize;
    }
}
//# sourceMappingURL=blob-relayout.js.map