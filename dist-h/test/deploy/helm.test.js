import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { parseDaemonConfig } from '../../src/daemon/config.js';
import { parseProcessConfig as parseSchedulerConfig } from '../../src/p2p/scheduler/config.js';
import { parseConfig as parseSnapshotterConfig } from '../../snapshotter/config.js';
import { TEST_CACHE_DIR } from '../harness/test-cache.js';
import { findTool } from '../harness/toolchain.js';
// deploy/helm/darner: `helm lint` and `helm template` for the default values and for a values file
// with Redis, TLS and the ServiceMonitor; every rendered manifest decodes strictly against the
// Kubernetes API types (test/deploy/manifest-check, offline); the configurations the chart renders
// load with darner's own config parsers.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHART = path.join(ROOT, 'deploy', 'helm', 'darner');
const VALUE_SETS = {
    defaults: [],
    'redis+tls': ['-f', path.join(CHART, 'values-redis-tls.yaml')],
};
function helm() {
    for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), path.join(TEST_CACHE_DIR, 'bin')]) {
        if (fs.existsSync(path.join(dir, 'helm')))
            return path.join(dir, 'helm');
    }
    throw new Error('helm is not installed: .ci/setup installs it (go install helm.sh/helm/v4/cmd/helm@v4.3.2)');
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-helm-'));
const checker = path.join(work, 'manifest-check');
test.before(async () => {
    const go = findTool('go');
    if (go === undefined)
        throw new Error('go is not installed (.ci/setup)');
    // From the module and build caches .ci/setup filled: no network.
    await run(go, ['build', '-mod=readonly', '-o', checker, '.'], {
        cwd: path.join(ROOT, 'test', 'deploy', 'manifest-check'),
        env: { ...process.env, GOPROXY: 'off', GOFLAGS: '-mod=readonly' },
        timeout: 15 * 60_000,
    });
});
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));
async function render(values) {
    const { stdout } = await run(helm(), ['template', 'darner', CHART, '--namespace', 'darner-system', ...values], { maxBuffer: 1 << 24 });
    return stdout;
}
async function checkManifests(yaml) {
    return new Promise((resolve, reject) => {
        const child = execFile(checker, [], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
            if (err)
                reject(new Error(`${stderr}`.trim() || String(err)));
            else
                resolve(stdout.trim().split('\n').map((l) => l.replace(/^ok /, '')));
        });
        child.stdin.end(yaml);
    });
}
/** The `data` entries of the ConfigMap in a rendered stream. */
function configMapData(yaml) {
    const doc = yaml.split(/^---$/m).find((d) => /^kind: ConfigMap$/m.test(d));
    if (doc === undefined)
        throw new Error('no ConfigMap rendered');
    const data = {};
    for (const m of doc.matchAll(/^ {2}([\w.-]+): \|\n((?: {4}.*\n|\n)+)/gm))
        data[m[1]] = m[2].replace(/^ {4}/gm, '');
    return data;
}
for (const [name, values] of Object.entries(VALUE_SETS)) {
    test(`helm lint and template pass and every manifest decodes strictly (${name})`, async (t) => {
        await run(helm(), ['lint', '--strict', CHART, ...values]);
        const yaml = await render(values);
        const kinds = await checkManifests(yaml);
        for (const kind of ['ConfigMap', 'Secret', 'DaemonSet', 'Deployment', 'Service'])
            t.true(kinds.includes(kind), `${kind} rendered`);
        if (name === 'redis+tls')
            t.true(kinds.includes('ServiceMonitor'));
        const data = configMapData(yaml);
        const daemon = parseDaemonConfig(data['daemon.toml'], 'daemon.toml');
        const snapshotter = parseSnapshotterConfig(data['snapshotter.toml'], 'snapshotter.toml');
        t.is(daemon.socket, snapshotter.daemon.address);
        t.deepEqual(snapshotter.daemon.startCommand, [], 'the pod runs the daemon; the snapshotter never starts one');
        t.is(snapshotter.root, '/var/lib/containerd/io.containerd.snapshotter.v1.darner', 'the image filesystem CRI reports');
        const scheduler = parseSchedulerConfig(data['scheduler.toml'], 'scheduler.toml');
        t.is(scheduler.peerTokenFile, daemon.p2p.tokenFile);
        t.is(scheduler.tls !== undefined, name === 'redis+tls');
        t.is(scheduler.redis !== undefined, name === 'redis+tls');
        // Liveness and readiness of the daemon and the scheduler are their /healthz.
        t.is(yaml.match(/httpGet: \{ path: \/healthz, port: metrics \}/g)?.length, 4);
    });
}
test('a manifest with a misspelt field is refused by the checker', async (t) => {
    const yaml = (await render([])).replace('mountPropagation: Bidirectional', 'mountPropagaton: Bidirectional');
    await t.throwsAsync(checkManifests(yaml), { message: /mountPropagaton/ });
});
//# sourceMappingURL=helm.test.js.map