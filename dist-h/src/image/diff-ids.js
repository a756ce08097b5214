import { InvalidManifestError } from '../errors.js';
import { isDataBlobLayer } from '../oci/layer-kind.js';
/**
 * The config's rootfs.diff_ids of a darner image, checked against its layers. A data blob is not
 * a tar, and its diff_id is its own digest (what the converter writes, and what a Nydus-aware
 * containerd expects); the bootstrap layer's is the digest of its uncompressed tar, which can only
 * be checked while the layer is read (bootstrap-layer.ts). Pure.
 */
/**
 * Refuses a config whose diff_id of a data blob is not that blob's digest, and returns the
 * diff_id the config gives the bootstrap layer at `bootstrapIndex` of manifest.layers.
 */
export function checkDarnerDiffIds(manifest, config, bootstrapIndex, what) {
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
        throw new InvalidManifestError(`${what}: the config lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
    }
    for (const [i, layer] of manifest.layers.entries()) {
        if (i === bootstrapIndex || !isDataBlobLayer(layer))
            continue;
        if (diffIds[i] !== layer.digest) {
            throw new InvalidManifestError(`${what}: the config's diff_id ${i} is ${diffIds[i]}, but a data blob's diff_id must be its digest ${layer.digest}`);
        }
    }
    const bootstrapDiffId = diffIds[bootstrapIndex];
    if (bootstrapDiffId === undefined)
        throw new InvalidManifestError(`${what}: the config lists no diff_id for the bootstrap layer`);
    return bootstrapDiffId;
}
//# sourceMappingURL=diff-ids.js.map