import type { Kind, Labels } from './types.js';

/**
 * The seam for remote (lazily fetched) layers. The snapshotter core knows nothing of darner
 * images, FUSE or the daemon; it consults an optional RemoteLayerHandler at four points, and
 * with no handler it behaves exactly like containerd's overlayfs snapshotter.
 *
 * 1. Prepare of an active snapshot whose labels carry `containerd.io/snapshot.ref` (a layer that
 *    containerd is about to download and unpack): `prepareLayer` may answer "remote". The core
 *    then records a committed snapshot named after the chain ID (the label's value) with the
 *    request's parent and labels, plus `containerd.io/snapshot/remote=true` and whatever labels
 *    the handler adds, and answers ALREADY_EXISTS, so containerd skips the download and finds the
 *    layer through its label-filtered List. Its directory is an empty layer.
 * 2. Mounts of an active or view snapshot (Prepare, View and Mounts all return mounts): `lowerDirs`
 *    sees the committed parent chain and may supply the overlay lower directories itself, e.g. one
 *    FUSE mountpoint of the whole image in place of the chain of (empty) remote layers.
 * 2b. Commit: `committed` is told after a layer is committed, with its parent chain, before the
 *    Commit answers, so it can act on a layer as soon as it arrives (darner mounts an image when
 *    its bootstrap layer is committed during the pull). Its failure is logged; the commit stands.
 * 3. Remove: `removed` is told after a snapshot's record is gone and before its directory is
 *    deleted, so it can release what it attached to that snapshot (an unmount).
 * 4. Cleanup: `cleanup` gets every live snapshot before orphan directories are deleted, so it can
 *    release what no snapshot uses any more.
 *
 * Directories are deleted only when no mount point lies below them, so a mount the handler left
 * inside a snapshot directory is never recursed into; the next Cleanup retries.
 *
 * A handler that throws in `prepareLayer` or `lowerDirs` is logged and the snapshot falls back to
 * the plain path (download and unpack; the parents' own directories), as stargz-snapshotter does,
 * except for an ImageMountError from `lowerDirs`: the layer directories would give the container
 * a root filesystem without its image, so the call fails instead.
 *
 * `attach` is called once, when the snapshotter opens, with a read-only view of the snapshots, so
 * the handler can find out at any time which snapshots still use what it attached.
 */
export interface RemoteLayerHandler {
  attach?(snapshots: SnapshotCatalog): void;
  prepareLayer?(request: RemotePrepareRequest): Promise<RemotePrepareDecision>;
  lowerDirs?(request: LowerDirsRequest): Promise<string[] | undefined>;
  committed?(request: CommittedRequest): Promise<void>;
  removed?(snapshot: LayerRef): Promise<void>;
  cleanup?(live: readonly LayerRef[]): Promise<void>;
}

/** A snapshot as the handler sees it. */
export interface LayerRef {
  /** Numeric id; the snapshot's directory is `<root>/snapshots/<id>`. */
  id: number;
  /** Key (active/view) or name (committed). */
  name: string;
  kind: Kind;
  labels: Labels;
  /** The snapshot's layer directory, `<root>/snapshots/<id>/fs`. */
  dir: string;
  /** Id of the committed parent, null for none. */
  parentId: number | null;
}

/** A read-only view of the snapshotter's records, each call one consistent read. */
export interface SnapshotCatalog {
  /** Every snapshot, in id order. */
  list(): LayerRef[];
}

export interface RemotePrepareRequest {
  /** The key containerd prepares, e.g. `default/12/extract-474123271-H6yu sha256:…`. */
  key: string;
  /** Backend key of the parent, '' for the first layer. */
  parent: string;
  /** The request's labels (empty values dropped). */
  labels: Labels;
  /** The value of `containerd.io/snapshot.ref`: the chain ID the layer will be committed as. */
  chainId: string;
  /** The committed parent chain, nearest first. */
  parents: readonly LayerRef[];
}

export type RemotePrepareDecision =
  | { remote: false }
  /** `labels` are added to the committed remote snapshot's labels. */
  | { remote: true; labels?: Labels };

export interface LowerDirsRequest {
  /** The active or view snapshot being mounted. */
  snapshot: LayerRef;
  /** Its committed parents, nearest first (never empty). */
  parents: readonly LayerRef[];
}

export interface CommittedRequest {
  /** The layer just committed. */
  snapshot: LayerRef;
  /** Its committed parents, nearest first. */
  parents: readonly LayerRef[];
}

/** Label set on every snapshot committed through the remote path (stargz-snapshotter's name). */
export const LABEL_REMOTE = 'containerd.io/snapshot/remote';
