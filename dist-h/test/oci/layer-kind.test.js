/** Which layers are data blobs and which the bootstrap: darner's media type and annotations, and Nydus's. */
import test from 'ava';
import { isBootstrapLayer, isDataBlobLayer, layerKind } from '../../src/oci/layer-kind.js';
const TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const layer = (mediaType, annotations) => (annotations ? { mediaType, annotations } : { mediaType });
test("darner's data blobs, as the converter writes them and by either mark alone", (t) => {
    t.is(layerKind(layer('application/vnd.oci.image.layer.darner.blob.v1', { 'containerd.io/snapshot/darner-blob': 'true' })), 'data');
    t.true(isDataBlobLayer(layer('application/vnd.oci.image.layer.darner.blob.v1')));
    t.true(isDataBlobLayer(layer(TAR_GZIP, { 'containerd.io/snapshot/darner-blob': 'true' })));
});
test("Nydus's data blobs: Nydus images and darner images published under Nydus's marks", (t) => {
    t.is(layerKind(layer('application/vnd.oci.image.layer.nydus.blob.v1', { 'containerd.io/snapshot/nydus-blob': 'true' })), 'data');
    t.true(isDataBlobLayer(layer('application/vnd.oci.image.layer.nydus.blob.v1')));
    t.true(isDataBlobLayer(layer(TAR_GZIP, { 'containerd.io/snapshot/nydus-blob': 'true' })));
});
test("bootstrap layers carry darner's or Nydus's bootstrap annotation", (t) => {
    t.is(layerKind(layer(TAR_GZIP, { 'containerd.io/snapshot/darner-bootstrap': 'true', 'containerd.io/snapshot/darner-format-version': '1' })), 'bootstrap');
    t.is(layerKind(layer(TAR_GZIP, { 'containerd.io/snapshot/nydus-bootstrap': 'true', 'containerd.io/snapshot/nydus-fs-version': '6' })), 'bootstrap');
});
test('anything else is an ordinary layer, including marks that are not "true"', (t) => {
    t.is(layerKind(layer(TAR_GZIP)), 'other');
    t.is(layerKind(layer(TAR_GZIP, { 'containerd.io/snapshot/darner-blob': 'false', 'containerd.io/snapshot/darner-bootstrap': 'yes' })), 'other');
    t.is(layerKind(layer('application/vnd.oci.image.layer.v1.tar+zstd', { 'containerd.io/snapshot/nydus-blob': 'TRUE' })), 'other');
    t.false(isBootstrapLayer(layer('application/vnd.oci.image.layer.darner.blob.v1')));
});
//# sourceMappingURL=layer-kind.test.js.map