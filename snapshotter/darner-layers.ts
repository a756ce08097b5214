import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { BOOTSTRAP_PATH_IN_LAYER, bootstrapFromLayerBytes } from '../src/image/bootstrap-layer.js';
import { ImageMountError } from '../src/errors.js';
import { log as rootLog, type Logger } from '../src/log.js';
import { blobsOf, imageInChain, imagesPresent, type ChainImage } from './image-chains.js';
import type { ImageCatalog } from './image-catalog.js';
import type { ImageFileSystem, ImageMount } from './image-fs.js';
import type { BootstrapLayerInHand } from './pull/pull.js';
import { DARNER_LABELS, REMOTE_LAYER_LABELS, layerIdentity } from './layer-labels.js';
import { parseMountPoints, readMountInfo } from '../src/util/mountinfo.js';
import type {
  CommittedRequest,
  LayerRef,
  LowerDirsRequest,
  RemoteLayerHandler,
  RemotePrepareDecision,
  RemotePrepareRequest,
  SnapshotCatalog,
} from './remote.js';

/**
 * darner images in the snapshotter: the RemoteLayerHandler that turns a darner image's data
 * layers into remote snapshots and gives containers one mount of the image.
 *
 * DEV DOCS
 *
 * Pull. containerd Prepares each layer with `containerd.io/snapshot.ref=<chainID>` and labels
 * naming the layer (layer-labels.ts: CRI's, ctr-remote's or darner pull's). `prepareLayer` looks
 * the layer up in its image's manifest (image-catalog.ts); a darner data blob is committed at once
 * as an empty remote snapshot (the core answers ALREADY_EXISTS, containerd never downloads it),
 * labelled with the blob digest and the image pinned to its manifest. The bootstrap layer and
 * every layer of a plain image are unpacked by containerd as usual; the bootstrap snapshot then
 * holds `image/image.boot`.
 *
 * Mount at pull. A pull running in this process (`darner pull`) reads the bootstrap layer ahead of
 * containerd's unpack and hands it to `mountFromBootstrapLayer`, which mounts the image while the
 * layers are still being prepared and unpacked. Otherwise (a CRI pull), when the bootstrap layer
 * is committed (image-chains.ts: a snapshot holding a bootstrap, with only remote data layers
 * below it), `committed` mounts the image right away. Either way the daemon is handed the
 * manifest the catalog holds (read once during the pull), so it reads no manifest or config, and
 * its prefetch starts while the pull finishes. A failure there is logged; the Commit (for an
 * early mount) or the container's Prepare tries again. A mount made early for a pull that then
 * fails has no bootstrap snapshot: the next Cleanup releases it.
 *
 * Containers. When a snapshot's parent chain stands on a darner image, `lowerDirs` makes sure
 * the image is mounted (normally it already is) and answers its mountpoint in place of the
 * bootstrap's and the data layers' directories. One mount per image, keyed by the bootstrap's
 * sha256 and shared by every container of the image, at `<root>/mnt/<bootstrap sha256 hex>`.
 *
 * Release. Which images are present is never kept in memory: it is read from the snapshot
 * records whenever it matters (`reconcile`). After a Remove of a bootstrap snapshot, and at
 * every Cleanup, each of this snapshotter's mounts whose image no longer has its bootstrap
 * snapshot (image-chains.ts `imagesPresent`) is unmounted. Containers hold the bootstrap snapshot
 * as a parent, so an image in use is always present. Cleanup also removes empty mountpoint
 * directories and tells the filesystem which cached blobs are still needed (those of every
 * remote layer still recorded).
 *
 * Restarts. Mounts live in the daemon, which outlives the snapshotter. At start, `start()` lists
 * the daemon's mounts and takes back those labelled with this snapshotter's root; nothing is
 * unmounted unless no snapshot uses it, so running containers keep their root filesystems.
 *
 * Concurrency. Mounting and unmounting run one at a time (`exclusive`). A container's record is
 * inserted before its mounts are asked for, so a reconcile that runs first sees it as a user, and
 * one that runs after finds the image mounted again by `lowerDirs` if it had unmounted it.
 */

