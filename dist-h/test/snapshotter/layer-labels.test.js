import test from 'ava';
import { CRI_LABELS, DARNER_LABELS, REMOTE_LAYER_LABELS, STARGZ_LABELS, darnerLayerLabels, layerIdentity, remoteLayerOf } from '../../snapshotter/layer-labels.js';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const M = `sha256:${'a'.repeat(64)}`;
test('CRI labels name the layer and its manifest', (t) => {
    t.deepEqual(layerIdentity({
        [CRI_LABELS.imageRef]: 'docker.io/library/app:1',
        [CRI_LABELS.layerDigest]: D1,
        [CRI_LABELS.manifestDigest]: M,
        [CRI_LABELS.imageLayers]: `${D1},${D2}`,
    }), { reference: 'docker.io/library/app:1', layerDigest: D1, manifestDigest: M, plainHttp: false, source: 'cri' });
});
test('ctr-remote labels name the layer without a manifest digest', (t) => {
    t.deepEqual(layerIdentity({ [STARGZ_LABELS.reference]: '127.0.0.1:5000/app:conv', [STARGZ_LABELS.digest]: D2 }), {
        reference: '127.0.0.1:5000/app:conv',
        layerDigest: D2,
        plainHttp: false,
        source: 'stargz',
    });
});
test("darner pull's labels win over the others, and only they can ask for plain http", (t) => {
    const labels = {
        ...darnerLayerLabels({ reference: 'reg:5000/app:1', layerDigest: D1, manifestDigest: M, plainHttp: true }),
        [CRI_LABELS.imageRef]: 'other/app:2',
        [CRI_LABELS.layerDigest]: D2,
    };
    t.is(labels[DARNER_LABELS.plainHttp], 'true');
    t.deepEqual(layerIdentity(labels), { reference: 'reg:5000/app:1', layerDigest: D1, manifestDigest: M, plainHttp: true, source: 'darner' });
    t.false(layerIdentity({ [CRI_LABELS.imageRef]: 'a/b:1', [CRI_LABELS.layerDigest]: D1, [DARNER_LABELS.plainHttp]: 'true' }).plainHttp);
});
test('a dialect with a missing or malformed digest is skipped', (t) => {
    t.is(layerIdentity({}), undefined);
    t.is(layerIdentity({ [DARNER_LABELS.reference]: 'r/a:1' }), undefined);
    t.is(layerIdentity({ [STARGZ_LABELS.reference]: 'r/a:1', [STARGZ_LABELS.digest]: 'sha256:xyz' }), undefined);
    const fallback = layerIdentity({
        [DARNER_LABELS.reference]: 'r/a:1',
        [DARNER_LABELS.layerDigest]: 'md5:1',
        [STARGZ_LABELS.reference]: 'r/b:1',
        [STARGZ_LABELS.digest]: D1,
    });
    t.is(fallback?.source, 'stargz');
    const badManifest = layerIdentity({ [CRI_LABELS.imageRef]: 'a/b:1', [CRI_LABELS.layerDigest]: D1, [CRI_LABELS.manifestDigest]: 'nope' });
    t.is(badManifest?.manifestDigest, undefined);
});
test('remote layer labels give the blob and the pinned image', (t) => {
    t.deepEqual(remoteLayerOf({ [REMOTE_LAYER_LABELS.blob]: D1, [REMOTE_LAYER_LABELS.image]: `reg/app@${M}` }), {
        blob: D1,
        image: `reg/app@${M}`,
        plainHttp: false,
    });
    t.is(remoteLayerOf({ [REMOTE_LAYER_LABELS.blob]: D1 }), undefined);
    t.is(remoteLayerOf({ [REMOTE_LAYER_LABELS.blob]: 'x', [REMOTE_LAYER_LABELS.image]: 'i' }), undefined);
});
//# sourceMappingURL=layer-labels.test.js.map