/**
 * The converted config's `history` (pure). The image-spec ties history to rootfs.diff_ids: the
 * entries without `empty_layer` name the layers, in order. A darner image's layers are its blobs
 * (each source layer adds at most one data blob of its own, and dictionary blobs join when first
 * used) and then the bootstrap layer, so the source's entries are kept and re-pointed:
 * - a source layer's entry stays non-empty when that layer brought blobs into the table, and names
 *   the first of them; each further blob it brought (a dictionary blob) gets an entry of its own
 *   right after it;
 * - a source layer that brought no blob (all its chunks were already stored) keeps its entry,
 *   marked `empty_layer`;
 * - one entry for the bootstrap layer ends the list.
 * A source history that does not match its layers (or none at all) is kept with every entry
 * marked `empty_layer` and followed by one entry per blob, so the result always matches.
 */
export const HISTORY_CREATED_BY = 'darner convert';
/**
 * @param blobsPerLayer how many blobs joined the blob table while each source layer was read
 * @param created the conversion's time (RFC 3339) for the entries darner adds
 */
export function convertedHistory(source, blobsPerLayer, created) {
    const added = (comment) => ({ created, created_by: HISTORY_CREATED_BY, comment });
    const history = [];
    const layerEntries = (source ?? []).filter((h) => h.empty_layer !== true).length;
    if (source !== undefined && layerEntries === blobsPerLayer.length) {
        let layer = 0;
        for (const entry of source) {
            if (entry.empty_layer === true) {
                history.push({ ...entry });
                continue;
            }
            const blobs = blobsPerLayer[layer] ?? 0;
            layer += 1;
            if (blobs === 0) {
                history.push({ ...entry, empty_layer: true });
                continue;
            }
            history.push({ ...entry });
            for (let i = 1; i < blobs; i += 1)
                history.push(added('darner data blob'));
        }
    }
    else {
        for (const entry of source ?? [])
            history.push({ ...entry, empty_layer: true });
        const blobs = blobsPerLayer.reduce((a, b) => a + b, 0);
        for (let i = 0; i < blobs; i += 1)
            history.push(added('darner data blob'));
    }
    history.push(added('darner bootstrap layer'));
    return history;
}
//# sourceMappingURL=converted-history.js.map