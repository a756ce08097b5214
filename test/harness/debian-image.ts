/**
 * The Debian minbase root filesystem (test/harness/debian.ts) as a one-layer OCI image in an OCI
 * layout, without reading the 200 MB tar into memory:
 *
 *   const rootfs = await debianMinbaseTar();
 *   if (!rootfs.ok) return skip(rootfs.reason);
 *   await writeTarAsOciLayout(rootfs.tar, dir, 'minbase');     // oci:DIR:minbase
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { openImageTarget } from '../../src/blob/image-store.js';
import { MEDIA_TYPES } from './oci-image.js';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Writes `tar` as the only (uncompressed) layer of a linux/amd64 image under `tag`. Returns the manifest digest. */
export async function writeTarAsOciLayout(tar: string, dir: string, tag: string): Promise<string> {
  const layerDigest = await sha256File(tar);
  const layerSize = (await stat(tar)).size;
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: ['/bin/bash'] },
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'a root filesystem tar' }],
    }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: { mediaType: MEDIA_TYPES.config, digest: configDigest, size: config.length },
      layers: [{ mediaType: MEDIA_TYPES.layerTar, digest: layerDigest, size: layerSize }],
    }),
  );
  const target = await openImageTarget(`oci:${dir}:${tag}`);
  try {
    await target.putBlob({ digest: layerDigest, size: layerSize }, { path: tar });
    await target.putBlob({ digest: configDigest, size: config.length }, config);
    return await target.putManifest(manifest, MEDIA_TYPES.manifest, tag);
  } finally {
    await target.close();
  }
}
