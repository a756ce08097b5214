/**
 * The daemon's mounts: one per request, each with its image source (the origin of its blobs) and
 * its ImageReader (cache leases, fetches, prefetch). In erofs mode the kernel's EROFS mounts the
 * saved bootstrap over FUSE blob devices (src/fs/erofs-mount.ts); in fuse mode ImageFs answers
 * everything over FUSE.
 *
 * A mount request flows:
 *   bootstrap (the request's file, or the image's bootstrap layer) → parse → check its blobs are
 *   the image's layers → save it under the state dir → fetcher.openImage (cache leases) →
 *   mount (a dead mount left at the mount point by a killed daemon is detached first) →
 *   start prefetch (the bootstrap's list; everything when asked) → record it in mounts.json.
 * Unmount reverses it: FUSE (lazily, if busy), reader (prefetch stops, leases released),
 * source, record. Shutdown unmounts everything but keeps mounts.json, and the next start mounts
 * the same images again from the saved bootstraps (no registry needed to get them back).
 *
 * Requests for one mount point are serialized; different mount points proceed in parallel.
 */
import { randomBytes } from 'node:crypto';
import { rmdir } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { openImageSource, type ImageSource, type ImageStoreOptions } from '../blob/image-store.js';
import { sha256Hex } from '../digest.js';
import { BadRequestError, KernelMountError, MalformedBootstrapError, MountError, MountpointBusyError, NativeMissingError, NotFoundError, UnsupportedError } from '../errors.js';
import type { ChunkFetcher, ImageReader, PeerSource } from '../fetch/types.js';
import { Bootstrap } from '../format/index.js';
import { ImageFs, TraceRecorder, adoptImageErofs, detachMount, mountImageErofs, mountImageFs, type FuseMount, type FuseMountOptions, type ImageFsObserver } from '../fs/index.js';
import type { ReadGuardOptions } from '../fs/read-guard.js';
import { unmountKernel } from '../fs/mount-syscalls.js';
import { readBootstrapFile } from '../image/bootstrap-file.js';
import { loadImageBootstrap, requireBootstrapLayerIndex } from '../image/bootstrap-layer.js';
import { checkDarnerDiffIds } from '../image/diff-ids.js';
import { log } from '../log.js';
import { readMounts } from '../util/mountinfo.js';
import type { Mount, MountRequest, TraceWritten } from './api.js';
import { handedManifest } from './handed-manifest.js';
import type { MountMode } from './config.js';
import { canonicalPath, checkMountTarget, prepareMountpoint } from './mount-target.js';
import type { MountRecord, StateStore } from './state.js';
import { planTakeover } from './takeover.js';
import { checkTraceTarget, writeTrace, type Recording } from './trace-file.js';

export interface MountManagerOptions {
  fetcher: ChunkFetcher;
  state: StateStore;
  fuse: FuseMountOptions;
  /** Registry requests in flight per connection (fetch.pipelining). */
  pipelining: number;
  /** erofs, fuse, or auto (erofs where the kernel can): see MountMode. */
  mode: MountMode;
  /** erofs mode: blob devices read with direct I/O (fuse.erofs_direct_io). */
  erofsDirectIo?: boolean;
  /** FUSE reads not answered within this fail with EIO. */
  readTimeoutMs: number;
  prefetch: { enabled: boolean; all: boolean; bandwidth: number };
  observer?: ImageFsObserver;
  /** The P2P peer source, when the daemon runs one: every mount's fetches offer it their ranges. */
  peer?: PeerSource;
  /** With P2P: where this node's whole-image prefetch starts (src/p2p/read-order.ts). */
  bulkReadStart?: (ranges: number) => number;
  /** The fd keeper (failover): blob-device connections are handed to it and taken back from it. */
  keeper?: KeptConnections;
  /** Counts each mount taken over at a restart, lost (connection gone) or failed. */
  onTakeover?: (result: 'taken' | 'lost' | 'failed') => void;
}

