/**
 * Builds small OCI images in memory for tests, without a registry or a container engine:
 * layer tars from a list of entries (tar-stream), then config, manifest and index, written out as
 * an OCI image-layout directory or as an OCI archive (the tar that `ctr images import` reads).
 *
 *   const image = await buildOciImage({
 *     name: 'docker.io/library/busybox-test:1',
 *     layers: [busyboxEntries(), [{ type: 'file', path: 'etc/greeting', data: 'hello\n' }]],
 *     config: { Cmd: ['sh'] },
 *   });
 *   await writeOciArchive(image, '/tmp/x/image.tar');      // then: ctr images import image.tar
 *
 * Digests, diff IDs and chain IDs are computed here, so tests can predict what containerd will
 * ask a snapshotter for.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { openImageTarget } from '../../src/blob/image-store.js';
import { parseReference } from '../../src/oci/reference.js';
import path from 'node:path';
import { buildLayerTar, compressLayer } from './layer-tar.js';
export { buildLayerTar };
export const MEDIA_TYPES = {
    index: 'application/vnd.oci.image.index.v1+json',
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layerTar: 'application/vnd.oci.image.layer.v1.tar',
    layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
};
export function sha256(data) {
    return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
/** Chain IDs per the image spec: chain₀ = diff₀, chainᵢ = sha256("<chainᵢ₋₁> <diffᵢ>"). */
export function chainIds(diffIds) {
    const out = [];
    for (const diffId of diffIds) {
        const previous = out[out.length - 1];
        out.push(previous === undefined ? diffId : sha256(`${previous} ${diffId}`));
    }
    return out;
}
/** Builds every blob of an image (linux/amd64) and its index. */
export async function buildOciImage(spec) {
    const blobs = new Map();
    const put = (data, mediaType, annotations) => {
        const digest = sha256(data);
        blobs.set(digest, data);
        return { mediaType, digest, size: data.length, ...(annotations ? { annotations } : {}) };
    };
    const compressionOf = (i) => (Array.isArray(spec.compression) ? spec.compression[i] : spec.compression) ?? 'gzip';
    const tars = [];
    for (const entries of spec.layers)
        tars.push(Buffer.isBuffer(entries) ? entries : await buildLayerTar(entries));
    const diffIds = tars.map((t) => sha256(t));
    const chains = chainIds(diffIds);
    const layers = tars.map((t, i) => ({
        ...(() => {
            const built = compressLayer(t, compressionOf(i));
            return put(built.blob, built.mediaType, spec.layerAnnotations?.[i]);
        })(),
        diffId: diffIds[i],
        chainId: chains[i],
    }));
    const configJson = {
        architecture: 'amd64',
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        config: spec.config ?? {},
        rootfs: { type: 'layers', diff_ids: diffIds },
        history: layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'darner test image' })),
    };
    const config = put(Buffer.from(JSON.stringify(configJson)), MEDIA_TYPES.config);
    const manifestJson = {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config,
        layers: layers.map(({ mediaType, digest, size, annotations }) => ({ mediaType, digest, size, ...(annotations ? { annotations } : {}) })),
    };
    const manifest = put(Buffer.from(JSON.stringify(manifestJson)), MEDIA_TYPES.manifest);
    const tag = spec.name.includes(':') ? spec.name.slice(spec.name.lastIndexOf(':') + 1) : 'latest';
    const index = {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.index,
        manifests: [
            {
                ...manifest,
                annotations: { 'io.containerd.image.name': spec.name, 'org.opencontainers.image.ref.name': tag },
            },
        ],
    };
    return { name: spec.name, layers, config, manifest, index, blobs };
}
/** Writes an OCI image layout directory (oci-layout, index.json, blobs/sha256/…). */
export async function writeOciLayout(image, dir) {
    await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    await fs.writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await fs.writeFile(path.join(dir, 'index.json'), JSON.stringify(image.index));
    for (const [digest, data] of image.blobs) {
        await fs.writeFile(path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
    }
}
/** Writes the image as one OCI archive tar (the layout, tarred), as `ctr images import` reads it. */
export async function writeOciArchive(image, file) {
    const entries = [
        { type: 'file', path: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
        { type: 'file', path: 'index.json', data: JSON.stringify(image.index) },
        { type: 'dir', path: 'blobs' },
        { type: 'dir', path: 'blobs/sha256' },
        ...[...image.blobs].map(([digest, data]) => ({
            type: 'file',
            path: `blobs/sha256/${digest.slice('sha256:'.length)}`,
            data,
        })),
    ];
    await fs.writeFile(file, await buildLayerTar(entries));
}
/** Debian's busybox-static binary. */
export const BUSYBOX_PATH = '/bin/busybox';
/** Applets linked by default: enough for shell scripts that inspect files. */
export const DEFAULT_APPLETS = ['sh', 'cat', 'ls', 'echo', 'sha256sum', 'stat', 'mkdir', 'rm', 'touch', 'test', 'wc', 'head', 'sleep', 'true'];
/**
 * A base layer: /bin/busybox (static) plus symlinks for `applets`, and the usual top-level
 * directories (runc mounts /proc, /dev, /sys into them).
 */
export function busyboxEntries(applets = DEFAULT_APPLETS) {
    const binary = readFileSync(BUSYBOX_PATH);
    return [
        ...['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root'].map((d) => ({ type: 'dir', path: d, mode: d === 'tmp' ? 0o1777 : 0o755 })),
        { type: 'file', path: 'bin/busybox', data: binary, mode: 0o755 },
        ...applets.map((a) => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    ];
}
/**
 * Pushes a built image to a registry through darner's own registry client (blobs first, the
 * manifest last under `tag`). Returns the manifest digest.
 */
export async function pushOciImage(image, reference, options = {}) {
    const target = await openImageTarget(reference, options);
    try {
        for (const [digest, data] of image.blobs) {
            if (digest === image.manifest.digest)
                continue;
            await target.putBlob({ digest, size: data.length }, data);
        }
        const manifestBytes = image.blobs.get(image.manifest.digest);
        const ref = parseReference(reference);
        const tag = ref.transport === 'docker' || ref.transport === 'oci' ? ref.tag : undefined;
        return await target.putManifest(manifestBytes, image.manifest.mediaType, tag);
    }
    finally {
        await target.close();
    }
}
//# sourceMappingURL=oci-image.js.map