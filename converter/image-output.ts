import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { sha256Digest } from '../src/digest.js';
import { DARNER_FORMAT_VERSION } from '../src/format/constants.js';
import type { BlobRecord } from '../src/format/model.js';
import { BOOTSTRAP_PATH_IN_LAYER } from '../src/image/bootstrap-layer.js';
import { Annotation, MediaType, type Descriptor, type History, type ImageConfig, type Manifest } from '../src/oci/image-spec.js';

/**
 * The registry-side shape of a darner image (pure): the bootstrap layer, the rewritten config and
 * the manifest. Laid out as Nydus lays out its images (data blob layers, then a tar+gzip layer
 * holding `image/image.boot`), under darner's own media type and annotations by default, or
 * under Nydus's (as nydusify publishes them) when asked: only for an image nydusd reads
 * (nydus-readable.ts), since nydus-snapshotter hands such an image to nydusd.
 */

/** Whose media type and annotations a converted image's layers carry. */
export type LayerAnnotationStyle = 'darner' | 'nydus';

/** The RAFS version Nydus's annotations give a darner bootstrap (RAFS v6). */
const NYDUS_FS_VERSION = '6';

export interface BootstrapLayer {
  /** The stored layer (tar+gzip). */
  blob: Buffer;
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar. */
  diffId: string;
}

/** Wraps a bootstrap in its layer. Deterministic: fixed mtime, owner and mode. */
export async function buildBootstrapLayer(bootstrap: Uint8Array, style: LayerAnnotationStyle = 'darner'): Promise<BootstrapLayer> {
  const pack = tarStream.pack();
  const collected = (async () => {
    const parts: Buffer[] = [];
    for await (const part of pack) parts.push(part as Buffer);
    return Buffer.concat(parts);
  })();
  const entry = (header: Parameters<typeof pack.entry>[0], body?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (body) pack.entry(header, body, done);
      else pack.entry(header, done);
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
      annotations:
        style === 'nydus'
          ? { [Annotation.NYDUS_BOOTSTRAP]: 'true', [Annotation.NYDUS_FS_VERSION]: NYDUS_FS_VERSION }
          : { [Annotation.DARNER_BOOTSTRAP]: 'true', [Annotation.DARNER_FORMAT_VERSION]: String(DARNER_FORMAT_VERSION) },
    },
  };
}

export function dataBlobDescriptor(blob: BlobRecord, style: LayerAnnotationStyle = 'darner'): Descriptor {
  return {
    mediaType: style === 'nydus' ? MediaType.NYDUS_BLOB : MediaType.DARNER_BLOB,
    digest: `sha256:${blob.id}`,
    size: blob.compressedSize,
    annotations: { [style === 'nydus' ? Annotation.NYDUS_BLOB : Annotation.DARNER_BLOB]: 'true' },
  };
}

/**
 * The converted image's config: the source's, with rootfs.diff_ids naming the data blobs (a
 * data blob's diff_id is its digest) and then the bootstrap layer, and `history` re-pointed at
 * those layers (converted-history.ts). `created` replaces the source's only when given (a
 * SOURCE_DATE_EPOCH).
 */
export function convertedConfig(
  source: ImageConfig,
  blobs: BlobRecord[],
  bootstrapDiffId: string,
  times: { history: History[]; created?: string },
): ImageConfig {
  const config: ImageConfig = { ...source, rootfs: { type: 'layers', diff_ids: [...blobs.map((b) => `sha256:${b.id}`), bootstrapDiffId] } };
  if (times.created !== undefined) config.created = times.created;
  config.history = times.history;
  return config;
}

/** The manifest; under Nydus's annotations it also carries the RAFS version, as nydusify's do. */
export function convertedManifest(config: Descriptor, blobs: BlobRecord[], bootstrap: Descriptor, style: LayerAnnotationStyle = 'darner'): Manifest {
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config,
    layers: [...blobs.map((blob) => dataBlobDescriptor(blob, style)), bootstrap],
  };
  if (style === 'nydus') manifest.annotations = { [Annotation.NYDUS_FS_VERSION]: NYDUS_FS_VERSION };
  return manifest;
}

/** Canonical JSON bytes of a document (what is hashed and pushed). */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
