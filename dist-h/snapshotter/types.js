/**
 * The snapshot model shared by the core, the metastore, the gRPC edge and the remote-layer seam.
 * Names follow containerd's snapshots package: a snapshot is `active` (writable, from Prepare),
 * `view` (read-only, from View) or `committed` (immutable, from Commit, usable as a parent).
 */
/** Label that carries the chain ID of the layer being unpacked (set by containerd's unpacker). */
export const LABEL_SNAPSHOT_REF = 'containerd.io/snapshot.ref';
//# sourceMappingURL=types.js.map