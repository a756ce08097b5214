// What a plain-image preheat reads from a manifest or index answer: untrusted bytes, checked.
import test from 'ava';
import { PreheatFailedError } from '../../src/errors.js';
import { manifestParts } from '../../src/mirror/preheat.js';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const json = (v) => Buffer.from(JSON.stringify(v));
test('a manifest gives its config and layers; an index gives its manifests', (t) => {
    t.deepEqual(manifestParts(json({ config: { digest: D1 }, layers: [{ digest: D2 }] })).blobs?.map((d) => d.digest), [D1, D2]);
    const index = manifestParts(json({ manifests: [{ digest: D1, platform: { os: 'linux', architecture: 'amd64' } }] }));
    t.is(index.blobs, undefined);
    t.deepEqual(index.manifests?.map((d) => d.digest), [D1]);
});
test('anything else is refused in one line', (t) => {
    for (const bad of [Buffer.from('<html>'), json({ layers: [] }), json({ config: { digest: 'md5:abc' }, layers: [] }),
        json({ config: { digest: D1 }, layers: [{ digest: '../../etc' }] }), json({ manifests: 'x' }), json(null)]) {
        t.throws(() => manifestParts(bad), { instanceOf: PreheatFailedError }, bad.toString());
    }
});
//# sourceMappingURL=preheat-manifest.test.js.map