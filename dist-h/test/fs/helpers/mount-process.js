/**
 * A process that mounts one darner image over FUSE with the fs layer alone (no daemon, no cache):
 * the bootstrap from the reference, file data straight from the origin (OriginFileReader).
 * Tests run it as a child, because reading a FUSE mount (xattrs are synchronous calls) from the
 * process that answers it would wait on itself.
 *
 *   node mount-process.js REFERENCE MOUNTPOINT
 *
 * Prints one JSON line `{"mounted": MOUNTPOINT}` when the mount is up; SIGTERM unmounts and exits 0.
 */
import { loadImageBootstrap } from '../../../src/image/bootstrap-layer.js';
import { ImageFs, mountImageFs } from '../../../src/fs/index.js';
import { OriginFileReader } from './origin-reader.js';
const [reference, mountpoint] = process.argv.slice(2);
if (reference === undefined || mountpoint === undefined) {
    process.stderr.write('usage: mount-process REFERENCE MOUNTPOINT\n');
    process.exit(2);
}
const loaded = await loadImageBootstrap(reference, {});
const reader = new OriginFileReader(loaded.bootstrap, loaded.source.blobReader());
const fs = new ImageFs(loaded.bootstrap, reader, { readTimeoutMs: 20_000 });
const mount = await mountImageFs(mountpoint, fs);
process.stdout.write(`${JSON.stringify({ mounted: mount.mountpoint })}\n`);
const stop = async () => {
    await mount.unmount();
    await loaded.source.close();
    process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
//# sourceMappingURL=mount-process.js.map