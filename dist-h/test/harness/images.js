/**
 * Test helper: small OCI images built in memory (tar-stream layers, config, manifest, index), to
 * push to a registry or write to a layout. Keep inputs tiny; tests only need the structure.
 */
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { sha256Digest } from '../../src/digest.js';
import { MediaType } from '../../src/oci/image-spec.js';
/** A tar of regular files (`path → content`), in the given order. */
export async function tarOf(files) {
    const pack = tar.pack();
    for (const [name, content] of Object.entries(files)) {
        pack.entry({ name, mode: 0o644, mtime: new Date(0) }, typeof content === 'string' ? Buffer.from(content) : content);
    }
    pack.finalize();
    const chunks = [];
    for await (const c of pack)
        chunks.push(c);
    return Buffer.concat(chunks);
}
export function blob(bytes, mediaType) {
    return { bytes, desc: { mediaType, digest: sha256Digest(bytes), size: bytes.length } };
}
/** An image with one layer per entry of `layers`, gzip-compressed unless `compress: 'none'`. */
export async function makeTestImage(options) {
    const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
    const docker = options.mediaType === MediaType.DOCKER_MANIFEST;
    const layers = [];
    for (const files of options.layers) {
        const raw = await tarOf(files);
        const bytes = options.compress === 'none' ? raw : gzipSync(raw);
        const mediaType = options.compress === 'none'
            ? docker ? MediaType.DOCKER_LAYER_TAR : MediaType.OCI_LAYER_TAR
            : docker ? MediaType.DOCKER_LAYER_TAR_GZIP : MediaType.OCI_LAYER_TAR_GZIP;
        layers.push({ ...blob(bytes, mediaType), diffId: sha256Digest(raw) });
    }
    const configJson = {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant !== undefined ? { variant: platform.variant } : {}),
        config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'] },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        history: layers.map((_, i) => ({ created_by: `layer ${i}` })),
    };
    const config = blob(Buffer.from(JSON.stringify(configJson)), docker ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG);
    const manifestMediaType = options.mediaType ?? MediaType.OCI_MANIFEST;
    const manifestJson = { schemaVersion: 2, mediaType: manifestMediaType, config: config.desc, layers: layers.map((l) => l.desc) };
    const manifest = blob(Buffer.from(JSON.stringify(manifestJson)), manifestMediaType);
    return { layers, config, manifest, blobs: [config, ...layers] };
}
/** An OCI index over some images, each entry with its platform. */
export function makeIndex(entries) {
    const manifests = entries.map(({ image, platform }) => ({ ...image.manifest.desc, platform }));
    return blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests })), MediaType.OCI_INDEX);
}
//# sourceMappingURL=images.js.map