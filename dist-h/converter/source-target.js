import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AlreadyConvertedError, UsageError } from '../src/errors.js';
import { findBootstrapLayer } from '../src/image/bootstrap-layer.js';
import { isDataBlobLayer } from '../src/oci/layer-kind.js';
import { formatReference } from '../src/oci/reference.js';
/** Checks on what `darner convert` is asked to read and write, before any work is done. */
/**
 * True when the manifest is a darner or Nydus image: a bootstrap layer, or a data blob layer
 * (by media type or annotation). Its layers are chunk blobs, not tars, so converting it again
 * could only fail somewhere inside decompression or tar parsing.
 */
export function isConvertedManifest(manifest) {
    if (findBootstrapLayer(manifest) !== undefined)
        return true;
    return manifest.layers.some(isDataBlobLayer);
}
export function refuseConvertedSource(manifest, source) {
    if (isConvertedManifest(manifest)) {
        throw new AlreadyConvertedError(`${formatReference(source)} is already a darner/Nydus image (convert takes an OCI or Docker image)`);
    }
}
/**
 * True when pushing to `target` would re-point the tag that names `source`: the same registry
 * repository and tag (a source pinned by digest is unaffected), or the same OCI layout directory
 * and tag. `sameDir` decides whether two layout directories are one (paths are compared resolved).
 */
export function targetReplacesSource(source, target, sameDir) {
    if (source.transport === 'docker' && target.transport === 'docker') {
        return source.digest === undefined && source.registry === target.registry && source.repository === target.repository && source.tag === target.tag;
    }
    if (source.transport === 'oci' && target.transport === 'oci') {
        return target.tag !== undefined && source.tag === target.tag && sameDir(source.dir, target.dir);
    }
    return false;
}
/** Refuses a target that is the source itself, unless `overwrite` says to re-point its tag. */
export async function refuseSourceAsTarget(source, target, overwrite) {
    if (overwrite)
        return;
    const canonical = async (dir) => realpath(dir).catch(() => resolve(dir));
    const dirs = source.transport === 'oci' && target.transport === 'oci' ? [await canonical(source.dir), await canonical(target.dir)] : [];
    if (targetReplacesSource(source, target, () => dirs[0] === dirs[1])) {
        throw new UsageError(`target ${formatReference(target)} is the source image itself: its tag would be re-pointed at the converted image (pass --overwrite to do that)`);
    }
}
//# sourceMappingURL=source-target.js.map