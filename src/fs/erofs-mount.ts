/**
 * An image mounted by the kernel's EROFS: the saved bootstrap file is the filesystem (a
 * file-backed mount, kernel 6.12+, no loop device) and the image's blobs are its extra devices,
 * files on a FUSE mount of BlobDevices served by the native server (blob-device-server.ts). The
 * kernel answers every metadata operation from the bootstrap; the daemon sees only reads of blob
 * bytes that are not cached yet, in large sequential requests.
 *
 * mount(2) runs on the thread pool (the native addon): the kernel reads the device files while
 * it mounts, and answers about bytes not cached yet come from this process's JavaScript thread.
 */
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bootstrap } from '../format/reader.js';
import { KernelMountError, MountError } from '../errors.js';
import { MS_RDONLY, mountFs } from '../native.js';
import { BlobDevices, type BlobDataReader } from './blob-devices.js';
import { resumeServedBlobDevices, serveBlobDevices, type KeeperHandoff, type VerifiedSpaces } from './blob-device-server.js';
import type { FuseMount } from './fuse-mount.js';
import { oneAtATime, unmountKernel } from './mount-syscalls.js';
import type { ReadGuardOptions } from './read-guard.js';

const MS_NOSUID = 2;
const MS_NODEV = 4;
/** mount(2) copies at most one page of options. */
const MAX_OPTIONS_BYTES = 4095;

/**
 * The `-o` string for a file-backed EROFS mount with these device files, checked to fit.
 *
 * `directio`: EROFS reads its backing files with direct I/O. Buffered, a read of a file's last
 * pages went through the blob device's own page cache, whose readahead ran on past the file into
 * whatever the blob stores next, and each such page is a fetch from the registry that no one
 * asked for, one round trip on the reading process's path (docs/daemon.md, "Mount modes"). Direct,
 * the daemon sees exactly the blocks EROFS reads, and EROFS's own readahead stops at the file's end.
 */
export function erofsMountData(devicePaths: readonly string[], directIo = true): string {
  for (const path of devicePaths) {
    if (/[,\0]/.test(path)) throw new MountError(`blob device path ${JSON.stringify(path)} cannot be a mount option (comma or NUL)`);
  }
  const data = [...devicePaths.map((p) => `device=${p}`), ...(directIo ? ['directio'] : [])].join(',');
  if (Buffer.byteLength(data) > MAX_OPTIONS_BYTES)
    throw new MountError(`${devicePaths.length} blob devices do not fit in one mount option page (${Buffer.byteLength(data)} bytes)`);
  return data;
}

export interface ErofsMountOptions extends ReadGuardOptions {
  /** The bootstrap as a file (kept until unmounted: the kernel reads it). */
  bootstrapPath: string;
  /** An empty directory the blob devices are mounted on (created, and removed at unmount). */
  deviceDir: string;
  /** The kernel reads the blob devices with direct I/O (erofsMountData); default true. */
  directIo?: boolean;
  /** The fd keeper that holds the blob devices' connection across daemon restarts. */
  keeper?: KeeperHandoff;
}

/** Mounts `bootstrap` at `mountpoint` with the kernel's EROFS over blob devices read from `reader`. */
export async function mountImageErofs(
  mountpoint: string,
  bootstrap: Bootstrap,
  reader: BlobDataReader & VerifiedSpaces,
  options: ErofsMountOptions,
): Promise<FuseMount> {
  const devices = new BlobDevices(
    bootstrap.blobs.map((b) => ({ id: b.id, size: b.uncompressedSize })),
    reader,
    options,
  );
  const devicePaths = devices.names.map((n) => join(options.deviceDir, n));
  const data = erofsMountData(devicePaths, options.directIo ?? true);
  await mkdir(options.deviceDir, { recursive: true, mode: 0o700 });
  let deviceMount: FuseMount;
  try {
    deviceMount = serveBlobDevices(options.deviceDir, devices, reader, options.keeper);
  } catch (err) {
    await rmdir(options.deviceDir).catch(() => {});
    throw err;
  }
  try {
    await oneAtATime(() => mountFs(options.bootstrapPath, mountpoint, 'erofs', MS_RDONLY | MS_NOSUID | MS_NODEV, data)).catch(async (err: unknown) => {
      // A kernel without the `directio` option (it came after file-backed mounts) refuses it.
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL' || options.directIo === false) throw err;
      await oneAtATime(() => mountFs(options.bootstrapPath, mountpoint, 'erofs', MS_RDONLY | MS_NOSUID | MS_NODEV, erofsMountData(devicePaths, false)));
    });
  } catch (err) {
    await deviceMount.unmount();
    await rmdir(options.deviceDir).catch(() => {});
    const errno = (err as NodeJS.ErrnoException).code;
    throw new KernelMountError(`the kernel cannot mount ${options.bootstrapPath} as EROFS at ${mountpoint}: ${(err as Error).message}`, errno, { cause: err });
  }
  return erofsMount(mountpoint, deviceMount, options.deviceDir);
}

/**
 * Takes over an EROFS mount an earlier daemon left at `mountpoint` (still mounted, containers may
 * be reading it): serves its blob devices, mounted at `options.deviceDir`, on the kept connection
 * `fd`. Nothing is mounted or unmounted. `resendErrno` is 0 when the kernel took the request to
 * resend what the earlier daemon had read and not answered.
 */
export function adoptImageErofs(
  mountpoint: string,
  bootstrap: Bootstrap,
  reader: BlobDataReader & VerifiedSpaces,
  fd: number,
  options: ErofsMountOptions & { keeper: KeeperHandoff },
): { mount: FuseMount; resendErrno: number } {
  const devices = new BlobDevices(
    bootstrap.blobs.map((b) => ({ id: b.id, size: b.uncompressedSize })),
    reader,
    options,
  );
  const { mount, resendErrno } = resumeServedBlobDevices(options.deviceDir, fd, devices, reader, options.keeper);
  return { mount: erofsMount(mountpoint, mount, options.deviceDir), resendErrno };
}

function erofsMount(mountpoint: string, deviceMount: FuseMount, deviceDir: string): FuseMount {
  let unmounted: Promise<void> | undefined;
  return {
    mountpoint,
    unmount() {
      unmounted ??= (async () => {
        await unmountKernel(mountpoint);
        await deviceMount.unmount();
        await rmdir(deviceDir).catch(() => {});
      })();
      return unmounted;
    },
  };
}
