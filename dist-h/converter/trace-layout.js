import { HOLE } from '../src/format/model.js';
/**
 * Blob layout for an access trace (pure): the chunks of the traced files, in access order, go to
 * the front of the blob that stores them, so that the daemon's prefetch of those files is a few
 * long Range requests of one region. A chunk stays in the blob where it was first stored (a
 * deduplicated chunk is never copied into another blob); within its blob it moves to the front
 * region at its first use in the trace. Every other chunk follows in its stored order.
 */
/** The chunk-table indices the files use, in file order then chunk order, each once, holes skipped. */
export function accessOrderChunks(files) {
    const seen = new Set();
    const out = [];
    for (const file of files) {
        for (const slot of file.chunks) {
            if (slot === HOLE || seen.has(slot))
                continue;
            seen.add(slot);
            out.push(slot);
        }
    }
    return out;
}
/**
 * The new stored order of blob `blobIndex`: chunk-table indices, the traced ones (`accessOrder`
 * filtered to this blob) first, then the rest by their current offset. Undefined when the order
 * would not change (the blob is left as it is).
 */
export function blobOrderForTrace(chunks, blobIndex, accessOrder) {
    const front = accessOrder.filter((i) => chunks[i]?.blobIndex === blobIndex);
    if (front.length === 0)
        return undefined;
    const inFront = new Set(front);
    const rest = [];
    for (let i = 0; i < chunks.length; i++)
        if (chunks[i].blobIndex === blobIndex && !inFront.has(i))
            rest.push(i);
    rest.sort((a, b) => chunks[a].compressedOffset - chunks[b].compressedOffset);
    const order = [...front, ...rest];
    const current = [...order].sort((a, b) => chunks[a].compressedOffset - chunks[b].compressedOffset);
    return order.every((index, k) => index === current[k]) ? undefined : order;
}
//# sourceMappingURL=trace-layout.js.map