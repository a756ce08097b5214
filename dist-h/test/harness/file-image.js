/**
 * OCI images whose layers are files on disk (too big to build in memory): digests computed by
 * streaming, blobs pushed from their paths, to a registry or an `oci:` layout alike.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { openImageTarget } from '../../src/blob/image-store.js';
import { MEDIA_TYPES } from './oci-image.js';
async function sha256Of(path, gunzip) {
    const hash = createHash('sha256');
    const sink = new Writable({
        write(chunk, _enc, cb) {
            hash.update(chunk);
            cb();
        },
    });
    if (gunzip)
        await pipeline(createReadStream(path), createGunzip(), sink);
    else
        await pipeline(createReadStream(path), sink);
    return `sha256:${hash.digest('hex')}`;
}
/** A layer file: an uncompressed tar, or a gzipped one when the name ends in `.gz`. */
export async function fileLayer(path) {
    const gzip = path.endsWith('.gz');
    const digest = await sha256Of(path, false);
    return {
        path,
        mediaType: gzip ? MEDIA_TYPES.layerGzip : MEDIA_TYPES.layerTar,
        digest,
        size: (await stat(path)).size,
        diffId: gzip ? await sha256Of(path, true) : digest,
    };
}
/** Pushes layers, config and manifest (last) to `reference` (registry or `oci:DIR:TAG`). */
export async function pushFileImage(reference, layers, runConfig, { createdBy = 'darner benchmark image', ...options } = {}) {
    const config = Buffer.from(JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        config: runConfig,
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        history: layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: createdBy })),
    }));
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config: { mediaType: MEDIA_TYPES.config, digest: configDigest, size: config.length },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    }));
    const target = await openImageTarget(reference, options);
    try {
        for (const l of layers)
            await target.putBlob({ digest: l.digest, size: l.size }, { path: l.path });
        await target.putBlob({ digest: configDigest, size: config.length }, config);
        return await target.putManifest(manifest, MEDIA_TYPES.manifest);
    }
    finally {
        await target.close();
    }
}
//# sourceMappingURL=file-image.js.map