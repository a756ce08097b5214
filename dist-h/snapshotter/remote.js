/** Label set on every snapshot committed through the remote path (stargz-snapshotter's name). */
export const LABEL_REMOTE = 'containerd.io/snapshot/remote';
//# sourceMappingURL=remote.js.map