/** The fd keeper as the mount manager sees it (src/daemon/fd-keeper.ts). */
export interface KeptConnections {
  socket: string;
  /** True when the keeper holds the connection of mount `id`. */
  has(id: string): boolean;
  /** The kept fd of mount `id`, now owned by the caller. */
  take(id: string): number | undefined;
  /** Has the keeper close its copy of mount `id`'s connection (which then ends: readers get EIO, not a hang). */
  drop(id: string): void;
}

interface ActiveMount {
  record: MountRecord;
  source: ImageSource;
  reader: ImageReader;
  /** The mount: FUSE alone, or the kernel's EROFS with its FUSE blob devices. */
  mounted: FuseMount;
  /** The access trace being recorded (fuse mode only), written when the mount goes away. */
  recording?: Recording;
}

function storeOptions(r: { platform?: string; plainHttp?: boolean; credentials?: { username: string; password: string } }, pipelining: number): ImageStoreOptions {
  return {
    pipelining,
    ...(r.platform !== undefined ? { platform: r.platform } : {}),
    ...(r.plainHttp !== undefined ? { plainHttp: r.plainHttp } : {}),
    ...(r.credentials !== undefined ? { username: r.credentials.username, password: r.credentials.password } : {}),
  };
}

/** Every blob of the bootstrap must be a layer of the image: otherwise its reads would go nowhere. */
function checkBlobsBelong(bootstrap: Bootstrap, layerDigests: readonly string[], reference: string): void {
  const layers = new Set(layerDigests);
  for (const blob of bootstrap.blobs) {
    if (!layers.has(`sha256:${blob.id}`)) {
      throw new BadRequestError(`the bootstrap names blob sha256:${blob.id}, which is not a layer of ${reference}`);
    }
  }
}

export class MountManager {
  readonly #options: MountManagerOptions;
  readonly #active = new Map<string, ActiveMount>();
  /** Set once the kernel (or a missing native addon) showed that erofs mode cannot work here. */
  #noKernelErofs = false;
  readonly #locks = new Map<string, Promise<unknown>>();
  #saving: Promise<void> = Promise.resolve();
  /**
   * Readers of mounts just started, to index their images' chunks (ImageReader.prepare: a few
   * hundred ms of the one JavaScript thread for an image of thousands of files) once the state
   * naming them is saved and the mount answered, not before: the caller's mount answer (the
   * pull, through the snapshotter) must not wait for it; the first read, a container start
   * later, is what needs it.
   */
  #unprepared: ImageReader[] = [];

  constructor(options: MountManagerOptions) {
    this.#options = options;
  }

