import { Counter, Gauge, Registry } from 'prom-client';
import { registerProcessMetrics } from '../build-info.js';
import { log } from '../log.js';
import { serveMetrics } from '../metrics-server.js';
import { reasonOf } from '../fs/index.js';
import { metricLabel } from '../util/metric-label.js';
export class DaemonMetrics {
    registry = new Registry();
    mounts;
    fuseReads;
    fuseReadBytes;
    fuseReadErrors;
    apiRequests;
    takeovers;
    constructor(mountCount) {
        registerProcessMetrics(this.registry, 'darner_daemon_');
        this.mounts = new Gauge({
            name: 'darner_daemon_mounts',
            help: 'Images mounted by this daemon',
            registers: [this.registry],
            collect() {
                this.set(mountCount());
            },
        });
        this.fuseReads = new Counter({ name: 'darner_fuse_reads_total', help: 'FUSE read requests answered with data', registers: [this.registry] });
        this.fuseReadBytes = new Counter({ name: 'darner_fuse_read_bytes_total', help: 'Bytes answered to FUSE reads', registers: [this.registry] });
        this.fuseReadErrors = new Counter({
            name: 'darner_fuse_read_errors_total',
            help: 'FUSE reads answered with an error (EIO), by the reason (a darner error code)',
            labelNames: ['reason'],
            registers: [this.registry],
        });
        this.apiRequests = new Counter({
            name: 'darner_daemon_api_requests_total',
            help: 'Control API requests by method, route and HTTP status',
            labelNames: ['method', 'route', 'status'],
            registers: [this.registry],
        });
        this.takeovers = new Counter({
            name: 'darner_daemon_takeovers_total',
            help: 'Mounts left by the previous daemon at start: taken over on their kept connection (taken), found with it gone (lost), or not served again (failed)',
            labelNames: ['result'],
            registers: [this.registry],
        });
    }
    /**
     * The ImageFs observer: counts reads and failures, and logs why a read failed (the reader only
     * sees EIO) — at most one line per second per reason, with how many were left out.
     */
    fsObserver() {
        const lastLogged = new Map();
        return {
            readDone: (bytes) => {
                this.fuseReads.inc();
                this.fuseReadBytes.inc(bytes);
            },
            readFailed: (err, where) => {
                const reason = reasonOf(err);
                this.fuseReadErrors.inc({ reason: metricLabel(reason) });
                const now = Date.now();
                const seen = lastLogged.get(reason);
                if (seen !== undefined && now - seen.at < 1000) {
                    seen.suppressed += 1;
                    return;
                }
                lastLogged.set(reason, { at: now, suppressed: 0 });
                log.warn({ ...where, reason, err: err instanceof Error ? err.message : String(err), suppressed: seen?.suppressed ?? 0 }, 'FUSE read failed (answered EIO)');
            },
        };
    }
    /** Serves GET /metrics (and /healthz) on host:port; resolves once listening. */
    serve(host, port) {
        return serveMetrics(this.registry, host, port);
    }
}
//# sourceMappingURL=metrics.js.map