import { CorruptChunkError } from '../src/errors.js';
export async function* storedChunks(blob, chunks, blobName) {
    let position = 0; // blob offset of the first byte of `pending`
    let pending = [];
    let pendingBytes = 0;
    let next = 0;
    const take = (from, length) => {
        const joined = pending.length === 1 ? pending[0] : Buffer.concat(pending);
        const start = from - position;
        const out = Buffer.from(joined.subarray(start, start + length));
        const rest = joined.subarray(start + length);
        position = from + length;
        pending = rest.byteLength > 0 ? [rest] : [];
        pendingBytes = rest.byteLength;
        return out;
    };
    for await (const piece of blob) {
        pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
        pendingBytes += piece.byteLength;
        while (next < chunks.length) {
            const chunk = chunks[next];
            const { compressedOffset: start, compressedSize: size } = chunk.record;
            if (start < position)
                throw new CorruptChunkError(`${blobName}: chunk ${chunk.index} overlaps the chunk before it`);
            if (position + pendingBytes < start + size) {
                // Not all here yet; drop bytes before the chunk to keep memory bounded.
                if (position + pendingBytes <= start) {
                    position += pendingBytes;
                    pending = [];
                    pendingBytes = 0;
                }
                break;
            }
            yield { ...chunk, stored: take(start, size) };
            next += 1;
        }
    }
    if (next < chunks.length) {
        const chunk = chunks[next];
        throw new CorruptChunkError(`${blobName}: blob ends at ${position + pendingBytes} bytes, before chunk ${chunk.index} (offset ${chunk.record.compressedOffset}, ${chunk.record.compressedSize} bytes)`);
    }
}
/** The chunk-table entries of each blob, sorted by their position in the blob. */
export function chunksByBlob(table) {
    const byBlob = new Map();
    for (let index = 0; index < table.chunkCount; index += 1) {
        const record = table.chunk(index);
        let list = byBlob.get(record.blobIndex);
        if (!list)
            byBlob.set(record.blobIndex, (list = []));
        list.push({ index, record });
    }
    for (const list of byBlob.values())
        list.sort((a, b) => a.record.compressedOffset - b.record.compressedOffset);
    return byBlob;
}
/** Bytes per range read when a blob is walked whole. */
export const BLOB_WINDOW_BYTES = 16 << 20;
/**
 * A blob's stored bytes as consecutive range reads (the ranges are not digest-verified as a
 * whole, so one bad byte costs only the chunks it lies in). `onWindow` sees every window.
 */
export async function* blobWindows(reader, blob, onWindow) {
    const digest = `sha256:${blob.id}`;
    for (let offset = 0; offset < blob.compressedSize; offset += BLOB_WINDOW_BYTES) {
        const bytes = await reader.readRange(digest, offset, Math.min(BLOB_WINDOW_BYTES, blob.compressedSize - offset));
        onWindow?.(bytes);
        yield bytes;
    }
}
//# sourceMappingURL=blob-chunks.js.map