  list(): Mount[] {
    return [...this.#active.values()].map((a) => a.record.mount);
  }

  get size(): number {
    return this.#active.size;
  }

  /** Blob ids some mount uses. */
  referencedBlobs(): Set<string> {
    const out = new Set<string>();
    for (const a of this.#active.values()) for (const b of a.record.mount.blobs) out.add(b);
    return out;
  }

  async findByMountpoint(mountpoint: string): Promise<Mount | undefined> {
    const paths = new Set([resolvePath(mountpoint), await canonicalPath(mountpoint)]);
    for (const a of this.#active.values()) if (paths.has(a.record.mount.mountpoint)) return a.record.mount;
    return undefined;
  }

  /** Mounts an image; `created` is false when the same image was already mounted there. */
  async mount(request: MountRequest): Promise<{ mount: Mount; created: boolean }> {
    const id = `m-${randomBytes(8).toString('hex')}`;
    const ownMountpoint = request.mountpoint === undefined;
    const mountpoint = ownMountpoint ? resolvePath(this.#options.state.mountDir, id) : await canonicalPath(request.mountpoint!);
    return this.#withLock(mountpoint, async () => {
      const existing = this.#byMountpoint(mountpoint);
      if (existing !== undefined) {
        if (request.record !== undefined) throw new MountpointBusyError(`${mountpoint} is already mounted (mount ${existing.record.mount.id}); a recording starts with a new mount`);
        if (await this.#sameImage(existing.record, request)) return { mount: existing.record.mount, created: false };
        throw new MountpointBusyError(`${mountpoint} already holds ${existing.record.mount.reference} (mount ${existing.record.mount.id})`);
      }
      if (request.record !== undefined) {
        if (this.#options.mode === 'erofs') {
          throw new UnsupportedError('recording an access trace needs a FUSE mount: in erofs mode the kernel answers reads of cached data without the daemon seeing them (set [fuse] mode to "fuse" or "auto")');
        }
        await checkTraceTarget(request.record);
      }
      if (!ownMountpoint) await checkMountTarget(request.mountpoint!);
      const opts = storeOptions(request, this.#options.pipelining);
      let source: ImageSource;
      let bootstrap: Bootstrap;
      let bytes: Buffer;
      let manifestDigest: string;
      let layers: string[];
      if (request.bootstrap !== undefined) {
        bytes = await readBootstrapFile(request.bootstrap);
        bootstrap = parseBootstrap(bytes, request.bootstrap);
        source = await openImageSource(request.reference, opts);
        try {
          if (request.manifest !== undefined) {
            // A manifest handed over (checked against the pinned digest) spares reading manifest and
            // config again; the caller had containerd unpack the bootstrap layer, which checked the
            // config's diff_ids.
            const handed = handedManifest(request.reference, request.manifest);
            requireBootstrapLayerIndex(handed, request.reference);
            manifestDigest = handed.manifestDigest;
            layers = handed.layers.map((l) => l.digest);
          } else {
            const image = await source.resolve(request.platform);
            // The file stands for the bootstrap layer (containerd checked its diff_id on unpacking).
            const bootstrapIndex = requireBootstrapLayerIndex(image.manifest, request.reference);
            checkDarnerDiffIds(image.manifest, image.config, bootstrapIndex, request.reference);
            manifestDigest = image.manifestDigest;
            layers = image.layers.map((l) => l.digest);
          }
        } catch (err) {
          await source.close();
          throw err;
        }
      } else {
        const loaded = await loadImageBootstrap(request.reference, opts);
        ({ source, bootstrap, bootstrapBytes: bytes } = loaded);
        manifestDigest = loaded.image.manifestDigest;
        layers = loaded.image.layers.map((l) => l.digest);
      }
      try {
        checkBlobsBelong(bootstrap, layers, request.reference);
        const digest = sha256Hex(bytes);
        await this.#options.state.saveBootstrap(digest, bytes);
        const record: MountRecord = {
          mount: {
            id,
            reference: request.reference,
            mountpoint,
            manifestDigest,
            bootstrapDigest: digest,
            blobs: bootstrap.blobs.map((b) => b.id),
            createdAt: new Date().toISOString(),
            labels: request.labels ?? {},
          },
          ownMountpoint,
          ...(request.platform !== undefined ? { platform: request.platform } : {}),
          ...(request.plainHttp !== undefined ? { plainHttp: request.plainHttp } : {}),
          ...(request.credentials !== undefined ? { credentials: request.credentials } : {}),
          ...(request.prefetchAll !== undefined ? { prefetchAll: request.prefetchAll } : {}),
          ...(request.bootstrap !== undefined ? { requestedBootstrap: request.bootstrap } : {}),
        };
        await this.#activate(record, bootstrap, source, request.record);
      } catch (err) {
        await source.close().catch(() => {});
        if (ownMountpoint) await rmdir(mountpoint).catch(() => {});
        throw err;
      }
      await this.#save();
      const mount = this.#active.get(id)!.record.mount;
      log.info({ id, reference: mount.reference, mountpoint, blobs: mount.blobs.length, bootstrap: mount.bootstrapDigest }, 'mounted');
      return { mount, created: true };
    });
  }

  /** Unmounts (lazily if busy) and forgets mount `id`; NotFoundError when there is none. */
  async unmount(id: string): Promise<void> {
    const found = this.#active.get(id);
    if (found === undefined) throw new NotFoundError(`no mount ${id}`);
    await this.#withLock(found.record.mount.mountpoint, async () => {
      const active = this.#active.get(id);
      if (active === undefined) throw new NotFoundError(`no mount ${id}`);
      this.#active.delete(id);
      await this.#save();
      await this.#release(active);
      if (active.record.ownMountpoint) await rmdir(active.record.mount.mountpoint).catch(() => {});
      log.info({ id, mountpoint: active.record.mount.mountpoint }, 'unmounted');
      await this.#finishRecording(active);
    });
  }

  /** Stops mount `id`'s recording and writes its trace now; the mount stays. */
  async stopRecording(id: string): Promise<TraceWritten> {
    const mountpoint = this.#active.get(id)?.record.mount.mountpoint;
    if (mountpoint === undefined) throw new NotFoundError(`no mount ${id}`);
    return this.#withLock(mountpoint, async () => {
      const active = this.#active.get(id);
      if (active === undefined) throw new NotFoundError(`no mount ${id}`);
      const trace = active.recording?.path;
      if (trace === undefined) throw new NotFoundError(`mount ${id} is not recording an access trace`);
      return { trace, files: await this.#finishRecording(active) };
    });
  }

  /**
   * Mounts again what mounts.json lists (after a restart or a crash). Mounts whose connection the
   * fd keeper held are taken over as they are (planTakeover: nothing unmounted, requests the dead
   * daemon had read are resent); other kernel EROFS mounts of saved bootstraps and dead FUSE
   * mounts under the state dir's mnt/ and devices/ are detached and mounted again. A mount that
   * cannot be restored is logged and dropped from the list.
   */
  async restore(): Promise<void> {
    const { records, problem } = await this.#options.state.load();
    if (problem !== undefined) log.error({ problem }, 'mount state unreadable; starting without mounts');
    const keeper = this.#options.keeper;
    const kept = new Set(records.map((r) => r.mount.id).filter((id) => keeper?.has(id) === true));
    const plan = planTakeover(records, await readMounts(), this.#options.state, kept);
    for (const r of plan.lost) {
      const why = keeper === undefined ? 'no fd keeper is configured' : `the fd keeper at ${keeper.socket} held no connection for it (it was not running when the previous daemon ended)`;
      log.error({ id: r.mount.id, mountpoint: r.mount.mountpoint }, `cannot take over mount ${r.mount.id} at ${r.mount.mountpoint}: ${why}; its FUSE connection ended with the previous daemon, so containers reading it get I/O errors; mounting it again for new containers`);
      this.#options.onTakeover?.('lost');
    }
    for (const d of plan.detach) {
      log.warn({ mountpoint: d.mountPoint }, d.kind === 'erofs' ? 'detaching a kernel EROFS mount left by an earlier daemon' : 'detaching a FUSE mount left by an earlier daemon');
      const detach = d.kind === 'erofs' ? unmountKernel : detachMount;
      await detach(d.mountPoint).catch((err: unknown) => log.error({ mountpoint: d.mountPoint, err: (err as Error).message }, 'cannot detach'));
      if (d.remove) await rmdir(d.mountPoint).catch(() => {});
    }
    for (const record of records) {
      const { id, mountpoint, reference, bootstrapDigest } = record.mount;
      try {
        const path = this.#options.state.bootstrapPath(bootstrapDigest);
        const bytes = await readBootstrapFile(path);
        if (sha256Hex(bytes) !== bootstrapDigest) throw new MalformedBootstrapError(`${path} does not have digest ${bootstrapDigest}`);
        const bootstrap = parseBootstrap(bytes, path);
        const source = await openImageSource(reference, storeOptions(record, this.#options.pipelining));
        try {
          if (plan.adopt.has(id)) await this.#adopt(record, bootstrap, source, keeper!.take(id)!);
          else await this.#activate(record, bootstrap, source);
        } catch (err) {
          await source.close().catch(() => {});
          throw err;
        }
        log.info({ id, reference, mountpoint, takenOver: plan.adopt.has(id) }, plan.adopt.has(id) ? 'mount taken over' : 'mount restored');
      } catch (err) {
        if (plan.adopt.has(id)) {
          this.#options.onTakeover?.('failed');
          keeper!.drop(id);
        }
        log.error({ id, reference, mountpoint, err: (err as Error).message }, 'cannot restore mount; dropping it');
      }
    }
    await this.#save();
  }

  /** Serves a mount the previous daemon left, on its kept connection `fd` (see restore). */
  async #adopt(record: MountRecord, bootstrap: Bootstrap, source: ImageSource, fd: number): Promise<void> {
    const { id, mountpoint, reference, bootstrapDigest } = record.mount;
    const reader = await this.#openReader(bootstrap, source, reference);
    let mounted: FuseMount;
    try {
      const adopted = adoptImageErofs(mountpoint, bootstrap, reader, fd, {
        ...this.#guard(record),
        bootstrapPath: this.#options.state.bootstrapPath(bootstrapDigest),
        deviceDir: this.#options.state.deviceDir(id),
        keeper: { socket: this.#options.keeper!.socket, name: id },
      });
      mounted = adopted.mount;
      if (adopted.resendErrno !== 0) log.error({ id, errno: adopted.resendErrno }, 'the kernel refused FUSE_NOTIFY_RESEND: reads the previous daemon had taken wait until fuse.read_timeout_ms in the kernel queue');
    } catch (err) {
      await reader.close();
      throw err;
    }
    this.#options.onTakeover?.('taken');
    this.#started(record, bootstrap, source, reader, mounted);
  }

  /** Unmounts everything, keeping mounts.json for the next start. */
  async closeAll(): Promise<void> {
    const all = [...this.#active.values()];
    this.#active.clear();
    await Promise.all(all.map((a) => this.#release(a)));
    for (const a of all) await this.#finishRecording(a).catch((err: unknown) => log.error({ id: a.record.mount.id, err: (err as Error).message }, 'access trace lost'));
    await this.#saving;
  }

  async #activate(record: MountRecord, bootstrap: Bootstrap, source: ImageSource, recordTo?: string): Promise<void> {
    const { mountpoint, reference } = record.mount;
    await prepareMountpoint(mountpoint);
    const reader = await this.#openReader(bootstrap, source, reference);
    const recording = recordTo !== undefined ? { recorder: new TraceRecorder(), path: recordTo } : undefined;
    let mounted: FuseMount;
    try {
      mounted = await this.#mountImage(record, bootstrap, reader, recording?.recorder);
    } catch (err) {
      await reader.close();
      throw err;
    }
    this.#started(record, bootstrap, source, reader, mounted, recording);
  }

  #openReader(bootstrap: Bootstrap, source: ImageSource, reference: string): Promise<ImageReader> {
    return this.#options.fetcher.openImage({
      bootstrap,
      origin: source.blobReader(),
      name: reference,
      ...(this.#options.peer !== undefined ? { peer: this.#options.peer } : {}),
    });
  }

  /** A mount is up: it joins the active ones, and its reader prepares and prefetches. */
  #started(record: MountRecord, bootstrap: Bootstrap, source: ImageSource, reader: ImageReader, mounted: FuseMount, recording?: Recording): void {
    this.#active.set(record.mount.id, { record, source, reader, mounted, ...(recording !== undefined ? { recording } : {}) });
    this.#unprepared.push(reader);
    const { prefetch } = this.#options;
    if (prefetch.enabled && bootstrap.prefetchNids.length > 0) {
      void reader.prefetchFiles().then((s) => log.info({ id: record.mount.id, ...s }, 'prefetch list done'));
    }
    if (record.prefetchAll === true || prefetch.all) {
      const start = this.#options.bulkReadStart;
      const options = { ...(prefetch.bandwidth > 0 ? { bytesPerSecond: prefetch.bandwidth } : {}), ...(start !== undefined ? { startAt: start } : {}) };
      void reader.prefetchAll(options).then((s) => log.info({ id: record.mount.id, ...s }, 'prefetch of the whole image done'));
    }
  }

  /**
   * Mounts the image at the record's mount point: with the kernel's EROFS unless the mode is
   * fuse (auto falls back to FUSE when the kernel refuses, and stops trying after a refusal that
   * says it cannot do file-backed EROFS at all). Sets record.mount.mode.
   */
  async #mountImage(record: MountRecord, bootstrap: Bootstrap, reader: ImageReader, recorder?: TraceRecorder): Promise<FuseMount> {
    const { mountpoint, id, bootstrapDigest } = record.mount;
    const guard = this.#guard(record);
    const mode = this.#options.mode;
    // A recording needs every read, which only FUSE alone shows (erofs mode refused it earlier).
    if (recorder === undefined && (mode === 'erofs' || (mode === 'auto' && !this.#noKernelErofs))) {
      try {
        const mounted = await mountImageErofs(mountpoint, bootstrap, reader, {
          ...guard,
          bootstrapPath: this.#options.state.bootstrapPath(bootstrapDigest),
          deviceDir: this.#options.state.deviceDir(id),
          directIo: this.#options.erofsDirectIo ?? true,
          ...(this.#options.keeper !== undefined ? { keeper: { socket: this.#options.keeper.socket, name: id } } : {}),
        });
        record.mount.mode = 'erofs';
        return mounted;
      } catch (err) {
        // auto: anything about the kernel mount (refused, no native addon, too many devices for
        // one option page, the blob devices' FUSE mount) falls back to FUSE alone.
        if (mode === 'erofs' || !(err instanceof MountError || err instanceof NativeMissingError)) throw err;
        const unsupported = err instanceof NativeMissingError || (err instanceof KernelMountError && (err.errno === 'ENOTBLK' || err.errno === 'ENODEV'));
        if (unsupported) this.#noKernelErofs = true;
        log.warn({ id, mountpoint, err: err.message, unsupported }, 'kernel EROFS mount refused; mounting with FUSE');
      }
    }
    const fs = new ImageFs(bootstrap, reader, { ...guard, ...(recorder !== undefined ? { recorder } : {}) });
    const mounted = await mountImageFs(mountpoint, fs, this.#options.fuse);
    record.mount.mode = 'fuse';
    return mounted;
  }

  #guard(record: MountRecord): ReadGuardOptions {
    return {
      readTimeoutMs: this.#options.readTimeoutMs,
      image: record.mount.reference,
      ...(this.#options.observer !== undefined ? { observer: this.#options.observer } : {}),
    };
  }

  async #release(active: ActiveMount): Promise<void> {
    const { id, mountpoint } = active.record.mount;
    await active.mounted.unmount().catch((err: unknown) => log.error({ id, mountpoint, err: (err as Error).message }, 'unmount failed'));
    await active.reader.close().catch((err: unknown) => log.error({ id, err: (err as Error).message }, 'closing the image reader failed'));
    await active.source.close().catch(() => {});
  }

  /** Ends the mount's recording, if any, and writes its trace; returns the files it names. */
  async #finishRecording(active: ActiveMount): Promise<number> {
    const recording = active.recording;
    if (recording === undefined) return 0;
    delete active.recording;
    const { id, reference, bootstrapDigest } = active.record.mount;
    const files = await writeTrace(recording, { reference, bootstrapDigest });
    log.info({ id, trace: recording.path, files }, 'access trace written');
    return files;
  }

  async #sameImage(existing: MountRecord, request: MountRequest): Promise<boolean> {
    if (existing.mount.reference !== request.reference) return false;
    if (request.bootstrap === undefined) return existing.requestedBootstrap === undefined;
    if (request.bootstrap === existing.requestedBootstrap) return true;
    try {
      return sha256Hex(await readBootstrapFile(request.bootstrap)) === existing.mount.bootstrapDigest;
    } catch {
      return false;
    }
  }

  #byMountpoint(mountpoint: string): ActiveMount | undefined {
    for (const a of this.#active.values()) if (a.record.mount.mountpoint === mountpoint) return a;
    return undefined;
  }

  async #withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }

  /** Writes mounts.json; writes are chained so the last state always wins. */
  #save(): Promise<void> {
    const records = [...this.#active.values()].map((a) => a.record);
    const next = this.#saving.then(() => this.#options.state.save(records));
    this.#saving = next.catch((err: unknown) => log.error({ err: (err as Error).message }, 'cannot write mount state'));
    const readers = this.#unprepared.splice(0);
    // setImmediate: after the awaiting caller's answer has been written.
    if (readers.length > 0) void this.#saving.then(() => setImmediate(() => readers.forEach((r) => r.prepare())));
    return next;
  }
}

function parseBootstrap(bytes: Buffer, where: string): Bootstrap {
  try {
    return Bootstrap.parse(bytes);
  } catch (err) {
    if (err instanceof MalformedBootstrapError) throw new MalformedBootstrapError(`${where}: ${err.message}`);
    throw err;
  }
}
