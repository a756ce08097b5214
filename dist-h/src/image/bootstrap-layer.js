import { Readable, Transform, pipeline } from 'node:stream';
import { openImageSource } from '../blob/image-store.js';
import { Sha256Hasher, sha256Digest } from '../digest.js';
import { DigestMismatchError, InvalidManifestError, MalformedBootstrapError, NotDarnerImageError, SizeMismatchError } from '../errors.js';
import { Bootstrap } from '../format/index.js';
import { decompressLayer } from '../layer/decompress.js';
import { readTarEntries } from '../layer/tar-reader.js';
import { isBootstrapLayer } from '../oci/layer-kind.js';
import { parseReference } from '../oci/reference.js';
import { checkDarnerDiffIds } from './diff-ids.js';
/**
 * A darner image's bootstrap as it travels in a registry: the last layer, annotated as the
 * bootstrap, a tar (gzip) holding `image/image.boot`. Used by everything that opens darner
 * images: the daemon (mount), the converter (chunk dictionaries), check, expand and inspect.
 *
 * The bootstrap is the root of the image's trust chain (its chunk table says what every file
 * holds), so no byte of it is used before the whole layer is read and checked against the
 * manifest's descriptor (size, digest), and its uncompressed tar against the config's diff_id.
 */
/** Path of the bootstrap inside the bootstrap layer, as Nydus names it. */
export const BOOTSTRAP_PATH_IN_LAYER = 'image/image.boot';
/** Largest bootstrap darner reads into memory (metadata of millions of files fits well below). */
export const MAX_BOOTSTRAP_BYTES = 1 << 30;
/**
 * Largest bootstrap layer, as stored and as uncompressed tar: the largest bootstrap plus room for
 * tar headers, padding and small companion entries.
 */
export const MAX_BOOTSTRAP_LAYER_BYTES = MAX_BOOTSTRAP_BYTES + (1 << 20);
/** Index in manifest.layers of the bootstrap layer (the last one annotated as it), or -1. */
export function findBootstrapLayerIndex(manifest) {
    for (let i = manifest.layers.length - 1; i >= 0; i--) {
        if (isBootstrapLayer(manifest.layers[i]))
            return i;
    }
    return -1;
}
/** Index of the bootstrap layer of `what`'s manifest; an image without one is refused. */
export function requireBootstrapLayerIndex(manifest, what) {
    const index = findBootstrapLayerIndex(manifest);
    if (index < 0)
        throw new NotDarnerImageError(`${what} is not a darner image (no layer annotated as a bootstrap)`);
    return index;
}
/** The bootstrap layer of a darner image manifest, or undefined for other images. */
export function findBootstrapLayer(manifest) {
    return manifest.layers[findBootstrapLayerIndex(manifest)];
}
/**
 * The bootstrap of a darner image's bootstrap layer `layer`: the whole layer is read from
 * `source` and its size and digest checked before anything is taken out of it; then the
 * uncompressed tar is read to its end and checked against `diffId` (the config's).
 */
export async function readBootstrapLayer(source, layer, diffId, what) {
    if (layer.size > MAX_BOOTSTRAP_LAYER_BYTES) {
        throw new MalformedBootstrapError(`${what}: the bootstrap layer is ${layer.size} bytes, more than the ${MAX_BOOTSTRAP_LAYER_BYTES} darner reads`);
    }
    let bytes;
    try {
        bytes = await source.readBlob(layer, undefined, MAX_BOOTSTRAP_LAYER_BYTES);
    }
    catch (err) {
        if (err instanceof DigestMismatchError)
            throw new DigestMismatchError(`${what}: bootstrap layer`, err.expected, err.actual);
        if (err instanceof SizeMismatchError)
            throw new SizeMismatchError(`${what}: bootstrap layer ${layer.digest}`, err.expected, err.actual);
        throw err;
    }
    // Every source verifies what readBlob returns; checked again here because everything the image
    // serves is trusted on the strength of these bytes.
    if (bytes.length !== layer.size)
        throw new SizeMismatchError(`${what}: bootstrap layer ${layer.digest}`, layer.size, bytes.length);
    const actual = sha256Digest(bytes);
    if (actual !== layer.digest)
        throw new DigestMismatchError(`${what}: bootstrap layer`, layer.digest, actual);
    return bootstrapFromLayerBytes(bytes, diffId, what);
}
/**
 * Extracts `image/image.boot` from the bytes of a bootstrap layer that were checked against its
 * digest (tar, gzip or zstd or none). The whole tar is read (entries after image.boot too) and its
 * digest must be `diffId`; more than one image.boot, or one that is not a regular file, is refused.
 */
