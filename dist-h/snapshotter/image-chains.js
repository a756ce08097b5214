import { remoteLayerOf } from './layer-labels.js';
/**
 * The darner image a parent chain (nearest first) stands on: the nearest snapshot whose own
 * parents are all remote darner data layers and that holds a bootstrap (`hasBootstrap` looks at
 * its directory). Undefined for a chain of plain layers, and for a chain whose nearest parent is
 * itself a data layer (the bootstrap layer being unpacked sees only data layers below it).
 */
export function imageInChain(parents, hasBootstrap) {
    for (let i = 0; i < parents.length; i++) {
        const candidate = parents[i];
        if (remoteLayerOf(candidate.labels))
            return undefined;
        const below = parents.slice(i + 1).map((p) => remoteLayerOf(p.labels));
        if (below.length === 0 || below.some((d) => d === undefined))
            continue;
        if (!hasBootstrap(candidate))
            return undefined;
        const nearest = below[0];
        return {
            bootstrapAt: i,
            bootstrap: candidate,
            image: nearest.image,
            plainHttp: nearest.plainHttp,
            blobs: below.map((d) => d.blob).reverse(),
        };
    }
    return undefined;
}
/** The committed parents of `snapshot` (nearest first), from a full listing. */
export function parentsOf(snapshot, byId) {
    const chain = [];
    const seen = new Set([snapshot.id]);
    for (let next = snapshot.parentId; next !== null;) {
        const parent = byId.get(next);
        if (!parent || seen.has(next))
            break;
        seen.add(next);
        chain.push(parent);
        next = parent.parentId;
    }
    return chain;
}
/**
 * The darner images that `live` holds, by bootstrap snapshot id: every committed bootstrap
 * snapshot standing on its remote data layers, whether or not a container uses it. An image stays
 * mounted exactly as long as it is here (it is mounted when its bootstrap layer is committed).
 */
export function imagesPresent(live, hasBootstrap) {
    const byId = new Map(live.map((s) => [s.id, s]));
    const images = new Map();
    for (const snapshot of live) {
        if (snapshot.kind !== 'committed' || remoteLayerOf(snapshot.labels))
            continue;
        const image = imageInChain([snapshot, ...parentsOf(snapshot, byId)], hasBootstrap);
        if (image && image.bootstrapAt === 0)
            images.set(snapshot.id, image);
    }
    return images;
}
/** The data blobs (sha256 hex, as the daemon's cache names them) of every remote layer in `live`. */
export function blobsOf(live) {
    const blobs = new Set();
    for (const s of live) {
        const remote = remoteLayerOf(s.labels);
        if (remote)
            blobs.add(remote.blob.slice('sha256:'.length));
    }
    return [...blobs].sort();
}
//# sourceMappingURL=image-chains.js.map