/**
 * Test harness: variants of a darner image in a registry that differ only in the bootstrap layer
 * or the config, pushed under new tags of the same repository (the data blobs are shared).
 *
 *   const v = await pushBootstrapVariant(host, 'app', 'darner', 'trailing', (boot) => bootstrapLayer(boot, [extra]));
 *   // v.reference: HOST/app:trailing, v.layerDigest: the new bootstrap layer
 */
import { gzipSync } from 'node:zlib';
import { RegistryClient } from '../../src/blob/registry.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { MediaType } from '../../src/oci/image-spec.js';
import { buildLayerTar, sha256 } from './layer-tar.js';
/** A gzip bootstrap layer holding `image/image.boot` followed by `after` (and `before` ahead of it). */
export async function bootstrapLayer(bootstrap, after = [], before = []) {
    const tar = await buildLayerTar([...before, { type: 'file', path: 'image/image.boot', data: bootstrap }, ...after]);
    return { blob: gzipSync(tar), tar };
}
/**
 * Pushes `HOST/repo:tag`: the image `HOST/repo:from` with its bootstrap layer replaced by what
 * `layer` builds from its bootstrap, the config's diff_ids made to match (then changed by
 * `editConfig`, when given).
 */
export async function pushBootstrapVariant(host, repo, from, tag, layer, editConfig) {
    const loaded = await loadImageBootstrap(`${host}/${repo}:${from}`, {});
    await loaded.source.close();
    const client = new RegistryClient(host);
    try {
        const built = await layer(loaded.bootstrapBytes);
        const manifest = JSON.parse(loaded.image.manifestBytes.toString());
        const config = JSON.parse(loaded.image.configBytes.toString());
        const last = manifest.layers.length - 1;
        const layerDigest = sha256(built.blob);
        await client.pushBlob(repo, { digest: layerDigest, size: built.blob.length }, built.blob);
        manifest.layers[last] = { ...manifest.layers[last], digest: layerDigest, size: built.blob.length };
        config.rootfs.diff_ids[last] = sha256(built.tar);
        editConfig?.(config);
        const configBytes = Buffer.from(JSON.stringify(config));
        const configDigest = sha256(configBytes);
        await client.pushBlob(repo, { digest: configDigest, size: configBytes.length }, configBytes);
        manifest.config = { ...manifest.config, digest: configDigest, size: configBytes.length };
        await client.putManifest(repo, tag, Buffer.from(JSON.stringify(manifest)), manifest.mediaType ?? MediaType.OCI_MANIFEST);
        return { reference: `${host}/${repo}:${tag}`, layerDigest, layerSize: built.blob.length };
    }
    finally {
        await client.close();
    }
}
//# sourceMappingURL=bootstrap-variants.js.map