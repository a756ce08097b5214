/**
 * The OCI image-spec documents darner reads and writes — descriptors, manifests, indexes and
 * image configs, with their Docker schema2 equivalents — and the runtime validation of every one
 * of them that comes from outside (registry, OCI layout, docker-archive).
 *
 * Validation checks what darner relies on and names the field and the rule that failed
 * (`manifest.layers[2].digest: must be sha256:<64 lowercase hex>, got "sha256:xyz"`). Unknown
 * fields are tolerated and kept: the parse functions return the decoded JSON object itself, so a
 * converter copying a config keeps every field it does not understand.
 *
 * Pure: no I/O.
 */
import { InvalidManifestError } from '../errors.js';
import { isDigest } from './digest.js';
// ---------------------------------------------------------------------------------------------
// Media types and annotation keys
export const MediaType = {
    // OCI
    OCI_MANIFEST: 'application/vnd.oci.image.manifest.v1+json',
    OCI_INDEX: 'application/vnd.oci.image.index.v1+json',
    OCI_CONFIG: 'application/vnd.oci.image.config.v1+json',
    OCI_EMPTY: 'application/vnd.oci.empty.v1+json',
    OCI_LAYER_TAR: 'application/vnd.oci.image.layer.v1.tar',
    OCI_LAYER_TAR_GZIP: 'application/vnd.oci.image.layer.v1.tar+gzip',
    OCI_LAYER_TAR_ZSTD: 'application/vnd.oci.image.layer.v1.tar+zstd',
    OCI_LAYER_NONDIST_TAR: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
    OCI_LAYER_NONDIST_TAR_GZIP: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    OCI_LAYER_NONDIST_TAR_ZSTD: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
    // Docker schema2
    DOCKER_MANIFEST: 'application/vnd.docker.distribution.manifest.v2+json',
    DOCKER_MANIFEST_LIST: 'application/vnd.docker.distribution.manifest.list.v2+json',
    DOCKER_CONFIG: 'application/vnd.docker.container.image.v1+json',
    DOCKER_LAYER_TAR: 'application/vnd.docker.image.rootfs.diff.tar',
    DOCKER_LAYER_TAR_GZIP: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
    DOCKER_LAYER_FOREIGN_TAR_GZIP: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
    // darner's data blob: chunks, not a tar. It keeps the OCI layer prefix so that containerd's
    // unpacker counts it as a layer (and hands it to the snapshotter); no applier can unpack it.
    DARNER_BLOB: 'application/vnd.oci.image.layer.darner.blob.v1',
    // Nydus's data blob: read (Nydus images, darner images published before DARNER_BLOB), never written.
    NYDUS_BLOB: 'application/vnd.oci.image.layer.nydus.blob.v1',
};
export const Annotation = {
    /** OCI layout: the tag of a manifest in index.json. */
    REF_NAME: 'org.opencontainers.image.ref.name',
    // darner's annotations keep the `containerd.io/snapshot/` prefix: containerd passes a layer's
    // annotations under it to the snapshotter as labels.
    /** `"true"` on a darner data blob layer. */
    DARNER_BLOB: 'containerd.io/snapshot/darner-blob',
    /** `"true"` on a darner image's bootstrap layer (its last layer). */
    DARNER_BOOTSTRAP: 'containerd.io/snapshot/darner-bootstrap',
    /** The darner bootstrap format version of the bootstrap layer. */
    DARNER_FORMAT_VERSION: 'containerd.io/snapshot/darner-format-version',
    // Nydus's annotations: read (Nydus images, darner images published before darner's own), never
    // written, since nydusd cannot read darner's bootstrap.
    /** `"true"` on a Nydus data blob layer. */
    NYDUS_BLOB: 'containerd.io/snapshot/nydus-blob',
    /** `"true"` on a Nydus image's bootstrap layer. */
    NYDUS_BOOTSTRAP: 'containerd.io/snapshot/nydus-bootstrap',
    /** The RAFS version of a Nydus bootstrap: `"6"`. */
    NYDUS_FS_VERSION: 'containerd.io/snapshot/nydus-fs-version',
};
/** Every manifest and index media type darner accepts, for a registry's Accept header. */
export const MANIFEST_MEDIA_TYPES = [
    MediaType.OCI_MANIFEST,
    MediaType.OCI_INDEX,
    MediaType.DOCKER_MANIFEST,
    MediaType.DOCKER_MANIFEST_LIST,
];
/** Largest manifest or index darner reads (registries themselves refuse more than 4 MiB). */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;
/** Largest image config darner reads into memory. */
export const MAX_CONFIG_SIZE = 16 * 1024 * 1024;
export function isIndexMediaType(mediaType) {
    return mediaType === MediaType.OCI_INDEX || mediaType === MediaType.DOCKER_MANIFEST_LIST;
}
export function isManifestMediaType(mediaType) {
    return mediaType === MediaType.OCI_MANIFEST || mediaType === MediaType.DOCKER_MANIFEST;
}
function show(value) {
    let text;
    try {
        text = JSON.stringify(value) ?? String(value);
    }
    catch {
        text = String(value);
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
/** Throws the validation error; `got` (when given) is the offending value, shown truncated. */
function fail(path, rule, ...got) {
    throw new InvalidManifestError(got.length > 0 ? `${path}: ${rule}, got ${show(got[0])}` : `${path}: ${rule}`);
}
function objectAt(value, path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(path, 'must be an object', value);
    }
    return value;
}
function arrayAt(value, path) {
    if (!Array.isArray(value))
        fail(path, 'must be an array', value);
    return value;
}
function stringAt(value, path) {
    if (typeof value !== 'string')
        fail(path, 'must be a string', value);
    return value;
}
function optional(obj, key, path, check) {
    if (obj[key] !== undefined)
        check(obj[key], `${path}.${key}`);
}
function required(obj, key, path, check) {
    if (obj[key] === undefined)
        fail(`${path}.${key}`, 'is required');
    return check(obj[key], `${path}.${key}`);
}
function nullable(check) {
    return (v, p) => (v === null ? null : check(v, p));
}
function stringArrayAt(value, path) {
    const items = arrayAt(value, path);
    items.forEach((item, i) => stringAt(item, `${path}[${i}]`));
    return items;
}
function stringMapAt(value, path) {
    const obj = objectAt(value, path);
    for (const [key, v] of Object.entries(obj))
        stringAt(v, `${path}[${JSON.stringify(key)}]`);
    return obj;
}
function booleanAt(value, path) {
    if (typeof value !== 'boolean')
        fail(path, 'must be a boolean', value);
    return value;
}
function digestAt(value, path) {
    if (!isDigest(value))
        fail(path, 'must be sha256:<64 lowercase hex>', value);
    return value;
}
function sizeAt(value, path) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        fail(path, 'must be a non-negative safe integer', value);
    }
    return value;
}
// RFC 6838 restricted-name, as the OCI spec's descriptor schema writes it.
const MEDIA_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
function mediaTypeAt(value, path) {
    const s = stringAt(value, path);
    if (!MEDIA_TYPE_RE.test(s))
        fail(path, 'must be a media type (type/subtype)', value);
    return s;
}
function schemaVersionAt(value, path) {
    if (value === 1)
        fail(path, 'Docker schema1 manifests are not supported (need schemaVersion 2)');
    if (value !== 2)
        fail(path, 'must be 2', value);
    return 2;
}
function decodeJson(bytes, what, maxSize) {
    const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
    if (size > maxSize)
        fail(what, `is ${size} bytes, more than the ${maxSize} allowed`);
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
    try {
        return JSON.parse(text);
    }
    catch (err) {
        return fail(what, `is not valid JSON (${err.message})`);
    }
}
// ---------------------------------------------------------------------------------------------
// Documents
/** Validates a platform object (inside a descriptor or config). */
export function parsePlatform(value, path = 'platform') {
    const obj = objectAt(value, path);
    required(obj, 'architecture', path, stringAt);
    required(obj, 'os', path, stringAt);
    optional(obj, 'os.version', path, stringAt);
    optional(obj, 'os.features', path, stringArrayAt);
    optional(obj, 'variant', path, stringAt);
    optional(obj, 'features', path, stringArrayAt);
    return obj;
}
/** Validates a descriptor (an already-decoded JSON value). */
export function parseDescriptor(value, path = 'descriptor') {
    const obj = objectAt(value, path);
    required(obj, 'mediaType', path, mediaTypeAt);
    required(obj, 'digest', path, digestAt);
    required(obj, 'size', path, sizeAt);
    optional(obj, 'urls', path, stringArrayAt);
    optional(obj, 'annotations', path, stringMapAt);
    optional(obj, 'data', path, stringAt);
    optional(obj, 'platform', path, parsePlatform);
    optional(obj, 'artifactType', path, mediaTypeAt);
    return obj;
}
function descriptorsAt(value, path) {
    return arrayAt(value, path).map((d, i) => parseDescriptor(d, `${path}[${i}]`));
}
function validateManifestObject(obj, path) {
    required(obj, 'schemaVersion', path, schemaVersionAt);
    const mediaType = obj.mediaType;
    if (mediaType !== undefined) {
        mediaTypeAt(mediaType, `${path}.mediaType`);
        if (isIndexMediaType(mediaType)) {
            fail(`${path}.mediaType`, 'is an index media type where an image manifest was expected', mediaType);
        }
        if (!isManifestMediaType(mediaType))
            fail(`${path}.mediaType`, 'is not an image manifest media type', mediaType);
    }
    optional(obj, 'artifactType', path, mediaTypeAt);
    required(obj, 'config', path, parseDescriptor);
    required(obj, 'layers', path, descriptorsAt);
    optional(obj, 'subject', path, parseDescriptor);
    optional(obj, 'annotations', path, stringMapAt);
    return obj;
}
function validateIndexObject(obj, path) {
    required(obj, 'schemaVersion', path, schemaVersionAt);
    const mediaType = obj.mediaType;
    if (mediaType !== undefined) {
        mediaTypeAt(mediaType, `${path}.mediaType`);
        if (isManifestMediaType(mediaType)) {
            fail(`${path}.mediaType`, 'is an image manifest media type where an index was expected', mediaType);
        }
        if (!isIndexMediaType(mediaType))
            fail(`${path}.mediaType`, 'is not an index media type', mediaType);
    }
    optional(obj, 'artifactType', path, mediaTypeAt);
    const manifests = required(obj, 'manifests', path, descriptorsAt);
    if (mediaType === MediaType.DOCKER_MANIFEST_LIST) {
        manifests.forEach((d, i) => {
            if (d.platform === undefined)
                fail(`${path}.manifests[${i}].platform`, 'is required in a Docker manifest list');
        });
    }
    optional(obj, 'subject', path, parseDescriptor);
    optional(obj, 'annotations', path, stringMapAt);
    return obj;
}
/** Decodes and validates an image manifest (OCI or Docker schema2). */
export function parseManifest(bytes) {
    return validateManifestObject(objectAt(decodeJson(bytes, 'manifest', MAX_MANIFEST_SIZE), 'manifest'), 'manifest');
}
/** Decodes and validates an image index (OCI index or Docker manifest list). */
export function parseIndex(bytes) {
    return validateIndexObject(objectAt(decodeJson(bytes, 'index', MAX_MANIFEST_SIZE), 'index'), 'index');
}
/**
 * Decodes what a manifest endpoint answered: an image manifest or an index. The kind comes from
 * the document's own `mediaType`, else from the Content-Type the server sent (`contentType`), else
 * from its shape (`manifests` → index, `config` → manifest).
 */
