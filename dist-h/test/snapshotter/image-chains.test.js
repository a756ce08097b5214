import test from 'ava';
import { blobsOf, imageInChain, imagesPresent, parentsOf } from '../../snapshotter/image-chains.js';
import { REMOTE_LAYER_LABELS } from '../../snapshotter/layer-labels.js';
const blob = (n) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const IMAGE = `reg/app@sha256:${'a'.repeat(64)}`;
function ref(id, kind, parentId, labels = {}) {
    return { id, name: `s${id}`, kind, labels, dir: `/sn/${id}/fs`, parentId };
}
const data = (id, parentId, image = IMAGE) => ref(id, 'committed', parentId, { [REMOTE_LAYER_LABELS.blob]: blob(id), [REMOTE_LAYER_LABELS.image]: image });
// 1 ← 2 ← 3 (data) ← 4 (bootstrap) ← 5 (container); 4 ← 6 (committed container) ← 7 (container)
const d1 = data(1, null);
const d2 = data(2, 1);
const d3 = data(3, 2, `reg/app@sha256:${'b'.repeat(64)}`);
const boot = ref(4, 'committed', 3);
const c5 = ref(5, 'active', 4);
const l6 = ref(6, 'committed', 4);
const c7 = ref(7, 'view', 6);
const all = [d1, d2, d3, boot, c5, l6, c7];
const hasBootstrap = (r) => r.id === 4;
test('a container on a bootstrap over data layers stands on that image', (t) => {
    const found = imageInChain([boot, d3, d2, d1], hasBootstrap);
    t.is(found?.bootstrapAt, 0);
    t.is(found?.bootstrap.id, 4);
    t.is(found?.image, `reg/app@sha256:${'b'.repeat(64)}`, 'the nearest data layer names the image');
    t.deepEqual(found?.blobs, [blob(1), blob(2), blob(3)], 'bottom layer first');
});
test('layers committed above the image stay lower directories of their own', (t) => {
    const found = imageInChain([l6, boot, d3, d2, d1], hasBootstrap);
    t.is(found?.bootstrapAt, 1);
});
test('the bootstrap being unpacked, plain chains and a missing bootstrap file stand on no image', (t) => {
    t.is(imageInChain([d3, d2, d1], hasBootstrap), undefined, 'only data layers below: the bootstrap layer itself');
    t.is(imageInChain([ref(10, 'committed', 11), ref(11, 'committed', null)], () => true), undefined, 'plain layers');
    t.is(imageInChain([boot, d3, d2, d1], () => false), undefined, 'no image/image.boot in the directory');
    t.is(imageInChain([boot], () => true), undefined, 'nothing below');
    t.is(imageInChain([], () => true), undefined);
});
test('parentsOf walks a listing, nearest first', (t) => {
    const byId = new Map(all.map((s) => [s.id, s]));
    t.deepEqual(parentsOf(c7, byId).map((s) => s.id), [6, 4, 3, 2, 1]);
    t.deepEqual(parentsOf(d1, byId), []);
    t.deepEqual(parentsOf(ref(9, 'active', 99), byId), [], 'a missing parent ends the chain');
});
test('imagesPresent finds each bootstrap over its data layers, used by a container or not', (t) => {
    t.deepEqual([...imagesPresent(all, hasBootstrap).keys()], [4]);
    t.deepEqual([...imagesPresent([d1, d2, d3, boot], hasBootstrap).keys()], [4], 'pulled, never run: still present');
    t.is(imagesPresent([d1, d2, d3, boot], hasBootstrap).get(4)?.image, `reg/app@sha256:${'b'.repeat(64)}`);
    t.is(imagesPresent([d1, d2, d3], hasBootstrap).size, 0, 'the bootstrap snapshot removed: the image is gone');
    t.is(imagesPresent([d1, d2, d3, boot, l6], () => false).size, 0, 'no bootstrap file');
});
test('blobsOf lists the data blobs of remote layers as hex', (t) => {
    t.deepEqual(blobsOf(all), [blob(1), blob(2), blob(3)].map((b) => b.slice(7)).sort());
});
//# sourceMappingURL=image-chains.test.js.map