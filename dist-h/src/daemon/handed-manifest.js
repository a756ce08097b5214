/**
 * A manifest handed over in a mount request (docs/daemon-api.md, `manifest`): the caller (the
 * snapshotter, during a pull) already holds the image's manifest, so the daemon takes it instead
 * of reading manifest and config from the registry again. It is trusted only as far as it is
 * checked here: the reference must name the manifest by digest, and the bytes must have that
 * digest and be an image manifest. Pure; no I/O.
 */
import { sha256Digest } from '../digest.js';
import { BadRequestError } from '../errors.js';
import { MAX_MANIFEST_SIZE, parseManifestOrIndex } from '../oci/image-spec.js';
import { parseReference } from '../oci/reference.js';
import { MAX_MANIFEST_BASE64 } from './api.js';
/** Checks the request's `manifest` (base64 of its bytes) against `reference`'s digest and parses it. */
export function handedManifest(reference, base64) {
    const ref = parseReference(reference);
    if (ref.transport !== 'docker' || ref.digest === undefined) {
        throw new BadRequestError('a manifest is taken only with a registry reference pinned by digest (HOST/REPO@sha256:…)');
    }
    if (base64.length > MAX_MANIFEST_BASE64 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
        throw new BadRequestError(`manifest must be base64 of at most ${MAX_MANIFEST_SIZE} bytes`);
    }
    const bytes = Buffer.from(base64, 'base64');
    const actual = sha256Digest(bytes);
    if (actual !== ref.digest)
        throw new BadRequestError(`the manifest handed over has digest ${actual}, not the reference's ${ref.digest}`);
    let doc;
    try {
        doc = parseManifestOrIndex(bytes);
    }
    catch (err) {
        throw new BadRequestError(`the manifest handed over is not valid: ${err.message}`);
    }
    if (doc.kind !== 'manifest')
        throw new BadRequestError('the manifest handed over is an index, not an image manifest');
    return { manifestDigest: actual, layers: doc.manifest.layers };
}
//# sourceMappingURL=handed-manifest.js.map