export function parseManifestOrIndex(bytes, contentType) {
    const obj = objectAt(decodeJson(bytes, 'manifest', MAX_MANIFEST_SIZE), 'manifest');
    if (obj.schemaVersion === 1)
        schemaVersionAt(1, 'manifest.schemaVersion');
    const declared = typeof obj.mediaType === 'string' ? obj.mediaType : undefined;
    const type = contentType?.split(';')[0]?.trim();
    let kind;
    if (isIndexMediaType(declared))
        kind = 'index';
    else if (isManifestMediaType(declared))
        kind = 'manifest';
    else if (declared !== undefined)
        return fail('manifest.mediaType', 'is not a manifest or index media type', declared);
    else if (isIndexMediaType(type))
        kind = 'index';
    else if (isManifestMediaType(type))
        kind = 'manifest';
    else if (obj.manifests !== undefined)
        kind = 'index';
    else
        kind = 'manifest';
    if (kind === 'index') {
        const index = validateIndexObject(obj, 'index');
        return { kind, mediaType: declared ?? (isIndexMediaType(type) ? type : MediaType.OCI_INDEX), index };
    }
    const manifest = validateManifestObject(obj, 'manifest');
    return { kind, mediaType: declared ?? (isManifestMediaType(type) ? type : MediaType.OCI_MANIFEST), manifest };
}
function containerConfigAt(value, path) {
    const obj = objectAt(value, path);
    optional(obj, 'User', path, stringAt);
    optional(obj, 'ExposedPorts', path, nullable(objectAt));
    optional(obj, 'Env', path, nullable(stringArrayAt));
    optional(obj, 'Entrypoint', path, nullable(stringArrayAt));
    optional(obj, 'Cmd', path, nullable(stringArrayAt));
    optional(obj, 'Volumes', path, nullable(objectAt));
    optional(obj, 'WorkingDir', path, stringAt);
    optional(obj, 'Labels', path, nullable(stringMapAt));
    optional(obj, 'StopSignal', path, stringAt);
    optional(obj, 'ArgsEscaped', path, booleanAt);
    return obj;
}
function rootfsAt(value, path) {
    const obj = objectAt(value, path);
    const type = required(obj, 'type', path, stringAt);
    if (type !== 'layers')
        fail(`${path}.type`, 'must be "layers"', type);
    const ids = required(obj, 'diff_ids', path, arrayAt);
    ids.forEach((id, i) => digestAt(id, `${path}.diff_ids[${i}]`));
    return obj;
}
function historyAt(value, path) {
    return arrayAt(value, path).map((entry, i) => {
        const p = `${path}[${i}]`;
        const obj = objectAt(entry, p);
        for (const key of ['created', 'author', 'created_by', 'comment'])
            optional(obj, key, p, stringAt);
        optional(obj, 'empty_layer', p, booleanAt);
        return obj;
    });
}
/** Decodes and validates an image config (OCI or Docker). */
export function parseImageConfig(bytes) {
    const path = 'config';
    const obj = objectAt(decodeJson(bytes, path, MAX_CONFIG_SIZE), path);
    optional(obj, 'created', path, stringAt);
    optional(obj, 'author', path, stringAt);
    required(obj, 'architecture', path, stringAt);
    required(obj, 'os', path, stringAt);
    optional(obj, 'os.version', path, stringAt);
    optional(obj, 'os.features', path, stringArrayAt);
    optional(obj, 'variant', path, stringAt);
    optional(obj, 'config', path, containerConfigAt);
    required(obj, 'rootfs', path, rootfsAt);
    optional(obj, 'history', path, historyAt);
    return obj;
}
/** Checks that a manifest and its config describe the same image: one diff_id per layer. */
export function checkManifestMatchesConfig(manifest, config) {
    const layers = manifest.layers.length;
    const diffIds = config.rootfs.diff_ids.length;
    if (layers !== diffIds) {
        fail('config.rootfs.diff_ids', `has ${diffIds} entries but the manifest has ${layers} layers`);
    }
}
/** The platform an image config declares (os/architecture/variant). */
export function configPlatform(config) {
    const platform = { os: config.os, architecture: config.architecture };
    if (config.variant !== undefined)
        platform.variant = config.variant;
    return platform;
}
//# sourceMappingURL=image-spec.js.map