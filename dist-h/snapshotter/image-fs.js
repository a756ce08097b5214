/**
 * The one interface between the snapshotter and whatever serves darner images as filesystems:
 * mount an image, list what is mounted, unmount, and let go of cached blobs no image needs.
 * (stargz-snapshotter's `FileSystem{Mount, Check, Unmount}`, plus the listing a restarted
 * snapshotter needs to find its mounts again and the cache release its Cleanup needs.)
 *
 * The snapshotter never imports FUSE code: in production this is the darner daemon, reached
 * over its control API (daemon-fs.ts); the daemon outlives the snapshotter, so mounts survive a
 * snapshotter restart.
 */
export {};
//# sourceMappingURL=image-fs.js.map