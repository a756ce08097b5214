import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { BOOTSTRAP_PATH_IN_LAYER } from '../src/image/bootstrap-layer.js';
import { ImageMountError } from '../src/errors.js';
import { log as rootLog } from '../src/log.js';
import { blobsOf, imageInChain, imagesPresent } from './image-chains.js';
import { DARNER_LABELS, REMOTE_LAYER_LABELS, layerIdentity } from './layer-labels.js';
import { parseMountPoints, readMountInfo } from '../src/util/mountinfo.js';
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
 * Mount at pull. When the bootstrap layer is committed (image-chains.ts: a snapshot holding a
 * bootstrap, with only remote data layers below it), `committed` mounts the image right away,
 * handing the daemon the manifest the catalog holds (read once during the pull), so the daemon
 * reads no manifest or config and its prefetch starts while the pull finishes. A failure there
 * is logged; the container's Prepare tries again.
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
};
export class DarnerLayers {
    root;
    mountDir;
    fs;
    images;
    log;
    snapshots;
    /** This snapshotter's mounts, by bootstrap digest. */
    mounts = new Map();
    /** Bootstrap digests by `<snapshot id>:<name>` (committed snapshots never change). */
    digests = new Map();
    queue = Promise.resolve();
    started = false;
    constructor(options) {
        this.root = path.resolve(options.root);
        this.mountDir = path.join(this.root, 'mnt');
        this.fs = options.fs;
        this.images = options.images;
        this.log = (options.logger ?? rootLog).child({ component: 'darner-layers' });
    }
    attach(snapshots) {
        this.snapshots = snapshots;
    }
    /**
     * Takes back this snapshotter's mounts from the filesystem (after a restart). A filesystem that
     * cannot be reached is logged, not fatal: plain images keep working, and darner images are
     * mounted when a container asks.
     */
    async start() {
        await this.exclusive(() => this.adoptMounts());
    }
    // ---- the seam -------------------------------------------------------------------------------
    async prepareLayer(request) {
        const identity = layerIdentity(request.labels);
        if (!identity)
            return { remote: false };
        // containerd names the backend's keys `<namespace>/<id>/<key>`.
        const found = await this.images.lookupLayer(identity, request.key.split('/')[0]);
        if (!found || found.kind !== 'data') {
            this.log.debug({ chainId: request.chainId, layer: identity.layerDigest, kind: found?.kind }, 'not a darner data layer: unpacking');
            return { remote: false };
        }
        const labels = {
            [REMOTE_LAYER_LABELS.blob]: identity.layerDigest,
            [REMOTE_LAYER_LABELS.image]: found.image,
        };
        // A CRI pull carries no plain-http label: the daemon learns it from the snapshotter's own list.
        if (found.plainHttp)
            labels[DARNER_LABELS.plainHttp] = 'true';
        return { remote: true, labels };
    }
    async lowerDirs(request) {
        const image = imageInChain(request.parents, hasBootstrap);
        if (!image)
            return undefined;
        const mountpoint = await this.exclusive(() => this.ensureMounted(image));
        return [...request.parents.slice(0, image.bootstrapAt).map((p) => p.dir), mountpoint];
    }
    async committed(request) {
        if (!hasBootstrap(request.snapshot))
            return;
        const image = imageInChain([request.snapshot, ...request.parents], hasBootstrap);
        if (!image || image.bootstrapAt !== 0)
            return;
        await this.exclusive(() => this.ensureMounted(image));
    }
    async removed(snapshot) {
        // Only the removal of an image's bootstrap snapshot ends its mount.
        if (snapshot.kind !== 'committed' || !fs.existsSync(path.join(snapshot.dir, BOOTSTRAP_PATH_IN_LAYER)))
            return;
        if (this.mounts.size === 0)
            return;
        await this.exclusive(() => this.reconcile(this.snapshots?.list()));
    }
    async cleanup(live) {
        await this.exclusive(async () => {
            if (!this.started)
                await this.adoptMounts();
            await this.reconcile(live);
            await this.removeIdleMountpoints();
            const ids = new Set(live.map((s) => `${s.id}:${s.name}`));
            for (const key of this.digests.keys())
                if (!ids.has(key))
                    this.digests.delete(key);
        });
        const keep = blobsOf(live);
        try {
            await this.fs.releaseCache(keep);
        }
        catch (err) {
            this.log.warn({ err }, 'could not release cached blobs');
        }
    }
    // ---- mounts ---------------------------------------------------------------------------------
    async adoptMounts() {
        let listed;
        try {
            listed = await this.fs.list();
        }
        catch (err) {
            this.log.warn({ err }, 'cannot list image mounts; they are looked for again at the next Cleanup');
            return;
        }
        for (const m of listed) {
            if (m.labels[MOUNT_LABELS.owner] !== this.root)
                continue;
            const digest = m.labels[MOUNT_LABELS.bootstrap] ?? m.bootstrapDigest;
            this.mounts.set(digest, { id: m.id, mountpoint: m.mountpoint, bootstrapDigest: digest });
        }
        this.started = true;
        this.log.info({ mounts: this.mounts.size }, 'image mounts found');
    }
    /** The image's mountpoint, mounting it first when it is not (or no longer) mounted. */
    async ensureMounted(image) {
        if (!this.started)
            await this.adoptMounts();
        const digest = await this.bootstrapDigest(image.bootstrap);
        const tracked = this.mounts.get(digest);
        if (tracked && isMountPoint(tracked.mountpoint) && (await this.served(tracked.id)))
            return tracked.mountpoint;
        const mountpoint = path.join(this.mountDir, digest.slice('sha256:'.length));
        await fsp.mkdir(mountpoint, { recursive: true, mode: 0o755 });
        const manifest = this.images.manifestBytes(image.image);
        let mount;
        try {
            mount = await this.fs.mount({
                reference: image.image,
                mountpoint,
                bootstrap: path.join(image.bootstrap.dir, BOOTSTRAP_PATH_IN_LAYER),
                ...(manifest !== undefined ? { manifest } : {}),
                ...(image.plainHttp ? { plainHttp: true } : {}),
                labels: { [MOUNT_LABELS.owner]: this.root, [MOUNT_LABELS.bootstrap]: digest },
            });
        }
        catch (err) {
            throw new ImageMountError(`cannot mount image ${image.image}: ${err.message}`, { cause: err });
        }
        this.mounts.set(digest, { id: mount.id, mountpoint: mount.mountpoint, bootstrapDigest: digest });
        this.log.info({ image: image.image, bootstrap: digest, mountpoint: mount.mountpoint, id: mount.id }, 'image mounted');
        return mount.mountpoint;
    }
    /**
     * Whether the filesystem still serves mount `id` (stargz's Check). A daemon that died leaves a
     * dead mount point behind; asking it again (which starts a daemon if none runs, and a restarted
     * daemon restores its mounts) is what brings the image back.
     */
    async served(id) {
        try {
            return (await this.fs.list()).some((m) => m.id === id);
        }
        catch {
            return false;
        }
    }
    /** Unmounts every mount of ours whose image `live` no longer holds. */
    async reconcile(live) {
        if (live === undefined || this.mounts.size === 0)
            return;
        const inUse = new Set();
        for (const image of imagesPresent(live, hasBootstrap).values()) {
            try {
                inUse.add(await this.bootstrapDigest(image.bootstrap));
            }
            catch (err) {
                // Unreadable bootstrap: its mount (if any) cannot be told apart, so keep everything.
                this.log.warn({ err, snapshot: image.bootstrap.name }, 'cannot read a bootstrap; keeping mounts');
                return;
            }
        }
        for (const [digest, mount] of [...this.mounts]) {
            if (inUse.has(digest))
                continue;
            try {
                await this.fs.unmount(mount.id);
            }
            catch (err) {
                this.log.warn({ err, id: mount.id, mountpoint: mount.mountpoint }, 'unmount failed; retried at the next Cleanup');
                continue;
            }
            this.mounts.delete(digest);
            await fsp.rmdir(mount.mountpoint).catch(() => undefined);
            this.log.info({ bootstrap: digest, mountpoint: mount.mountpoint }, 'image unmounted: its snapshots are gone');
        }
    }
    /** Deletes empty directories under `<root>/mnt` that are neither mounted nor tracked. */
    async removeIdleMountpoints() {
        let names;
        try {
            names = await fsp.readdir(this.mountDir);
        }
        catch {
            return;
        }
        const tracked = new Set([...this.mounts.values()].map((m) => m.mountpoint));
        const mounted = new Set(parseMountPoints(readMountInfo()));
        for (const name of names) {
            const dir = path.join(this.mountDir, name);
            if (tracked.has(dir) || mounted.has(dir))
                continue;
            await fsp.rmdir(dir).catch((err) => this.log.warn({ err, dir }, 'cannot remove an idle mountpoint'));
        }
    }
    async bootstrapDigest(snapshot) {
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
    exclusive(fn) {
        const run = this.queue.then(fn, fn);
        this.queue = run.catch(() => undefined);
        return run;
    }
}
function hasBootstrap(ref) {
    try {
        return fs.lstatSync(path.join(ref.dir, BOOTSTRAP_PATH_IN_LAYER)).isFile();
    }
    catch {
        return false;
    }
}
function isMountPoint(dir) {
    return parseMountPoints(readMountInfo()).includes(dir);
}
//# sourceMappingURL=darner-layers.js.map