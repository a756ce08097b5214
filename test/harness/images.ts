/**
 * Test helper: small OCI images built in memory (tar-stream layers, config, manifest, index), to
 * push to a registry or write to a layout. Keep inputs tiny; tests only need the structure.
 */
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { sha256Digest } from '../../src/digest.js';
import { MediaType, type Descriptor, type Platform } from '../../src/oci/image-spec.js';

/** A tar of regular files (`path → content`), in the given order. */
export async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, mode: 0o644, mtime: new Date(0) }, typeof content === 'string' ? Buffer.from(content) : content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

export interface TestBlob {
  bytes: Buffer;
  desc: Descriptor;
}

export interface TestImage {
  layers: Array<TestBlob & { diffId: string }>;
  config: TestBlob;
  manifest: TestBlob;
  /** Every blob (config and layers) the manifest references. */
  blobs: TestBlob[];
}

export function blob(bytes: Buffer, mediaType: string): TestBlob {
  return { bytes, desc: { mediaType, digest: sha256Digest(bytes), size: bytes.length } };
}

/** An image with one layer per entry of `layers`, gzip-compressed unless `compress: 'none'`. */
export async function makeTestImage(options: {
  layers: Array<Record<string, string | Buffer>>;
  compress?: 'gzip' | 'none';
  platform?: Platform;
  mediaType?: typeof MediaType.OCI_MANIFEST | typeof MediaType.DOCKER_MANIFEST;
}): Promise<TestImage> {
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const docker = options.mediaType === MediaType.DOCKER_MANIFEST;
  const layers: TestImage['layers'] = [];
  for (const files of options.layers) {
    const raw = await tarOf(files);
    const bytes = options.compress === 'none' ? raw : gzipSync(raw);
    const mediaType =
      options.compress === 'none'
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
export function makeIndex(entries: Array<{ image: TestImage; platform: Platform }>): TestBlob {
  const manifests = entries.map(({ image, platform }) => ({ ...image.manifest.desc, platform }));
  return blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests })), MediaType.OCI_INDEX);
}
