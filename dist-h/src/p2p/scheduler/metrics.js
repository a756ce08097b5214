import { Counter, Gauge, Registry } from 'prom-client';
import { registerProcessMetrics } from '../../build-info.js';
import { log } from '../../log.js';
import { serveMetrics } from '../../metrics-server.js';
export class SchedulerMetrics {
    registry = new Registry();
    resolves = this.counter('darner_scheduler_resolves_total', 'Resolve calls answered');
    candidateHits = this.counter('darner_scheduler_candidate_hits_total', 'Resolve calls whose answer named at least one parent peer (holder or in-progress fetcher)');
    resolvedChunks = this.counter('darner_scheduler_resolved_chunks_total', 'Chunks resolved, by decision: parents (holders), in_progress (wait for the fetching peer or a peer receiving it from it), back_to_source (lease granted), source (no lease)', ['decision']);
    backToSource = this.counter('darner_scheduler_back_to_source_total', 'Chunks for which a BACK_TO_SOURCE lease was granted or renewed');
    reports = this.counter('darner_scheduler_reports_total', 'Transfer results reported by requesters, by outcome', ['outcome']);
    badPeerReports = this.counter('darner_scheduler_bad_peer_reports_total', 'BAD_DATA reports (each excludes the parent for the bad-peer period)');
    registrations = this.counter('darner_scheduler_registrations_total', 'RegisterPeer calls accepted');
    expiredPeers = this.counter('darner_scheduler_expired_peers_total', 'Peers dropped because they were not heard from within the peer TTL');
    preheats = this.counter('darner_scheduler_preheats_total', 'Preheat tasks queued for a seed');
    rpcErrors = this.counter('darner_scheduler_rpc_errors_total', 'Calls answered with an error, by method and gRPC status name', ['method', 'code']);
    constructor(counts) {
        registerProcessMetrics(this.registry, 'darner_scheduler_');
        let last = { peers: 0, seeds: 0 };
        const current = async () => {
            try {
                if (counts !== undefined)
                    last = await counts();
            }
            catch (err) {
                // Keep the last known value while the store is away; the rpc error counter shows why.
                log.debug({ err: err.message }, 'peer count unavailable');
            }
            return last;
        };
        new Gauge({
            name: 'darner_scheduler_peers',
            help: 'Registered live peers (seen by this replica\'s store)',
            registers: [this.registry],
            async collect() {
                this.set((await current()).peers);
            },
        });
        new Gauge({
            name: 'darner_scheduler_seed_peers',
            help: 'Registered live seed peers',
            registers: [this.registry],
            async collect() {
                this.set((await current()).seeds);
            },
        });
    }
    /** A counter in this registry (labelled when labelNames are given). */
    counter(name, help, labelNames = []) {
        return new Counter({ name, help, labelNames, registers: [this.registry] });
    }
    /** Counts one Resolve answer. */
    observeResolve(groups) {
        this.resolves.inc();
        let hit = false;
        for (const g of groups) {
            const n = g.offsets.length;
            if (g.decision === 'PARENTS') {
                hit = true;
                this.resolvedChunks.inc({ decision: g.parents.some((p) => p.inProgress) ? 'in_progress' : 'parents' }, n);
            }
            else if (g.decision === 'BACK_TO_SOURCE') {
                this.resolvedChunks.inc({ decision: 'back_to_source' }, n);
                this.backToSource.inc(n);
            }
            else {
                this.resolvedChunks.inc({ decision: 'source' }, n);
            }
        }
        if (hit)
            this.candidateHits.inc();
    }
    /** Serves /metrics and /healthz on host:port; resolves once listening. */
    serve(host, port) {
        return serveMetrics(this.registry, host, port);
    }
}
//# sourceMappingURL=metrics.js.map