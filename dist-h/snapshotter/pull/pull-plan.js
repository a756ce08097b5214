import { createHash, randomBytes } from 'node:crypto';
import { darnerLayerLabels } from '../layer-labels.js';
import { LABEL_SNAPSHOT_REF } from '../types.js';
/**
 * What a pull writes into containerd, computed without I/O: chain IDs, content refs, the labels
 * that keep pulled content alive (containerd's garbage collector follows them) and the labels
 * each layer's Prepare carries. The names and shapes are containerd 1.6's (remotes/handlers.go,
 * images/handlers.go, unpacker.go, snapshots/snapshotter.go).
 */
export const GC_REF_CONTENT = 'containerd.io/gc.ref.content';
export const GC_REF_SNAPSHOT = 'containerd.io/gc.ref.snapshot';
export const GC_EXPIRE = 'containerd.io/gc.expire';
export const UNCOMPRESSED = 'containerd.io/uncompressed';
export const DISTRIBUTION_SOURCE = 'containerd.io/distribution.source';
/** Chain IDs per the image spec: chain₀ = diff₀, chainᵢ = sha256("<chainᵢ₋₁> <diffᵢ>"). */
export function chainIds(diffIds) {
    const out = [];
    for (const diffId of diffIds) {
        const previous = out[out.length - 1];
        out.push(previous === undefined ? diffId : `sha256:${createHash('sha256').update(`${previous} ${diffId}`).digest('hex')}`);
    }
    return out;
}
/** The ingest name containerd's fetcher uses: `index-`, `manifest-`, `config-` or `layer-` plus the digest. */
export function contentRef(kind, digest) {
    return `${kind}-${digest}`;
}
/**
 * The key a layer is prepared under while it is unpacked, in containerd's format
 * (`extract-<nanoseconds>-<base64url of 3 random bytes> <chainID>`): unique per try, and it
 * names the chain ID for whoever lists active snapshots.
 */
export function unpackKey(chainId, nowNanos = process.hrtime.bigint(), random = randomBytes(3)) {
    return `extract-${nowNanos % 1000000000n}-${random.toString('base64url')} ${chainId}`;
}
/** An index's labels: one `gc.ref.content.m.<i>` per manifest it lists. */
export function indexLabels(index) {
    const labels = {};
    index.manifests.forEach((m, i) => {
        labels[`${GC_REF_CONTENT}.m.${i}`] = m.digest;
    });
    return labels;
}
/** A manifest's labels: its config and every layer, fetched or not (GC ignores what is absent). */
export function manifestLabels(manifest) {
    const labels = { [`${GC_REF_CONTENT}.config`]: manifest.config.digest };
    manifest.layers.forEach((l, i) => {
        labels[`${GC_REF_CONTENT}.l.${i}`] = l.digest;
    });
    return labels;
}
/** The config's label that keeps the unpacked snapshot chain alive (set once unpack is done). */
export function snapshotGcLabel(snapshotter, topChainId) {
    return { [`${GC_REF_SNAPSHOT}.${snapshotter}`]: topChainId };
}
/** Where a blob came from, for cross-repository pushes (`containerd.io/distribution.source.<host>`). */
export function distributionSourceLabel(registry, repository) {
    return { [`${DISTRIBUTION_SOURCE}.${registry}`]: repository };
}
/** A lease's expiry label: `containerd.io/gc.expire=<RFC 3339>`, 24 h from now as containerd's default. */
export function leaseExpiryLabel(now = new Date(), ttlMs = 24 * 3600_000) {
    return { [GC_EXPIRE]: new Date(now.getTime() + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}
/**
 * One step per layer: its chain ID and parent, and its Prepare labels: the layer's
 * `containerd.io/snapshot/` annotations (as containerd's unpacker copies them), darner's layer
 * identity, and `containerd.io/snapshot.ref=<chainID>`, which lets a snapshotter answer "already
 * there" for a layer it can serve remotely.
 */
export function layerSteps(manifest, diffIds, identity) {
    const chains = chainIds(diffIds);
    return manifest.layers.map((descriptor, index) => {
        const labels = {};
        for (const [k, v] of Object.entries(descriptor.annotations ?? {})) {
            if (k.startsWith('containerd.io/snapshot/'))
                labels[k] = v;
        }
        Object.assign(labels, darnerLayerLabels({ ...identity, layerDigest: descriptor.digest }));
        const chainId = chains[index];
        labels[LABEL_SNAPSHOT_REF] = chainId;
        return {
            index,
            descriptor,
            diffId: diffIds[index],
            chainId,
            parent: index === 0 ? '' : chains[index - 1],
            labels,
        };
    });
}
//# sourceMappingURL=pull-plan.js.map