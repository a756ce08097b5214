import { Counter, Histogram, Registry } from 'prom-client';
import { registerProcessMetrics } from '../src/build-info.js';
import { serveMetrics } from '../src/metrics-server.js';
import { metricLabel } from '../src/util/metric-label.js';
export class SnapshotterMetrics {
    registry = new Registry();
    requests;
    errors;
    duration;
    daemonTakeovers;
    constructor() {
        registerProcessMetrics(this.registry, 'darner_snapshotter_');
        this.requests = new Counter({
            name: 'darner_snapshotter_requests_total',
            help: 'Snapshot API calls by method (prepare, view, mounts, commit, remove, stat, update, list, usage, cleanup) and outcome (ok or the gRPC status, lowercase)',
            labelNames: ['method', 'outcome'],
            registers: [this.registry],
        });
        this.errors = new Counter({
            name: 'darner_snapshotter_request_errors_total',
            help: 'Snapshot API calls answered with an error, by method and gRPC status (lowercase)',
            labelNames: ['method', 'code'],
            registers: [this.registry],
        });
        this.duration = new Histogram({
            name: 'darner_snapshotter_request_duration_seconds',
            help: 'Time to answer a snapshot API call, by method (a remote Prepare includes the daemon mount)',
            labelNames: ['method'],
            buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
            registers: [this.registry],
        });
        this.daemonTakeovers = new Counter({
            name: 'darner_snapshotter_daemon_takeovers_total',
            help: 'Daemon replacements seen (a crash and restart, or a live upgrade), by result: taken (every mount taken over) or lost (some lost or failed)',
            labelNames: ['result'],
            registers: [this.registry],
        });
    }
    /** Records one call: `code` is undefined for success, else the gRPC status name. */
    observe(method, seconds, code) {
        const name = metricLabel(method);
        const outcome = code === undefined ? 'ok' : metricLabel(code);
        this.requests.inc({ method: name, outcome });
        if (code !== undefined)
            this.errors.inc({ method: name, code: outcome });
        this.duration.observe({ method: name }, seconds);
    }
    serve(host, port) {
        return serveMetrics(this.registry, host, port);
    }
}
//# sourceMappingURL=metrics.js.map