/**
 * A real darner image in a real registry for fetch tests: an OCI image built from `files`,
 * pushed, converted by the converter into the same registry, and opened through a counting,
 * fault-injecting proxy (the origin the fetch path sees). Everything is torn down by the test.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { convertImage } from '../../converter/convert.js';
import { openBlobCache } from '../../src/cache/index.js';
import { createChunkFetcher } from '../../src/fetch/index.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { buildOciImage, pushOciImage } from '../harness/oci-image.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
export { blobRanges } from '../harness/registry.js';
const noDockerConfig = { dockerConfigPath: null };
/** Builds, pushes and converts an image holding `files` (paths without a leading slash). */
export async function makeFixture(t, files, options) {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    const dirs = new Set();
    for (const path of Object.keys(files)) {
        const parts = path.split('/');
        for (let i = 1; i < parts.length; i++)
            dirs.add(parts.slice(0, i).join('/'));
    }
    const entries = [
        ...[...dirs].sort().map((path) => ({ type: 'dir', path })),
        ...Object.entries(files).map(([path, data]) => ({ type: 'file', path, data })),
    ];
    const image = await buildOciImage({ name: `${registry.host}/src/app:v1`, layers: [entries], compression: 'none' });
    await pushOciImage(image, `${registry.host}/src/app:v1`, noDockerConfig);
    const workDir = await mkdtemp(join(tmpdir(), 'darner-fetch-fixture-'));
    try {
        await convertImage(`${registry.host}/src/app:v1`, `${registry.host}/darner/app:v1`, {
            chunkSize: options.chunkSize,
            source: noDockerConfig,
            target: noDockerConfig,
            workDir,
            ...(options.prefetch ? { prefetchPatterns: options.prefetch } : {}),
        });
    }
    finally {
        await rm(workDir, { recursive: true, force: true });
    }
    const reference = `${proxy.host}/darner/app:v1`;
    const loaded = await loadImageBootstrap(reference, noDockerConfig);
    t.teardown(() => loaded.source.close());
    const nids = new Map();
    for (const { path, nid } of loaded.bootstrap.walk())
        nids.set(path, nid);
    proxy.reset();
    return {
        registry,
        proxy,
        reference,
        files: new Map(Object.entries(files).map(([p, d]) => [`/${p}`, d])),
        bootstrap: loaded.bootstrap,
        source: loaded.source,
        nid(path) {
            const nid = nids.get(path);
            if (nid === undefined)
                throw new Error(`no ${path} in the image`);
            return nid;
        },
    };
}
/**
 * One fixture for every test of a file: built in test.before (`ready` receives it before the
 * first test runs), torn down in reverse order in test.after.always.
 */
export function beforeAllFixture(files, options, ready) {
    const cleanups = [];
    test.before(async () => {
        ready(await makeFixture({ teardown: (fn) => cleanups.push(fn) }, files, options));
    });
    test.after.always(async () => {
        for (const fn of cleanups.reverse())
            await fn();
    });
}
/** A cache in a fresh temp directory and a fetcher over it, closed by the test. */
export async function makeEngine(t, options = {}, cacheDir) {
    const dir = cacheDir ?? (await mkdtemp(join(tmpdir(), 'darner-fetch-cache-')));
    if (cacheDir === undefined)
        t.teardown(() => rm(dir, { recursive: true, force: true }));
    const metrics = new Registry();
    const cache = await openBlobCache({ dir, metrics });
    const fetcher = createChunkFetcher(cache, { metrics, ...options });
    t.teardown(async () => {
        await fetcher.close();
        await cache.close();
    });
    return { cache, fetcher, metrics, cacheDir: dir };
}
/** Sum of a metric's values (optionally those with the given label values). */
export async function metric(registry, name, labels = {}) {
    const m = await registry.getSingleMetric(name)?.get();
    if (m === undefined)
        return NaN;
    return m.values
        .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
        .reduce((s, v) => s + v.value, 0);
}
/** Waits until no fetch runs or waits for a slot (fetches outlive reads that gave up on them). */
export async function fetchesIdle(registry, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while ((await metric(registry, 'darner_fetch_in_flight')) + (await metric(registry, 'darner_fetch_queued')) > 0) {
        if (Date.now() > deadline)
            throw new Error('fetches still running');
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
//# sourceMappingURL=fixture.js.map