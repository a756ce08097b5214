/**
 * The scheduler's Prometheus metrics (prom-client, one registry per process), exposed by the
 * shared metrics server (src/metrics-server.ts): GET /metrics, and GET /healthz for liveness probes.
 */
import type { Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { log } from '../../log.js';
import { serveMetrics } from '../../metrics-server.js';
import type { ChunkGroup } from './model.js';

export class SchedulerMetrics {
  readonly registry = new Registry();
  readonly resolves = new Counter({
    name: 'darner_scheduler_resolves_total',
    help: 'Resolve calls answered',
    registers: [this.registry],
  });
  readonly candidateHits = new Counter({
    name: 'darner_scheduler_candidate_hits_total',
    help: 'Resolve calls whose answer named at least one parent peer (holder or in-progress fetcher)',
    registers: [this.registry],
  });
  readonly resolvedChunks = new Counter({
    name: 'darner_scheduler_resolved_chunks_total',
    help: 'Chunks resolved, by decision: parents (holders), in_progress (wait for the fetching peer), back_to_source (lease granted), source (no lease)',
    labelNames: ['decision'] as const,
    registers: [this.registry],
  });
  readonly backToSource = new Counter({
    name: 'darner_scheduler_back_to_source_total',
    help: 'Chunks for which a BACK_TO_SOURCE lease was granted or renewed',
    registers: [this.registry],
  });
  readonly reports = new Counter({
    name: 'darner_scheduler_reports_total',
    help: 'Transfer results reported by requesters, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly badPeerReports = new Counter({
    name: 'darner_scheduler_bad_peer_reports_total',
    help: 'BAD_DATA reports (each excludes the parent for the bad-peer period)',
    registers: [this.registry],
  });
  readonly registrations = new Counter({
    name: 'darner_scheduler_registrations_total',
    help: 'RegisterPeer calls accepted',
    registers: [this.registry],
  });
  readonly expiredPeers = new Counter({
    name: 'darner_scheduler_expired_peers_total',
    help: 'Peers dropped because they were not heard from within the peer TTL',
    registers: [this.registry],
  });
  readonly preheats = new Counter({
    name: 'darner_scheduler_preheats_total',
    help: 'Preheat tasks queued for a seed',
    registers: [this.registry],
  });
  readonly rpcErrors = new Counter({
    name: 'darner_scheduler_rpc_errors_total',
    help: 'Calls answered with an error, by method and gRPC status name',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });

  constructor(counts?: () => Promise<{ peers: number; seeds: number }>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'darner_scheduler_' });
    let last = { peers: 0, seeds: 0 };
    const current = async () => {
      try {
        if (counts !== undefined) last = await counts();
      } catch (err) {
        // Keep the last known value while the store is away; the rpc error counter shows why.
        log.debug({ err: (err as Error).message }, 'peer count unavailable');
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

  /** Counts one Resolve answer. */
  observeResolve(groups: readonly ChunkGroup[]): void {
    this.resolves.inc();
    let hit = false;
    for (const g of groups) {
      const n = g.offsets.length;
      if (g.decision === 'PARENTS') {
        hit = true;
        this.resolvedChunks.inc({ decision: g.parents.some((p) => p.inProgress) ? 'in_progress' : 'parents' }, n);
      } else if (g.decision === 'BACK_TO_SOURCE') {
        this.resolvedChunks.inc({ decision: 'back_to_source' }, n);
        this.backToSource.inc(n);
      } else {
        this.resolvedChunks.inc({ decision: 'source' }, n);
      }
    }
    if (hit) this.candidateHits.inc();
  }

  /** Serves /metrics and /healthz on host:port; resolves once listening. */
  serve(host: string, port: number): Promise<Server> {
    return serveMetrics(this.registry, host, port);
  }
}
