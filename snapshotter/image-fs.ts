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

export interface ImageMountRequest {
  /** The image, pinned to its manifest: `host/repo@sha256:…`. Blobs are read from there lazily. */
  reference: string;
  /** Directory to mount on (created if missing). */
  mountpoint: string;
  /** A local bootstrap file (the one containerd unpacked from the image's bootstrap layer). */
  bootstrap: string;
  /**
   * The image's manifest, when the snapshotter holds it (read during the pull): its sha256 is the
   * reference's digest, and the filesystem then reads no manifest or config from the registry.
   */
  manifest?: Buffer;
  /** Speak plain http to the registry. */
  plainHttp?: boolean;
  /** Free-form owner data, returned by `list` as given. */
  labels: Record<string, string>;
}

export interface ImageMount {
  id: string;
  reference: string;
  mountpoint: string;
  /** sha256 of the bootstrap bytes. */
  bootstrapDigest: string;
  /** Data blobs of the image (sha256 hex). */
  blobs: string[];
  labels: Record<string, string>;
}

export interface ImageFileSystem {
  /** Mounts an image; mounting the same image at the same mountpoint again answers the existing mount. */
  mount(request: ImageMountRequest): Promise<ImageMount>;
  /** Every mount the filesystem serves (the snapshotter picks its own by label). */
  list(): Promise<ImageMount[]>;
  /** Unmounts (lazily if busy). A mount that is already gone is not an error. */
  unmount(id: string): Promise<void>;
  /** Drops cached blobs that no mount uses and that are not in `keep` (sha256 hex). */
  releaseCache(keep: readonly string[]): Promise<void>;
}
