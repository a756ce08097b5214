import type { FuseOperations } from 'fuse-native';
import type { BlobDevices } from './blob-devices.js';
import { errnoOf } from './errno.js';
import { answerError, mountFuse, OptionsFuse, readOnlyRefusals, type FuseMount } from './fuse-mount.js';
import { DARNER_FUSE_TYPE } from './mountinfo.js';

/**
 * Mounts BlobDevices with fuse-native. Mount options, and why:
 * - no `allow_other`: the files hold every byte of the image whatever its files' modes, so only
 *   the daemon's user may open them. The kernel's EROFS opens them once, at its mount, as that
 *   user; its reads on behalf of any process then go through that open file.
 * - `ro`, `default_permissions`, files 0400: nothing else may write or read them.
 * - `kernel_cache`, long attribute timeouts: the bytes never change, so the page cache keeps
 *   what was read, and the kernel's readahead turns EROFS's reads into large sequential ones.
 * - `max_read=131072`: libfuse 2's largest request.
 * - `subtype=darner`: a restarted daemon finds the ones its predecessor left, as for image mounts.
 */
export async function mountBlobDevices(dir: string, devices: BlobDevices, options: { debug?: boolean } = {}): Promise<FuseMount> {
  const timeout = 86400;
  const fuse = new OptionsFuse(
    dir,
    operations(devices),
    {
      allowOther: false,
      maxRead: 131072,
      kernelCache: true,
      entryTimeout: timeout,
      attrTimeout: timeout,
      debug: options.debug ?? false,
      timeout: false,
    },
    ['ro', 'use_ino', 'default_permissions', `negative_timeout=${timeout}`, 'fsname=darner-blobs', `subtype=${DARNER_FUSE_TYPE.slice('fuse.'.length)}`],
  );
  return mountFuse(fuse, () => devices.close());
}

/** As for image mounts, only what carries something is registered (each costs a round trip). */
function operations(devices: BlobDevices): FuseOperations {
  return {
    init: (cb) => cb(0),
    getattr(path, cb) {
      try {
        cb(0, devices.getattr(path));
      } catch (err) {
        cb(answerError('getattr', path, err));
      }
    },
    readdir(path, cb) {
      try {
        cb(0, devices.readdir(path));
      } catch (err) {
        cb(answerError('readdir', path, err));
      }
    },
    read(path, _fd, buf, len, pos, cb) {
      devices.read(path, len, pos).then(
        (data) => {
          data.copy(buf);
          cb(data.length);
        },
        (err: unknown) => cb(errnoOf(err)),
      );
    },
    ...readOnlyRefusals(),
  };
}
