import { Annotation, MediaType } from './image-spec.js';
const BLOB_MEDIA_TYPES = [MediaType.DARNER_BLOB, MediaType.NYDUS_BLOB];
const BLOB_ANNOTATIONS = [Annotation.DARNER_BLOB, Annotation.NYDUS_BLOB];
const BOOTSTRAP_ANNOTATIONS = [Annotation.DARNER_BOOTSTRAP, Annotation.NYDUS_BOOTSTRAP];
/**
 * True for a data blob layer: its media type or its annotation says so. Either is enough, since a
 * layer that claims to be a blob must never be unpacked or converted as a tar.
 */
export function isDataBlobLayer(layer) {
    return BLOB_MEDIA_TYPES.includes(layer.mediaType) || BLOB_ANNOTATIONS.some((key) => layer.annotations?.[key] === 'true');
}
/** True for a layer annotated as an image's bootstrap layer. */
export function isBootstrapLayer(layer) {
    return BOOTSTRAP_ANNOTATIONS.some((key) => layer.annotations?.[key] === 'true');
}
export function layerKind(layer) {
    if (isDataBlobLayer(layer))
        return 'data';
    return isBootstrapLayer(layer) ? 'bootstrap' : 'other';
}
//# sourceMappingURL=layer-kind.js.map