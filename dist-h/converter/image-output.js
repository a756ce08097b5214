import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { sha256Digest } from '../src/digest.js';
import { DARNER_FORMAT_VERSION } from '../src/format/constants.js';
import { BOOTSTRAP_PATH_IN_LAYER } from '../src/image/bootstrap-layer.js';
import { Annotation, MediaType } from '../src/oci/image-spec.js';
/** Wraps a bootstrap in its layer. Deterministic: fixed mtime, owner and mode. */
export async function buildBootstrapLayer(bootstrap) {
    const pack = tarStream.pack();
    const collected = (async () => {
        const parts = [];
        for await (const part of pack)
            parts.push(part);
        return Buffer.concat(parts);
    })();
    const entry = (header, body) => new Promise((resolve, reject) => {
        const done = (err) => (err ? reject(err) : resolve());
        if (body)
            pack.entry(header, body, done);
        else
            pack.entry(header, done);
    });
    const common = { uid: 0, gid: 0, mtime: new Date(0), uname: '', gname: '' };
    await entry({ ...common, name: 'image', type: 'directory', mode: 0o755 });
    await entry({ ...common, name: BOOTSTRAP_PATH_IN_LAYER, type: 'file', mode: 0o644, size: bootstrap.byteLength }, Buffer.from(bootstrap));
    pack.finalize();
    const tar = await collected;
    const blob = gzipSync(tar, { level: 6 });
    return {
        blob,
        diffId: sha256Digest(tar),
        descriptor: {
            mediaType: MediaType.OCI_LAYER_TAR_GZIP,
            digest: sha256Digest(blob),
            size: blob.byteLength,
            annotations: {
                [Annotation.DARNER_BOOTSTRAP]: 'true',
                [Annotation.DARNER_FORMAT_VERSION]: String(DARNER_FORMAT_VERSION),
            },
        },
    };
}
export function dataBlobDescriptor(blob) {
    return {
        mediaType: MediaType.DARNER_BLOB,
        digest: `sha256:${blob.id}`,
        size: blob.compressedSize,
        annotations: { [Annotation.DARNER_BLOB]: 'true' },
    };
}
/**
 * The converted image's config: the source's, with rootfs.diff_ids naming the data blobs (a
 * data blob's diff_id is its digest) and then the bootstrap layer, and `history` re-pointed at
 * those layers (converted-history.ts). `created` replaces the source's only when given (a
 * SOURCE_DATE_EPOCH).
 */
export function convertedConfig(source, blobs, bootstrapDiffId, times) {
    const config = { ...source, rootfs: { type: 'layers', diff_ids: [...blobs.map((b) => `sha256:${b.id}`), bootstrapDiffId] } };
    if (times.created !== undefined)
        config.created = times.created;
    config.history = times.history;
    return config;
}
export function convertedManifest(config, blobs, bootstrap, annotations) {
    const manifest = {
        schemaVersion: 2,
        mediaType: MediaType.OCI_MANIFEST,
        config,
        layers: [...blobs.map(dataBlobDescriptor), bootstrap],
    };
    if (annotations && Object.keys(annotations).length > 0)
        manifest.annotations = annotations;
    return manifest;
}
/** Canonical JSON bytes of a document (what is hashed and pushed). */
export function jsonBytes(value) {
    return Buffer.from(JSON.stringify(value));
}
//# sourceMappingURL=image-output.js.map