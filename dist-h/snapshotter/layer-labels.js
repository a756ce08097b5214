import { isDigest } from '../src/oci/digest.js';
/**
 * The labels that tell the snapshotter which image layer a Prepare is about, in the three
 * dialects it understands, and the labels darner puts on the remote snapshots it commits. Pure.
 *
 * A pull client names the layer being unpacked through labels on Prepare (containerd passes on
 * only labels under `containerd.io/snapshot/`):
 * - CRI (containerd's Kubernetes plugin, with `disable_snapshot_annotations = false`):
 *   `cri.image-ref`, `cri.layer-digest`, `cri.manifest-digest`;
 * - `ctr-remote images rpull` (stargz-snapshotter's client): `remote/stargz.reference`,
 *   `remote/stargz.digest`;
 * - `darner pull`: `darner.reference`, `darner.layer-digest`, `darner.manifest-digest`, and
 *   `darner.plain-http` when it was told to speak plain http to the registry.
 * containerd also copies the layer descriptor's own annotations under `containerd.io/snapshot/`,
 * so a darner data layer arrives with `darner-blob=true` (a Nydus one with `nydus-blob=true`);
 * that is only a hint, the manifest
 * decides (see image-catalog.ts).
 */
const PREFIX = 'containerd.io/snapshot/';
export const CRI_LABELS = {
    imageRef: `${PREFIX}cri.image-ref`,
    layerDigest: `${PREFIX}cri.layer-digest`,
    manifestDigest: `${PREFIX}cri.manifest-digest`,
    imageLayers: `${PREFIX}cri.image-layers`,
};
export const STARGZ_LABELS = {
    reference: `${PREFIX}remote/stargz.reference`,
    digest: `${PREFIX}remote/stargz.digest`,
    layers: `${PREFIX}remote/stargz.layers`,
};
export const DARNER_LABELS = {
    /** The image reference as the client resolved it (`host/repo:tag` or `host/repo@digest`). */
    reference: `${PREFIX}darner.reference`,
    /** This layer's (compressed) digest. */
    layerDigest: `${PREFIX}darner.layer-digest`,
    /** The platform manifest the layer belongs to. */
    manifestDigest: `${PREFIX}darner.manifest-digest`,
    /** `true` when the registry is to be spoken to over plain http. */
    plainHttp: `${PREFIX}darner.plain-http`,
};
/** Labels darner adds to a data layer it committed as a remote snapshot. */
export const REMOTE_LAYER_LABELS = {
    /** The data blob's digest (`sha256:…`): also its diff ID and its id in the daemon's cache. */
    blob: `${PREFIX}darner.blob`,
    /** The image pinned to its manifest: `host/repo@sha256:…`. What the daemon is asked to mount. */
    image: `${PREFIX}darner.image`,
};
/**
 * The layer identity in `labels`, trying darner's own labels, then CRI's, then stargz's; the
 * first dialect whose reference and digest are both present and well-formed wins. Undefined
 * when none names a layer.
 */
export function layerIdentity(labels) {
    const dialects = [
        ['darner', DARNER_LABELS.reference, DARNER_LABELS.layerDigest, DARNER_LABELS.manifestDigest],
        ['cri', CRI_LABELS.imageRef, CRI_LABELS.layerDigest, CRI_LABELS.manifestDigest],
        ['stargz', STARGZ_LABELS.reference, STARGZ_LABELS.digest, undefined],
    ];
    for (const [source, refKey, digestKey, manifestKey] of dialects) {
        const reference = labels[refKey];
        const layerDigest = labels[digestKey];
        if (!reference || !layerDigest || !isDigest(layerDigest))
            continue;
        const identity = {
            reference,
            layerDigest,
            plainHttp: source === 'darner' && labels[DARNER_LABELS.plainHttp] === 'true',
            source,
        };
        const manifestDigest = manifestKey === undefined ? undefined : labels[manifestKey];
        if (manifestDigest && isDigest(manifestDigest))
            identity.manifestDigest = manifestDigest;
        return identity;
    }
    return undefined;
}
/** darner's Prepare labels for one layer (what `darner pull` sends besides the layer's annotations). */
export function darnerLayerLabels(identity) {
    const labels = {
        [DARNER_LABELS.reference]: identity.reference,
        [DARNER_LABELS.layerDigest]: identity.layerDigest,
        [DARNER_LABELS.manifestDigest]: identity.manifestDigest,
    };
    if (identity.plainHttp)
        labels[DARNER_LABELS.plainHttp] = 'true';
    return labels;
}
/** A committed remote data layer's blob and pinned image, if `labels` are those of one. */
export function remoteLayerOf(labels) {
    const blob = labels[REMOTE_LAYER_LABELS.blob];
    const image = labels[REMOTE_LAYER_LABELS.image];
    if (!blob || !image || !isDigest(blob))
        return undefined;
    return { blob, image, plainHttp: labels[DARNER_LABELS.plainHttp] === 'true' };
}
//# sourceMappingURL=layer-labels.js.map