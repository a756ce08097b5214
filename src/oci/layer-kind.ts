import { Annotation, MediaType, type Descriptor } from './image-spec.js';

/**
 * What a layer of a darner or Nydus image is: a data blob (chunks, not a tar), the bootstrap
 * layer (a tar holding the bootstrap), or neither. The one place that reads the media types and
 * annotations saying so. darner writes its own (DARNER_*) unless asked for Nydus's; Nydus's are
 * read too, for Nydus images and for darner images published under them. Pure.
 */

export type LayerKind = 'data' | 'bootstrap' | 'other';

type LayerDescriptor = Pick<Descriptor, 'mediaType' | 'annotations'>;

const BLOB_MEDIA_TYPES: readonly string[] = [MediaType.DARNER_BLOB, MediaType.NYDUS_BLOB];
const BLOB_ANNOTATIONS: readonly string[] = [Annotation.DARNER_BLOB, Annotation.NYDUS_BLOB];
const BOOTSTRAP_ANNOTATIONS: readonly string[] = [Annotation.DARNER_BOOTSTRAP, Annotation.NYDUS_BOOTSTRAP];

/**
 * True for a data blob layer: its media type or its annotation says so. Either is enough, since a
 * layer that claims to be a blob must never be unpacked or converted as a tar.
 */
export function isDataBlobLayer(layer: LayerDescriptor): boolean {
  return BLOB_MEDIA_TYPES.includes(layer.mediaType) || BLOB_ANNOTATIONS.some((key) => layer.annotations?.[key] === 'true');
}

/** True for a layer annotated as an image's bootstrap layer. */
export function isBootstrapLayer(layer: LayerDescriptor): boolean {
  return BOOTSTRAP_ANNOTATIONS.some((key) => layer.annotations?.[key] === 'true');
}

export function layerKind(layer: LayerDescriptor): LayerKind {
  if (isDataBlobLayer(layer)) return 'data';
  return isBootstrapLayer(layer) ? 'bootstrap' : 'other';
}
