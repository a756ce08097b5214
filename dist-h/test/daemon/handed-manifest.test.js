/** A manifest handed over in a mount request: checked against the pinned digest, bounded, refused when it cannot be trusted. */
import test from 'ava';
import { MAX_MANIFEST_BASE64, parseMountRequest } from '../../src/daemon/api.js';
import { handedManifest } from '../../src/daemon/handed-manifest.js';
import { sha256Digest } from '../../src/digest.js';
import { BadRequestError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/image-spec.js';
const desc = (n, mediaType = MediaType.DARNER_BLOB) => ({
    mediaType,
    digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
    size: 100 + n,
});
const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: desc(9, MediaType.OCI_CONFIG),
    layers: [desc(1), desc(2)],
}));
const digest = sha256Digest(manifest);
const pinned = `127.0.0.1:5000/app@${digest}`;
test('a manifest with the pinned digest gives the layers the mount checks the bootstrap against', (t) => {
    const handed = handedManifest(pinned, manifest.toString('base64'));
    t.is(handed.manifestDigest, digest);
    t.deepEqual(handed.layers.map((l) => l.digest), [desc(1).digest, desc(2).digest]);
});
test('a manifest is refused unless its bytes have the reference\'s digest and it is an image manifest', (t) => {
    const other = Buffer.from(manifest.toString('utf8').replace('"size":101', '"size":102'));
    t.throws(() => handedManifest(pinned, other.toString('base64')), { instanceOf: BadRequestError, message: /has digest sha256:[0-9a-f]{64}, not the reference's/ });
    t.throws(() => handedManifest('127.0.0.1:5000/app:tag', manifest.toString('base64')), { instanceOf: BadRequestError, message: /pinned by digest/ });
    t.throws(() => handedManifest(`oci:/x@${digest}`, manifest.toString('base64')), { instanceOf: BadRequestError });
    t.throws(() => handedManifest(pinned, 'not base64!'), { instanceOf: BadRequestError, message: /base64/ });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [] }));
    t.throws(() => handedManifest(`127.0.0.1:5000/app@${sha256Digest(index)}`, index.toString('base64')), { instanceOf: BadRequestError, message: /an index/ });
    const junk = Buffer.from('{"schemaVersion":2}');
    t.throws(() => handedManifest(`127.0.0.1:5000/app@${sha256Digest(junk)}`, junk.toString('base64')), { instanceOf: BadRequestError, message: /not valid/ });
});
test('the mount request takes a manifest only with a bootstrap, and only up to the manifest size limit', (t) => {
    const body = { reference: pinned, bootstrap: '/b/image.boot', manifest: manifest.toString('base64') };
    t.deepEqual(parseMountRequest(body), body);
    t.throws(() => parseMountRequest({ reference: pinned, manifest: 'e30=' }), { instanceOf: BadRequestError, message: /only together with bootstrap/ });
    t.throws(() => parseMountRequest({ ...body, manifest: 'A'.repeat(MAX_MANIFEST_BASE64 + 4) }), { instanceOf: BadRequestError, message: /longer than/ });
    t.throws(() => parseMountRequest({ ...body, manifest: 42 }), { instanceOf: BadRequestError });
});
//# sourceMappingURL=handed-manifest.test.js.map