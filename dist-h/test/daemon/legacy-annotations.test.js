/**
 * darner images published before darner had its own media type and annotations carry Nydus's
 * (with darner's bootstrap inside): they still mount, and show exactly the image's tree.
 */
import test from 'ava';
import { join } from 'node:path';
import { sourceImageTree } from '../../converter/check.js';
import { openImageTarget } from '../../src/blob/image-store.js';
import { compareTrees, formatDifference } from '../../src/fstree/index.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { startRegistry } from '../harness/registry.js';
import { publishRichImage } from '../harness/rich-image.js';
import { mountedTree } from '../fs/helpers/mounted.js';
/** The manifest as darner's converter wrote it before: Nydus's blob media type and annotations. */
function withNydusMarks(manifest) {
    const last = manifest.layers.length - 1;
    return {
        ...manifest,
        layers: manifest.layers.map((layer, i) => i === last
            ? { ...layer, annotations: { 'containerd.io/snapshot/nydus-bootstrap': 'true', 'containerd.io/snapshot/nydus-fs-version': '6' } }
            : { ...layer, mediaType: 'application/vnd.oci.image.layer.nydus.blob.v1', annotations: { 'containerd.io/snapshot/nydus-blob': 'true' } }),
    };
}
test('a darner image under the Nydus annotations it was once published with still mounts and equals its layers', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishRichImage(registry.host);
    const legacy = withNydusMarks(image.summary.manifest);
    t.false(JSON.stringify(legacy).includes('darner'), 'nothing of darner\'s own marks is left');
    const reference = image.darnerRef.replace(/:darner$/, ':legacy');
    const target = await openImageTarget(reference, {});
    try {
        await target.putManifest(Buffer.from(JSON.stringify(legacy)), MediaType.OCI_MANIFEST, 'legacy');
    }
    finally {
        await target.close();
    }
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'legacy');
    const { mount } = await daemon.client.mount({ reference, mountpoint: mnt });
    t.is(mount.blobs.length, legacy.layers.length - 1, 'every data blob layer is a blob of the mount');
    const like = { chunkSize: 1 << 20, digestAlgorithm: 'blake3' }; // the converter's defaults
    const expected = await sourceImageTree(image.sourceRef, like, {});
    t.deepEqual(compareTrees(expected, await mountedTree(mnt, like)).map(formatDifference), []);
    t.is(await daemon.metric('darner_fuse_read_errors_total'), 0);
});
//# sourceMappingURL=legacy-annotations.test.js.map