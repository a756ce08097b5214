/**
 * `darner pull` of a real Nydus RAFS v6 image (nydusify output, test/fixtures/nydus-v6) into
 * containerd through the darner snapshotter: its data layers become remote snapshots without one
 * byte of them leaving the registry, and its bootstrap layer is unpacked with Nydus's bootstrap.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { pullImage } from '../../snapshotter/pull/pull.js';
import { NYDUS_BLOB_IDS, nydusMergedBootstrap, pushNydusFixture } from '../harness/nydus-fixture.js';
import { blobRequests, startPullEnv } from './env.js';
test('darner pull of a Nydus image: data layers are remote and never fetched, the Nydus bootstrap is unpacked', async (t) => {
    const env = await startPullEnv(t);
    await pushNydusFixture(env.registry.host, 'test/nydus');
    env.proxy.reset();
    const ref = `${env.proxy.host}/test/nydus:nydus`;
    const result = await pullImage(ref, env.pullOptions);
    t.deepEqual(result.layers.map((l) => l.result), ['remote', 'remote', 'unpacked']);
    t.is(blobRequests(env.proxy, NYDUS_BLOB_IDS.map((id) => `sha256:${id}`)), 0, 'no request for any data blob reached the registry');
    const bootFiles = fs
        .readdirSync(path.join(env.sn.root, 'snapshots'))
        .map((id) => path.join(env.sn.root, 'snapshots', id, 'fs', 'image', 'image.boot'))
        .filter((f) => fs.existsSync(f));
    t.is(bootFiles.length, 1, 'exactly one snapshot holds the unpacked bootstrap');
    t.true(fs.readFileSync(bootFiles[0]).equals(nydusMergedBootstrap()));
});
//# sourceMappingURL=nydus-image.test.js.map