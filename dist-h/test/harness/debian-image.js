/**
 * The Debian minbase root filesystem (test/harness/debian.ts) as a one-layer OCI image in an OCI
 * layout, without reading the 200 MB tar into memory:
 *
 *   const rootfs = await debianMinbaseTar();
 *   if (!rootfs.ok) return t.fail(rootfs.reason);
 *   await writeTarAsOciLayout(rootfs.tar, dir, 'minbase');     // oci:DIR:minbase
 */
import { fileLayer, pushFileImage } from './file-image.js';
/** Writes `tar` as the only (uncompressed) layer of a linux/amd64 image under `tag`. Returns the manifest digest. */
export async function writeTarAsOciLayout(tar, dir, tag) {
    return pushFileImage(`oci:${dir}:${tag}`, [await fileLayer(tar)], { Cmd: ['/bin/bash'] }, { createdBy: 'a root filesystem tar' });
}
//# sourceMappingURL=debian-image.js.map