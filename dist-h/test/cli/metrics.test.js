/**
 * Every darner process exports Prometheus metrics in one style: the snapshotter counts and times
 * containerd's snapshot calls (prepare, commit, mounts, remove, errors); the daemon, the scheduler
 * and the snapshotter each export `<prefix>build_info`; label values that darner sets are
 * lowercase; no gauge carries a counter's `_total` name.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startDaemonProcess } from '../harness/daemon.js';
import { startSchedulerProcess } from '../harness/p2p-cluster.js';
import { freePort } from '../harness/registry.js';
import { snapshotsClient, startSnapshotter } from '../harness/snapshotter.js';
async function scrape(address) {
    const res = await request(`http://${address}/metrics`);
    return res.body.text();
}
function samples(text) {
    return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((line) => {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        const labels = {};
        for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
            labels[k] = v;
        return { name: m[1], labels, value: Number(m[3]) };
    });
}
function value(all, name, labels = {}) {
    return all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}
/** The checks every process's metrics pass: build_info, lowercase darner labels, no gauge named _total. */
function checkStyle(t, text, prefix) {
    const all = samples(text);
    const info = all.filter((s) => s.name === `${prefix}build_info`);
    t.is(info.length, 1, `${prefix}build_info`);
    t.regex(info[0].labels.version ?? '', /^\d+\.\d+\.\d+/);
    t.regex(info[0].labels.native_version ?? '', /^(\d+\.\d+\.\d+|unavailable)$/);
    t.is(info[0].labels.node_version, process.versions.node);
    t.is(info[0].value, 1);
    // Label values darner sets (not prom-client's process/Node.js defaults, nor the build facts).
    const upper = all
        .filter((s) => !/_(nodejs|process)_/.test(s.name) && s.name !== `${prefix}build_info`)
        .flatMap((s) => Object.entries(s.labels).filter(([k, v]) => k !== 'le' && v !== v.toLowerCase()).map(([k, v]) => `${s.name}{${k}="${v}"}`));
    t.deepEqual(upper, []);
    const gaugesNamedTotal = [...text.matchAll(/^# TYPE (\S+_total) gauge$/gm)].map((m) => m[1]);
    t.deepEqual(gaugesNamedTotal, []);
}
test('the snapshotter serves /metrics: calls by method and outcome, errors, durations, build_info', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-sn-metrics-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const address = `127.0.0.1:${await freePort()}`;
    const config = join(dir, 'snapshotter.toml');
    await writeFile(config, `metrics = "${address}"\nremote_snapshots = false\n`);
    const sn = await startSnapshotter({ configFile: config });
    t.teardown(() => sn.stop());
    const client = snapshotsClient(sn.address);
    t.teardown(() => client.close());
    await client.prepare('a', '');
    await client.commit('base', 'a');
    await client.prepare('b', 'base');
    await client.mounts('b');
    await client.remove('b');
    await t.throwsAsync(client.remove('missing'));
    await t.throwsAsync(client.prepare('c', 'no-such-parent'));
    const text = await scrape(address);
    const all = samples(text);
    t.is(value(all, 'darner_snapshotter_requests_total', { method: 'prepare', outcome: 'ok' }), 2);
    t.is(value(all, 'darner_snapshotter_requests_total', { method: 'commit', outcome: 'ok' }), 1);
    t.is(value(all, 'darner_snapshotter_requests_total', { method: 'mounts', outcome: 'ok' }), 1);
    t.is(value(all, 'darner_snapshotter_requests_total', { method: 'remove', outcome: 'ok' }), 1);
    t.is(value(all, 'darner_snapshotter_request_errors_total', { method: 'remove', code: 'not_found' }), 1);
    t.is(value(all, 'darner_snapshotter_request_errors_total', { method: 'prepare' }), 1);
    t.is(value(all, 'darner_snapshotter_requests_total', { method: 'remove' }), 2);
    t.is(value(all, 'darner_snapshotter_request_duration_seconds_count', { method: 'prepare' }), 3);
    checkStyle(t, text, 'darner_snapshotter_');
});
test('the daemon and the scheduler export build_info, lowercase label values and no gauge named _total', async (t) => {
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    // A refused control API call puts a method and status label into the daemon's metrics.
    await t.throwsAsync(daemon.client.unmount('m-0000000000000000'));
    checkStyle(t, await scrape(daemon.metricsAddress), 'darner_daemon_');
    const metrics = `127.0.0.1:${await freePort()}`;
    const scheduler = await startSchedulerProcess({ args: ['--metrics', metrics] });
    t.teardown(() => scheduler.stop());
    checkStyle(t, await scrape(metrics), 'darner_scheduler_');
});
//# sourceMappingURL=metrics.test.js.map