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
import { fdKeeper, resumeBlobDevices, startBlobDevices } from '../native.js';
import { MountError } from '../errors.js';
import { errnoOf } from './errno.js';
import { unmountKernel } from './mount-syscalls.js';
/** Mounts the blob devices at `dir` and serves them; hands the connection to the keeper, if any. */
export function serveBlobDevices(dir, devices, spaces, keeper) {
    return serve(dir, devices, spaces, keeper, (cachePaths, onRead) => {
        try {
            return startBlobDevices(dir, devices.sizes, cachePaths, onRead);
        }
        catch (err) {
            throw new MountError(`cannot mount the blob devices at ${dir}: ${err.message}`, { cause: err });
        }
    });
}
/**
 * Serves the blob devices an earlier daemon mounted at `dir`, on its connection `fd` (from the
 * keeper; owned by the server from now on). Throws MountError when the fd cannot be served.
 */
export function resumeServedBlobDevices(dir, fd, devices, spaces, keeper) {
    let resendErrno = 0;
    const mount = serve(dir, devices, spaces, keeper, (cachePaths, onRead) => {
        try {
            const server = resumeBlobDevices(fd, devices.sizes, cachePaths, onRead);
            resendErrno = server.resendErrno();
            return server;
        }
        catch (err) {
            throw new MountError(`cannot serve the blob devices at ${dir} on the kept connection: ${err.message}`, { cause: err });
        }
    });
    return { mount, resendErrno };
}
function serve(dir, devices, spaces, keeper, start) {
    const count = devices.sizes.length;
    const cachePaths = Array.from({ length: count }, (_, i) => spaces.cacheFile(i) ?? '');
    let server;
    const trace = log.isLevelEnabled('debug');
    const onRead = (unique, device, offset, length) => {
        // Debug only: the stages of a cold read, for bench/start-timeline.ts.
        if (trace)
            log.debug({ device, offset, length }, 'blob device read forwarded');
        devices.read(`/${device}`, length, offset).then((data) => {
            server.reply(unique, data);
            if (trace)
                log.debug({ device, offset, length }, 'blob device read answered');
            if (cachePaths[device] !== '') {
                for (const [start, end] of spaces.verifiedIn(device, offset, offset + data.length))
                    server.mark(device, start, end, true);
            }
        }, (err) => server.replyError(unique, errnoOf(err)));
    };
    server = start(cachePaths, onRead);
    if (keeper !== undefined) {
        try {
            server.keep(keeper.socket, keeper.name);
        }
        catch (err) {
            // The mount works; it only will not outlive this process.
            log.error({ dir, socket: keeper.socket, err: err.message }, 'cannot hand the blob devices\' connection to the fd keeper: it ends with this daemon');
        }
    }
    const unwatch = cachePaths.map((path, i) => (path === '' ? () => { } : spaces.watchVerified(i, (start, end, verified) => server.mark(i, start, end, verified))));
    let unmounted;
    return {
        mountpoint: dir,
        unmount() {
            unmounted ??= (async () => {
                for (const stop of unwatch)
                    stop();
                // Reads waiting on fetches end now (EIO); the kernel's EROFS, if still mounted, gets EIO too.
                devices.close();
                try {
                    await unmountKernel(dir);
                }
                catch (err) {
                    log.error({ dir, err: String(err) }, 'cannot unmount the blob devices');
                }
                finally {
                    server.close();
                    if (keeper !== undefined)
                        dropKept(keeper);
                }
            })();
            return unmounted;
        },
    };
}
function dropKept(keeper) {
    try {
        fdKeeper.drop(keeper.socket, keeper.name);
    }
    catch (err) {
        log.warn({ ...keeper, err: err.message }, 'the fd keeper did not drop a connection');
    }
}
//# sourceMappingURL=blob-device-server.js.map