/** Labels on the filesystem's mounts that say they are this snapshotter's. */
export const MOUNT_LABELS = {
  /** The snapshotter's root directory: which snapshotter owns the mount. */
  owner: 'darner.snapshotter.root',
  /** `sha256:…` of the bootstrap: which image. */
  bootstrap: 'darner.snapshotter.bootstrap',
} as const;

export interface DarnerLayersOptions {
  /** The snapshotter's root (mountpoints go to `<root>/mnt`). */
  root: string;
  fs: ImageFileSystem;
  images: ImageCatalog;
  logger?: Logger;
}

interface TrackedMount {
  id: string;
  mountpoint: string;
  bootstrapDigest: string;
}

export class DarnerLayers implements RemoteLayerHandler {
  private readonly root: string;
  private readonly mountDir: string;
  private readonly fs: ImageFileSystem;
  private readonly images: ImageCatalog;
  private readonly log: Logger;
  private snapshots: SnapshotCatalog | undefined;
  /** This snapshotter's mounts, by bootstrap digest. */
  private readonly mounts = new Map<string, TrackedMount>();
  /** Bootstrap digests by `<snapshot id>:<name>` (committed snapshots never change). */
  private readonly digests = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private started = false;

  constructor(options: DarnerLayersOptions) {
    this.root = path.resolve(options.root);
    this.mountDir = path.join(this.root, 'mnt');
    this.fs = options.fs;
    this.images = options.images;
    this.log = (options.logger ?? rootLog).child({ component: 'darner-layers' });
  }

  attach(snapshots: SnapshotCatalog): void {
    this.snapshots = snapshots;
  }

  /**
   * Takes back this snapshotter's mounts from the filesystem (after a restart). A filesystem that
   * cannot be reached is logged, not fatal: plain images keep working, and darner images are
   * mounted when a container asks.
   */
  async start(): Promise<void> {
    await this.exclusive(() => this.adoptMounts());
  }

  // ---- the seam -------------------------------------------------------------------------------

  async prepareLayer(request: RemotePrepareRequest): Promise<RemotePrepareDecision> {
    const identity = layerIdentity(request.labels);
    if (!identity) return { remote: false };
    // containerd names the backend's keys `<namespace>/<id>/<key>`.
    const found = await this.images.lookupLayer(identity, request.key.split('/')[0]);
    if (!found || found.kind !== 'data') {
      this.log.debug({ chainId: request.chainId, layer: identity.layerDigest, kind: found?.kind }, 'not a darner data layer: unpacking');
      return { remote: false };
    }
    const labels: Record<string, string> = {
      [REMOTE_LAYER_LABELS.blob]: identity.layerDigest,
      [REMOTE_LAYER_LABELS.image]: found.image,
    };
    // A CRI pull carries no plain-http label: the daemon learns it from the snapshotter's own list.
    if (found.plainHttp) labels[DARNER_LABELS.plainHttp] = 'true';
    return { remote: true, labels };
  }

  async lowerDirs(request: LowerDirsRequest): Promise<string[] | undefined> {
    const image = imageInChain(request.parents, hasBootstrap);
    if (!image) return undefined;
    const mountpoint = await this.exclusive(() => this.ensureMounted(image));
    return [...request.parents.slice(0, image.bootstrapAt).map((p) => p.dir), mountpoint];
  }

  async committed(request: CommittedRequest): Promise<void> {
    if (!hasBootstrap(request.snapshot)) return;
    const image = imageInChain([request.snapshot, ...request.parents], hasBootstrap);
    if (!image || image.bootstrapAt !== 0) return;
    await this.exclusive(() => this.ensureMounted(image));
  }

