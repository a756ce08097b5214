/** convert refuses a source that is already converted: darner's marks, Nydus's, or either alone. */
import test from 'ava';
import { isConvertedManifest } from '../../converter/source-target.js';
import { parseManifest } from '../../src/oci/image-spec.js';
import { NYDUS_FIXTURE_DIR } from '../harness/nydus-fixture.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const d = (c) => `sha256:${c.repeat(64)}`;
const TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const manifestOf = (...layers) => ({
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('0'), size: 1 },
    layers: layers.map((l, i) => ({ ...l, digest: d(String(i + 1)), size: 1 })),
});
test('a darner image, a Nydus image and a darner image under Nydus marks are converted images; a plain one is not', (t) => {
    t.true(isConvertedManifest(manifestOf({ mediaType: 'application/vnd.oci.image.layer.darner.blob.v1', annotations: { 'containerd.io/snapshot/darner-blob': 'true' } }, { mediaType: TAR_GZIP, annotations: { 'containerd.io/snapshot/darner-bootstrap': 'true' } })));
    t.true(isConvertedManifest(manifestOf({ mediaType: TAR_GZIP, annotations: { 'containerd.io/snapshot/darner-bootstrap': 'true' } })));
    t.true(isConvertedManifest(manifestOf({ mediaType: 'application/vnd.oci.image.layer.darner.blob.v1' })));
    const index = JSON.parse(readFileSync(join(NYDUS_FIXTURE_DIR, 'oci', 'index.json'), 'utf8'));
    const nydus = parseManifest(readFileSync(join(NYDUS_FIXTURE_DIR, 'oci', 'blobs', 'sha256', index.manifests[0].digest.slice(7))));
    t.true(isConvertedManifest(nydus));
    t.false(isConvertedManifest(manifestOf({ mediaType: TAR_GZIP }, { mediaType: TAR_GZIP, annotations: { 'org.example': 'true' } })));
});
//# sourceMappingURL=converted-source.test.js.map