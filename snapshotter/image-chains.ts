import { remoteLayerOf } from './layer-labels.js';
import type { LayerRef } from './remote.js';

/**
 * Where darner images sit in snapshot chains, pure. A darner image unpacks as: its data layers,
 * committed as remote snapshots (labels from layer-labels.ts, empty directories), then its
 * bootstrap layer, unpacked by containerd as an ordinary layer (`image/image.boot` in its
 * directory). A container (or anything else) on top of that chain sees the image through one
 * mount of the bootstrap, which replaces every directory from the bootstrap down.
 */

export interface ChainImage {
  /** Position of the bootstrap snapshot in the chain (nearest parent first). */
  bootstrapAt: number;
  bootstrap: LayerRef;
  /** The image pinned to its manifest (from the nearest data layer): what gets mounted. */
  image: string;
  plainHttp: boolean;
  /** The data blobs (sha256 digests), bottom layer first. */
  blobs: string[];
}

/**
 * The darner image a parent chain (nearest first) stands on: the nearest snapshot whose own
 * parents are all remote darner data layers and that holds a bootstrap (`hasBootstrap` looks at
 * its directory). Undefined for a chain of plain layers, and for a chain whose nearest parent is
 * itself a data layer (the bootstrap layer being unpacked sees only data layers below it).
 */
export function imageInChain(parents: readonly LayerRef[], hasBootstrap: (ref: LayerRef) => boolean): ChainImage | undefined {
  for (let i = 0; i < parents.length; i++) {
    const candidate = parents[i] as LayerRef;
    if (remoteLayerOf(candidate.labels)) return undefined;
    const below = parents.slice(i + 1).map((p) => remoteLayerOf(p.labels));
    if (below.length === 0 || below.some((d) => d === undefined)) continue;
    if (!hasBootstrap(candidate)) return undefined;
    const nearest = below[0]!;
    return {
      bootstrapAt: i,
      bootstrap: candidate,
      image: nearest.image,
      plainHttp: nearest.plainHttp,
      blobs: below.map((d) => d!.blob).reverse(),
    };
  }
  return undefined;
}

/** The committed parents of `snapshot` (nearest first), from a full listing. */
export function parentsOf(snapshot: LayerRef, byId: ReadonlyMap<number, LayerRef>): LayerRef[] {
  const chain: LayerRef[] = [];
  const seen = new Set<number>([snapshot.id]);
  for (let next = snapshot.parentId; next !== null; ) {
    const parent = byId.get(next);
    if (!parent || seen.has(next)) break;
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
export function imagesPresent(live: readonly LayerRef[], hasBootstrap: (ref: LayerRef) => boolean): Map<number, ChainImage> {
  const byId = new Map(live.map((s) => [s.id, s]));
  const images = new Map<number, ChainImage>();
  for (const snapshot of live) {
    if (snapshot.kind !== 'committed' || remoteLayerOf(snapshot.labels)) continue;
    const image = imageInChain([snapshot, ...parentsOf(snapshot, byId)], hasBootstrap);
    if (image && image.bootstrapAt === 0) images.set(snapshot.id, image);
  }
  return images;
}

/** The data blobs (sha256 hex, as the daemon's cache names them) of every remote layer in `live`. */
export function blobsOf(live: readonly LayerRef[]): string[] {
  const blobs = new Set<string>();
  for (const s of live) {
    const remote = remoteLayerOf(s.labels);
    if (remote) blobs.add(remote.blob.slice('sha256:'.length));
  }
  return [...blobs].sort();
}