  /**
   * Mounts an image from the bootstrap layer a pull in this process has just read, before
   * containerd has unpacked it: the mount (keyed by the bootstrap's digest, as ever) is then in
   * place when the bootstrap's Commit asks for it. The layer's bytes were checked against the
   * pinned manifest; its tar is checked here against the config's diff_id, as containerd's unpack
   * checks it. The bootstrap passes to the daemon through a file of its own under `<root>/incoming`.
   */
  async mountFromBootstrapLayer(layer: BootstrapLayerInHand): Promise<void> {
    const bootstrap = await bootstrapFromLayerBytes(layer.bytes, layer.diffId, layer.image);
    const digest = `sha256:${createHash('sha256').update(bootstrap).digest('hex')}`;
    await this.exclusive(async () => {
      if (!this.started) await this.adoptMounts();
      if (await this.mountedAlready(digest)) return;
      const incoming = path.join(this.root, 'incoming');
      await fsp.mkdir(incoming, { recursive: true, mode: 0o700 });
      const file = path.join(incoming, `${digest.slice('sha256:'.length)}.${process.pid}.${Date.now()}.boot`);
      await fsp.writeFile(file, bootstrap, { mode: 0o600 });
      try {
        await this.mountImage(layer.image, layer.plainHttp, digest, file, 'bootstrap layer');
      } finally {
        await fsp.rm(file, { force: true });
      }
    });
  }

  async removed(snapshot: LayerRef): Promise<void> {
    // Only the removal of an image's bootstrap snapshot ends its mount.
    if (snapshot.kind !== 'committed' || !fs.existsSync(path.join(snapshot.dir, BOOTSTRAP_PATH_IN_LAYER))) return;
    if (this.mounts.size === 0) return;
    await this.exclusive(() => this.reconcile(this.snapshots?.list()));
  }

  async cleanup(live: readonly LayerRef[]): Promise<void> {
    await this.exclusive(async () => {
      if (!this.started) await this.adoptMounts();
      await this.reconcile(live);
      await this.removeIdleMountpoints();
      const ids = new Set(live.map((s) => `${s.id}:${s.name}`));
      for (const key of this.digests.keys()) if (!ids.has(key)) this.digests.delete(key);
    });
    const keep = blobsOf(live);
    try {
      await this.fs.releaseCache(keep);
    } catch (err) {
      this.log.warn({ err }, 'could not release cached blobs');
    }
  }

  // ---- mounts ---------------------------------------------------------------------------------

  private async adoptMounts(): Promise<void> {
    let listed: ImageMount[];
    try {
      listed = await this.fs.list();
    } catch (err) {
      this.log.warn({ err }, 'cannot list image mounts; they are looked for again at the next Cleanup');
      return;
    }
    for (const m of listed) {
      if (m.labels[MOUNT_LABELS.owner] !== this.root) continue;
      const digest = m.labels[MOUNT_LABELS.bootstrap] ?? m.bootstrapDigest;
      this.mounts.set(digest, { id: m.id, mountpoint: m.mountpoint, bootstrapDigest: digest });
    }
    this.started = true;
    this.log.info({ mounts: this.mounts.size }, 'image mounts found');
  }

  /** The image's mountpoint, mounting it first when it is not (or no longer) mounted. */
  private async ensureMounted(image: ChainImage): Promise<string> {
    if (!this.started) await this.adoptMounts();
    const digest = await this.bootstrapDigest(image.bootstrap);
    const tracked = await this.mountedAlready(digest);
    if (tracked) return tracked.mountpoint;
    return this.mountImage(image.image, image.plainHttp, digest, path.join(image.bootstrap.dir, BOOTSTRAP_PATH_IN_LAYER), 'snapshot');
  }

  /** This snapshotter's mount of the bootstrap `digest`, when it is mounted and served. */
  private async mountedAlready(digest: string): Promise<TrackedMount | undefined> {
    const tracked = this.mounts.get(digest);
    return tracked && isMountPoint(tracked.mountpoint) && (await this.served(tracked.id)) ? tracked : undefined;
  }

