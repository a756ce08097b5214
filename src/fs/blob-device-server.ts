/**
 * Serves BlobDevices with the native FUSE server (native/src/blobdev.rs) instead of libfuse:
 * requests of up to 1 MiB, and reads of cached bytes answered by the server's own threads from
 * the blob cache files, without a round trip through the JavaScript thread. Only reads of bytes
 * that are not yet marked reach BlobDevices.read (fetch, verify, answer).
 *
 * What is marked: the blocks of chunks that are in the cache file and verified since the daemon
 * started, for this image's digests (ImageReader.watchVerified / verifiedIn) — the rule the
 * cache's own reads follow. Marks come from three places: at the mount (chunks verified earlier
 * in this run), as chunks are stored after a fetch, and after a forwarded read (a chunk read for
 * the first time since a restart is verified then). Invalidated chunks are unmarked. A blob whose
 * chunk table is not block-aligned and disjoint is never marked.
 *
 * Mount options (set by the server): read-only, nosuid, nodev, default_permissions, no
 * allow_other (the files hold every byte of the image whatever its files' modes: only the
 * daemon's user may open them; the kernel's EROFS opens them once, at its mount), fstype
 * fuse.darner so that a restarted daemon finds the ones its predecessor left.
 *
 * Failover (docs/failover.md): with a keeper, a copy of the connection's /dev/fuse fd goes to the
 * fd keeper right after the mount, so the connection outlives this process; a restarted daemon
 * takes it back with `resumeServedBlobDevices` instead of mounting again, and the kernel resends
 * the requests the dead process had read. The copy is dropped at unmount.
 */
import { log } from '../log.js';
import { fdKeeper, resumeBlobDevices, startBlobDevices, type NativeBlobDeviceServer } from '../native.js';
import { MountError } from '../errors.js';
import type { BlobDevices } from './blob-devices.js';
import { errnoOf } from './errno.js';
import type { FuseMount } from './fuse-mount.js';
import { unmountKernel } from './mount-syscalls.js';

/** What the server needs besides the devices: where cached bytes are, and which are verified. */
export interface VerifiedSpaces {
  cacheFile(blobIndex: number): string | undefined;
  watchVerified(blobIndex: number, listener: (start: number, end: number, verified: boolean) => void): () => void;
  verifiedIn(blobIndex: number, start: number, end: number): Array<[number, number]>;
  verifyCached(blobIndex: number, start: number, end: number): Promise<void>;
}

/**
 * After a forwarded read, the cached chunks stored in this many bytes after it are verified and
 * marked too. A chunk is verified once per daemon run, on its first read; after a restart every
 * small file is a chunk of its own, and each would otherwise be one trip through JavaScript (the
 * kernel reads the devices with direct I/O, one file at a time): 2,000 small files read after a
 * restart took 2,001 forwarded reads, and the same in 128 KiB batches of the device's readahead
 * when read buffered.
 */
const VERIFY_AHEAD_BYTES = 1024 * 1024;

/** Where the connection's fd is kept across restarts: the keeper's socket and the name under it. */
export interface KeeperHandoff {
  socket: string;
  name: string;
}

type OnRead = (unique: number, device: number, offset: number, length: number) => void;

/** Mounts the blob devices at `dir` and serves them; hands the connection to the keeper, if any. */
export function serveBlobDevices(dir: string, devices: BlobDevices, spaces: VerifiedSpaces, keeper?: KeeperHandoff): FuseMount {
  return serve(dir, devices, spaces, keeper, (cachePaths, onRead) => {
    try {
      return startBlobDevices(dir, devices.sizes, cachePaths, onRead);
    } catch (err) {
      throw new MountError(`cannot mount the blob devices at ${dir}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/**
 * Serves the blob devices an earlier daemon mounted at `dir`, on its connection `fd` (from the
 * keeper; owned by the server from now on). Throws MountError when the fd cannot be served.
 */
export function resumeServedBlobDevices(dir: string, fd: number, devices: BlobDevices, spaces: VerifiedSpaces, keeper: KeeperHandoff): { mount: FuseMount; resendErrno: number } {
  let resendErrno = 0;
  const mount = serve(dir, devices, spaces, keeper, (cachePaths, onRead) => {
    try {
      const server = resumeBlobDevices(fd, devices.sizes, cachePaths, onRead);
      resendErrno = server.resendErrno();
      return server;
    } catch (err) {
      throw new MountError(`cannot serve the blob devices at ${dir} on the kept connection: ${(err as Error).message}`, { cause: err });
    }
  });
  return { mount, resendErrno };
}

function serve(dir: string, devices: BlobDevices, spaces: VerifiedSpaces, keeper: KeeperHandoff | undefined, start: (cachePaths: string[], onRead: OnRead) => NativeBlobDeviceServer): FuseMount {
  const count = devices.sizes.length;
  const cachePaths = Array.from({ length: count }, (_, i) => spaces.cacheFile(i) ?? '');
  let server: NativeBlobDeviceServer;
  const trace = log.isLevelEnabled('debug');
  const onRead: OnRead = (unique, device, offset, length) => {
    // Debug only: the stages of a cold read, for bench/start-timeline.ts.
    if (trace) log.debug({ device, offset, length }, 'blob device read forwarded');
    devices.read(`/${device}`, length, offset).then(
      (data) => {
        server.reply(unique, data);
        if (trace) log.debug({ device, offset, length }, 'blob device read answered');
        if (cachePaths[device] !== '') {
          for (const [start, end] of spaces.verifiedIn(device, offset, offset + data.length)) server.mark(device, start, end, true);
          const ahead = offset + data.length;
          void spaces.verifyCached(device, ahead, ahead + VERIFY_AHEAD_BYTES).then(() => {
            for (const [start, end] of spaces.verifiedIn(device, ahead, ahead + VERIFY_AHEAD_BYTES)) server.mark(device, start, end, true);
          });
        }
      },
      (err: unknown) => server.replyError(unique, errnoOf(err)),
    );
  };
  server = start(cachePaths, onRead);
  if (keeper !== undefined) {
    try {
      server.keep(keeper.socket, keeper.name);
    } catch (err) {
      // The mount works; it only will not outlive this process.
      log.error({ dir, socket: keeper.socket, err: (err as Error).message }, 'cannot hand the blob devices\' connection to the fd keeper: it ends with this daemon');
    }
  }
  const unwatch = cachePaths.map((path, i) => (path === '' ? () => {} : spaces.watchVerified(i, (start, end, verified) => server.mark(i, start, end, verified))));
  let unmounted: Promise<void> | undefined;
  return {
    mountpoint: dir,
    unmount() {
      unmounted ??= (async () => {
        for (const stop of unwatch) stop();
        // Reads waiting on fetches end now (EIO); the kernel's EROFS, if still mounted, gets EIO too.
        devices.close();
        try {
          await unmountKernel(dir);
        } catch (err) {
          log.error({ dir, err: String(err) }, 'cannot unmount the blob devices');
        } finally {
          server.close();
          if (keeper !== undefined) dropKept(keeper);
        }
      })();
      return unmounted;
    },
  };
}

function dropKept(keeper: KeeperHandoff): void {
  try {
    fdKeeper.drop(keeper.socket, keeper.name);
  } catch (err) {
    log.warn({ ...keeper, err: (err as Error).message }, 'the fd keeper did not drop a connection');
  }
}
