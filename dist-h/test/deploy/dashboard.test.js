import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { startDaemonProcess } from '../harness/daemon.js';
import { startSchedulerProcess, writeTokenFile } from '../harness/p2p-cluster.js';
import { freePort } from '../harness/registry.js';
// deploy/grafana/darner.json queries only metrics that exist: every metric name in its queries is
// exposed by a running daemon (with P2P on, so that the peer metrics are registered), scheduler or
// snapshotter. darner_scheduler_* belong to the scheduler, darner_snapshotter_* to the
// snapshotter, every other darner_* to the daemon.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const DASHBOARD = path.join(ROOT, 'deploy', 'grafana', 'darner.json');
/** Every metric name in the dashboard's queries (panel targets and template variables). */
function dashboardMetrics(dashboard) {
    const names = new Set();
    const walk = (value, key) => {
        if (typeof value === 'string') {
            if (key === 'expr' || key === 'query' || key === 'definition')
                for (const m of value.matchAll(/\bdarner_[a-z0-9_]+/g))
                    names.add(m[0]);
        }
        else if (Array.isArray(value)) {
            for (const v of value)
                walk(v, key);
        }
        else if (value !== null && typeof value === 'object') {
            for (const [k, v] of Object.entries(value))
                walk(v, k);
        }
    };
    walk(dashboard, '');
    return names;
}
/** Metric families in a Prometheus text exposition, with a histogram's or summary's series names. */
function exposedNames(text) {
    const names = new Set();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        names.add(m[1]);
        if (m[2] === 'histogram')
            for (const s of ['_bucket', '_sum', '_count'])
                names.add(m[1] + s);
        if (m[2] === 'summary')
            for (const s of ['_sum', '_count'])
                names.add(m[1] + s);
    }
    return names;
}
const wanted = dashboardMetrics(JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')));
const byComponent = {
    scheduler: [...wanted].filter((n) => n.startsWith('darner_scheduler_')),
    snapshotter: [...wanted].filter((n) => n.startsWith('darner_snapshotter_')),
    daemon: [...wanted].filter((n) => !n.startsWith('darner_scheduler_') && !n.startsWith('darner_snapshotter_')),
};
async function scrape(address) {
    const response = await fetch(`http://${address}/metrics`);
    return exposedNames(await response.text());
}
test('the dashboard queries metrics of all three components', (t) => {
    t.true(byComponent.daemon.length >= 10, byComponent.daemon.join(' '));
    t.true(byComponent.scheduler.length >= 3, byComponent.scheduler.join(' '));
    t.true(byComponent.snapshotter.length >= 1, byComponent.snapshotter.join(' '));
});
test('every daemon and scheduler metric the dashboard queries exists on running processes', async (t) => {
    const token = await writeTokenFile('dashboard-test-token');
    t.teardown(() => token.remove());
    const metricsPort = await freePort();
    const scheduler = await startSchedulerProcess({ tokenFile: token.path, args: ['--metrics', `127.0.0.1:${metricsPort}`] });
    t.teardown(() => scheduler.stop());
    const peerPort = await freePort();
    const daemon = await startDaemonProcess({
        args: ['--scheduler', scheduler.address, '--peer-listen', `127.0.0.1:${peerPort}`, '--peer-token-file', token.path],
    });
    t.teardown(() => daemon.stop());
    const daemonNames = await scrape(daemon.metricsAddress);
    t.deepEqual(byComponent.daemon.filter((n) => !daemonNames.has(n)), [], 'daemon metrics the dashboard queries but the daemon does not expose');
    const schedulerNames = await scrape(`127.0.0.1:${metricsPort}`);
    t.deepEqual(byComponent.scheduler.filter((n) => !schedulerNames.has(n)), [], 'scheduler metrics missing');
});
test('every snapshotter metric the dashboard queries exists on a running snapshotter', async (t) => {
    const help = await new Promise((resolve) => {
        const child = spawn(process.execPath, [CLI, 'snapshotter', '--help'], { stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d.toString()));
        child.once('exit', () => resolve(out));
    });
    if (!/--metrics\b/.test(help)) {
        const message = `SKIPPED: the snapshotter has no metrics endpoint (no --metrics option): its ${byComponent.snapshotter.length} dashboard metrics (${byComponent.snapshotter.join(', ')}) are not checked`;
        t.log(message);
        process.stdout.write(`# ${message}\n`);
        t.pass();
        return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-dash-sn-'));
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'snapshotter', '--address', path.join(dir, 'sn.sock'), '--root', path.join(dir, 'root'), '--metrics', `127.0.0.1:${port}`], { stdio: 'ignore' });
    t.teardown(() => {
        child.kill('SIGTERM');
        fs.rmSync(dir, { recursive: true, force: true });
    });
    let names;
    for (let attempt = 0; attempt < 300 && names === undefined; attempt++) {
        names = await scrape(`127.0.0.1:${port}`).catch(async () => {
            await new Promise((r) => setTimeout(r, 100));
            return undefined;
        });
    }
    t.truthy(names, 'the snapshotter served /metrics');
    t.deepEqual(byComponent.snapshotter.filter((n) => !names.has(n)), [], 'snapshotter metrics missing');
});
//# sourceMappingURL=dashboard.test.js.map