export async function bootstrapFromLayerBytes(layerBytes, diffId, what) {
    const uncompressed = new UncompressedLayerCheck(what, diffId, MAX_BOOTSTRAP_LAYER_BYTES);
    const tar = pipeline(decompressLayer(Readable.from(slices(layerBytes, 1 << 20), { objectMode: false })), uncompressed, () => { });
    let bootstrap;
    try {
        for await (const { entry, body } of readTarEntries(tar)) {
            if (entry.path !== BOOTSTRAP_PATH_IN_LAYER)
                continue;
            if (entry.kind !== 'file')
                throw new MalformedBootstrapError(`${what}: ${BOOTSTRAP_PATH_IN_LAYER} in the bootstrap layer is a ${entry.kind}, not a file`);
            if (bootstrap !== undefined)
                throw new MalformedBootstrapError(`${what}: the bootstrap layer holds ${BOOTSTRAP_PATH_IN_LAYER} more than once`);
            if (entry.size > MAX_BOOTSTRAP_BYTES)
                throw new MalformedBootstrapError(`${what}: bootstrap of ${entry.size} bytes is larger than darner reads`);
            const parts = [];
            for await (const piece of body)
                parts.push(Buffer.from(piece));
            bootstrap = Buffer.concat(parts);
        }
        // Whatever follows the tar's end-of-archive blocks is part of the diff_id too: read to the
        // end, where the check runs.
        for await (const rest of tar)
            void rest;
    }
    finally {
        tar.destroy();
    }
    if (bootstrap === undefined)
        throw new InvalidManifestError(`${what}: the bootstrap layer holds no ${BOOTSTRAP_PATH_IN_LAYER}`);
    return bootstrap;
}
function* slices(bytes, size) {
    for (let at = 0; at < bytes.length; at += size)
        yield bytes.subarray(at, at + size);
}
/** Passes an uncompressed layer through, failing past `limit` bytes or, at its end, on a digest other than `diffId`. */
class UncompressedLayerCheck extends Transform {
    what;
    diffId;
    limit;
    hasher = new Sha256Hasher();
    constructor(what, diffId, limit) {
        super();
        this.what = what;
        this.diffId = diffId;
        this.limit = limit;
    }
    _transform(chunk, _encoding, callback) {
        this.hasher.update(chunk);
        if (this.hasher.size > this.limit) {
            callback(new MalformedBootstrapError(`${this.what}: the uncompressed bootstrap layer is more than the ${this.limit} bytes darner reads`));
            return;
        }
        callback(null, chunk);
    }
    _flush(callback) {
        const actual = this.hasher.digest();
        callback(actual === this.diffId ? null : new DigestMismatchError(`${this.what}: uncompressed bootstrap layer (the config's diff_id)`, this.diffId, actual));
    }
}
/**
 * Opens a darner image and parses its bootstrap: the config's diff_ids are checked against the
 * layers, and the bootstrap layer as readBootstrapLayer does. The caller closes `source`.
 */
export async function loadImageBootstrap(reference, options) {
    const ref = typeof reference === 'string' ? parseReference(reference) : reference;
    const source = await openImageSource(ref, options);
    try {
        const image = await source.resolve(options.platform);
        const what = typeof reference === 'string' ? reference : 'image';
        const index = requireBootstrapLayerIndex(image.manifest, what);
        const diffId = checkDarnerDiffIds(image.manifest, image.config, index, what);
        const bytes = await readBootstrapLayer(source, image.manifest.layers[index], diffId, what);
        const loaded = { reference: ref, source, image, bootstrap: Bootstrap.parse(bytes), bootstrapBytes: bytes };
        if (ref.transport === 'docker')
            loaded.repository = ref.repository;
        return loaded;
    }
    catch (err) {
        await source.close();
        throw err;
    }
}
//# sourceMappingURL=bootstrap-layer.js.map