  /**
   * Has the daemon mount `image` (pinned) from the bootstrap file `bootstrap` of digest `digest`;
   * `from` (logged) says whether a pull's bootstrap layer or a committed snapshot gave it.
   */
  private async mountImage(image: string, plainHttp: boolean, digest: string, bootstrap: string, from: 'bootstrap layer' | 'snapshot'): Promise<string> {
    const mountpoint = path.join(this.mountDir, digest.slice('sha256:'.length));
    await fsp.mkdir(mountpoint, { recursive: true, mode: 0o755 });
    const manifest = this.images.manifestBytes(image);
    let mount: ImageMount;
    try {
      mount = await this.fs.mount({
        reference: image,
        mountpoint,
        bootstrap,
        ...(manifest !== undefined ? { manifest } : {}),
        ...(plainHttp ? { plainHttp: true } : {}),
        labels: { [MOUNT_LABELS.owner]: this.root, [MOUNT_LABELS.bootstrap]: digest },
      });
    } catch (err) {
      throw new ImageMountError(`cannot mount image ${image}: ${(err as Error).message}`, { cause: err });
    }
    this.mounts.set(digest, { id: mount.id, mountpoint: mount.mountpoint, bootstrapDigest: digest });
    this.log.info({ image, bootstrap: digest, mountpoint: mount.mountpoint, id: mount.id, from }, 'image mounted');
    return mount.mountpoint;
  }

  /**
   * Whether the filesystem still serves mount `id` (stargz's Check). A daemon that died leaves a
   * dead mount point behind; asking it again (which starts a daemon if none runs, and a restarted
   * daemon restores its mounts) is what brings the image back.
   */
  private async served(id: string): Promise<boolean> {
    try {
      return (await this.fs.list()).some((m) => m.id === id);
    } catch {
      return false;
    }
  }

  /** Unmounts every mount of ours whose image `live` no longer holds. */
  private async reconcile(live: readonly LayerRef[] | undefined): Promise<void> {
    if (live === undefined || this.mounts.size === 0) return;
    const inUse = new Set<string>();
    for (const image of imagesPresent(live, hasBootstrap).values()) {
      try {
        inUse.add(await this.bootstrapDigest(image.bootstrap));
      } catch (err) {
        // Unreadable bootstrap: its mount (if any) cannot be told apart, so keep everything.
        this.log.warn({ err, snapshot: image.bootstrap.name }, 'cannot read a bootstrap; keeping mounts');
        return;
      }
    }
    for (const [digest, mount] of [...this.mounts]) {
      if (inUse.has(digest)) continue;
      try {
        await this.fs.unmount(mount.id);
      } catch (err) {
        this.log.warn({ err, id: mount.id, mountpoint: mount.mountpoint }, 'unmount failed; retried at the next Cleanup');
        continue;
      }
      this.mounts.delete(digest);
      await fsp.rmdir(mount.mountpoint).catch(() => undefined);
      this.log.info({ bootstrap: digest, mountpoint: mount.mountpoint }, 'image unmounted: its snapshots are gone');
    }
  }

  /** Deletes empty directories under `<root>/mnt` that are neither mounted nor tracked. */
  private async removeIdleMountpoints(): Promise<void> {
    let names: string[];
    try {
      names = await fsp.readdir(this.mountDir);
    } catch {
      return;
    }
    const tracked = new Set([...this.mounts.values()].map((m) => m.mountpoint));
    const mounted = new Set(parseMountPoints(readMountInfo()));
    for (const name of names) {
      const dir = path.join(this.mountDir, name);
      if (tracked.has(dir) || mounted.has(dir)) continue;
      await fsp.rmdir(dir).catch((err: unknown) => this.log.warn({ err, dir }, 'cannot remove an idle mountpoint'));
    }
  }

  private async bootstrapDigest(snapshot: LayerRef): Promise<string> {
    const key = `${snapshot.id}:${snapshot.name}`;
    let digest = this.digests.get(key);
    if (digest === undefined) {
      const bytes = await fsp.readFile(path.join(snapshot.dir, BOOTSTRAP_PATH_IN_LAYER));
      digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      this.digests.set(key, digest);
    }
    return digest;
  }

  /** Runs `fn` after every earlier exclusive call has settled. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function hasBootstrap(ref: LayerRef): boolean {
  try {
    return fs.lstatSync(path.join(ref.dir, BOOTSTRAP_PATH_IN_LAYER)).isFile();
  } catch {
    return false;
  }
}

function isMountPoint(dir: string): boolean {
  return parseMountPoints(readMountInfo()).includes(dir);
}
