import test from 'ava';
import { chainIds as harnessChainIds } from '../harness/oci-image.js';
import { chainIds, contentRef, indexLabels, layerSteps, leaseExpiryLabel, manifestLabels, snapshotGcLabel, unpackKey, } from '../../snapshotter/pull/pull-plan.js';
const d = (c) => `sha256:${c.repeat(64)}`;
test('chain IDs follow the image spec', (t) => {
    const diffs = [d('1'), d('2'), d('3')];
    t.deepEqual(chainIds(diffs), harnessChainIds(diffs));
    t.is(chainIds(diffs)[0], d('1'));
    t.deepEqual(chainIds([]), []);
});
test("content refs and unpack keys have containerd's shapes", (t) => {
    t.is(contentRef('layer', d('a')), `layer-${d('a')}`);
    t.is(unpackKey(d('c'), 1234567890123n, Buffer.from([0xfb, 0xff, 0x01])), `extract-567890123--_8B ${d('c')}`);
    t.regex(unpackKey(d('c')), /^extract-\d+-[A-Za-z0-9_-]{4} sha256:c{64}$/);
    t.not(unpackKey(d('c')), unpackKey(d('c')));
});
const manifest = {
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('0'), size: 10 },
    layers: [
        { mediaType: 'application/vnd.oci.image.layer.darner.blob.v1', digest: d('1'), size: 1, annotations: { 'containerd.io/snapshot/darner-blob': 'true', 'org.example': 'x' } },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('2'), size: 2, annotations: { 'containerd.io/snapshot/darner-bootstrap': 'true' } },
    ],
};
test('GC labels: index → manifests, manifest → config and every layer, config → top snapshot', (t) => {
    t.deepEqual(indexLabels({ schemaVersion: 2, manifests: [manifest.config, manifest.layers[0]] }), {
        'containerd.io/gc.ref.content.m.0': d('0'),
        'containerd.io/gc.ref.content.m.1': d('1'),
    });
    t.deepEqual(manifestLabels(manifest), {
        'containerd.io/gc.ref.content.config': d('0'),
        'containerd.io/gc.ref.content.l.0': d('1'),
        'containerd.io/gc.ref.content.l.1': d('2'),
    });
    t.deepEqual(snapshotGcLabel('darner', d('9')), { 'containerd.io/gc.ref.snapshot.darner': d('9') });
    t.deepEqual(leaseExpiryLabel(new Date('2024-05-01T10:00:00.123Z')), { 'containerd.io/gc.expire': '2024-05-02T10:00:00Z' });
});
test('layer steps carry chain, parent and the Prepare labels', (t) => {
    const diffs = [d('1'), d('5')];
    const chains = chainIds(diffs);
    const steps = layerSteps(manifest, diffs, { reference: 'reg/app:1', manifestDigest: d('e') });
    t.deepEqual(steps.map((s) => [s.chainId, s.parent, s.diffId]), [
        [chains[0], '', d('1')],
        [chains[1], chains[0], d('5')],
    ]);
    t.deepEqual(steps[0].labels, {
        'containerd.io/snapshot/darner-blob': 'true',
        'containerd.io/snapshot/darner.reference': 'reg/app:1',
        'containerd.io/snapshot/darner.layer-digest': d('1'),
        'containerd.io/snapshot/darner.manifest-digest': d('e'),
        'containerd.io/snapshot.ref': chains[0],
    });
    t.is(steps[1].labels['containerd.io/snapshot/darner-bootstrap'], 'true');
    t.false('org.example' in steps[0].labels, 'only containerd.io/snapshot/ annotations become labels');
});
//# sourceMappingURL=pull-plan.test.js.map