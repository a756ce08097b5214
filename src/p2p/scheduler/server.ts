/**
 * The scheduler's gRPC edge: darner.p2p.v1.Scheduler over @grpc/grpc-js. Thin: each handler turns
 * the wire message into a SchedulerService call and the answer (or typed error) back into a
 * message (or status). Also here: shared-token authentication, optional TLS/mTLS, the periodic
 * sweep of expired peers, and task delivery to WatchTasks streams.
 *
 * Error mapping: PeerNotRegisteredError → NOT_FOUND (the peer registers again), BadRequestError →
 * INVALID_ARGUMENT, NoSeedPeerError → FAILED_PRECONDITION, StoreUnavailableError → UNAVAILABLE
 * (clients treat it like an unreachable scheduler), anything else → INTERNAL (logged).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  BadRequestError,
  DarnerError,
  listenErrorOf,
  NoSeedPeerError,
  PeerNotRegisteredError,
  StoreUnavailableError,
} from '../../errors.js';
import { routeGrpcLogs } from '../../grpc-log.js';
import { log } from '../../log.js';
import { formatHostPort, parseHostPort } from '../address.js';
import {
  schedulerProtoPath,
  schedulerServiceClient,
  type AnnounceRequest,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type ListPeersResponse,
  type ListTasksResponse,
  type GetTaskRequest,
  type GetTaskResponse,
  type PreheatRequest,
  type PreheatResponse,
  type RegisterPeerRequest,
  type RegisterPeerResponse,
  type ReportResultRequest,
  type ReportTaskRequest,
  type ResolveRequest,
  type ResolveResponse,
  type StatusResponse,
  type UnregisterPeerRequest,
  type WatchTasksRequest,
  type WireTask,
} from '../proto.js';
import { groupToWire } from './group-wire.js';
import type { SchedulerMetrics } from './metrics.js';
import { OUTCOMES, type Outcome, type Task } from './model.js';
import type { SchedulerService } from './service.js';
import { metricLabel } from '../../util/metric-label.js';

export interface SchedulerTlsFiles {
  /** PEM certificate chain and key of the scheduler. */
  cert: Buffer;
  key: Buffer;
  /** PEM CA bundle; when set, clients must present a certificate it signed (mTLS). */
  clientCa?: Buffer;
}

export interface SchedulerServerOptions {
  service: SchedulerService;
  /** host:port to listen on; port 0 picks a free port (read it back from `address`). */
  listen: string;
  /** Shared token; when set every call must carry `authorization: Bearer <token>`. */
  token?: string;
  tls?: SchedulerTlsFiles;
  metrics?: SchedulerMetrics;
  /** How often expired peers are swept (default: half the keep-alive interval). */
  sweepIntervalMs?: number;
}

type UnaryHandler<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

export class SchedulerServer {
  /** The bound address, host:port. */
  readonly address: string;
  private readonly server: grpc.Server;
  private readonly options: SchedulerServerOptions;
  private readonly service: SchedulerService;
  private readonly startedAt: number;
  private readonly watchers = new Map<string, grpc.ServerWritableStream<WatchTasksRequest, WireTask>>();
  private readonly delivering = new Set<string>();
  private readonly redeliver = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  private constructor(server: grpc.Server, address: string, options: SchedulerServerOptions) {
    this.server = server;
    this.address = address;
    this.options = options;
    this.service = options.service;
    this.startedAt = Date.now();
  }

  /** Binds, starts serving, subscribes to task notifications and starts the sweep. */
  static async start(options: SchedulerServerOptions): Promise<SchedulerServer> {
    const { host, port } = parseHostPort(options.listen, '--listen', true);
    const interceptors = options.token !== undefined && options.token !== '' ? [tokenInterceptor(options.token)] : [];
    routeGrpcLogs();
    const server = new grpc.Server({
      interceptors,
      // Detect dead WatchTasks clients.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    });
    const credentials = options.tls === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(
        options.tls.clientCa ?? null,
        [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
        options.tls.clientCa !== undefined,
      );
    const bound = await new Promise<number>((resolve, reject) => {
      server.bindAsync(formatHostPort({ host, port }), credentials, (err, p) => (err ? reject(listenErrorOf(formatHostPort({ host, port }), err)) : resolve(p)));
    });
    const self = new SchedulerServer(server, formatHostPort({ host, port: bound }), options);
    server.addService(schedulerServiceClient().service, self.handlers());
    self.unsubscribe = await options.service.store.onTask((hostId) => void self.deliver(hostId));
    const every = options.sweepIntervalMs ?? Math.max(250, Math.floor(options.service.config.keepaliveIntervalMs / 2));
    self.sweepTimer = setInterval(() => void self.housekeeping(), every);
    self.sweepTimer.unref();
    log.info({
      address: self.address,
      store: options.service.store.kind,
      tls: options.tls === undefined ? 'off' : options.tls.clientCa === undefined ? 'tls' : 'mtls',
      auth: interceptors.length > 0 ? 'token' : 'none',
      schedulerId: options.service.schedulerId,
    }, 'scheduler listening');
    return self;
  }

  /** Ends task streams, waits up to graceMs for calls in flight, then closes every connection. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.unsubscribe?.();
    for (const call of this.watchers.values()) call.end();
    this.watchers.clear();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    log.info({ address: this.address }, 'scheduler stopped');
  }

  private handlers(): grpc.UntypedServiceImplementation {
    const s = this.service;
    const m = this.options.metrics;
    return {
      RegisterPeer: this.unary('RegisterPeer', async (req: RegisterPeerRequest): Promise<RegisterPeerResponse> => {
        const answer = await s.register({
          hostId: req.hostId,
          peerUrl: req.peerUrl,
          labels: req.labels ?? {},
          uploadCapacity: req.uploadCapacity,
          isSeed: req.isSeed,
        });
        m?.registrations.inc();
        log.info({ hostId: req.hostId, peerUrl: req.peerUrl, labels: req.labels, seed: req.isSeed, epoch: answer.epoch }, 'peer registered');
        return { ...answer, schedulerId: s.schedulerId };
      }),
      Heartbeat: this.unary('Heartbeat', async (req: HeartbeatRequest): Promise<HeartbeatResponse> => {
        const answer = await s.heartbeat(req.hostId, { currentUploads: req.currentUploads, uploadBytes: req.uploadBytes });
        return { keepaliveIntervalMs: answer.keepaliveIntervalMs, peerTtlMs: answer.peerTtlMs, excludedUntilUnixMs: answer.excludedUntil };
      }),
      UnregisterPeer: this.unary('UnregisterPeer', async (req: UnregisterPeerRequest) => {
        if (await s.unregister(req.hostId)) log.info({ hostId: req.hostId }, 'peer unregistered');
        return {};
      }),
      Announce: this.unary('Announce', async (req: AnnounceRequest) => {
        await s.announce(req.hostId, req.added ?? [], req.removed ?? []);
        return {};
      }),
      Resolve: this.unary('Resolve', async (req: ResolveRequest): Promise<ResolveResponse> => {
        const groups = await s.resolve({
          hostId: req.hostId,
          blobId: req.blobId,
          offsets: req.offsets ?? [],
          maxParents: req.maxParents,
          exclude: req.excludeHostIds ?? [],
          busy: req.busyHostIds ?? [],
        });
        m?.observeResolve(groups);
        log.debug({ hostId: req.hostId, blobId: req.blobId, chunks: req.offsets?.length, groups: groups.length }, 'resolve');
        return { blobId: req.blobId, groups: groups.map(groupToWire) };
      }),
      ReportResult: this.unary('ReportResult', async (req: ReportResultRequest) => {
        if (!OUTCOMES.includes(req.outcome as Outcome)) throw new BadRequestError(`outcome ${req.outcome} is not one of ${OUTCOMES.join(', ')}`);
        const outcome = req.outcome as Outcome;
        const history = await s.report({
          hostId: req.hostId,
          parentHostId: req.parentHostId,
          blobId: req.blobId,
          bytes: req.bytes,
          durationMs: req.durationMs,
          outcome,
        });
        m?.reports.inc({ outcome: metricLabel(outcome) });
        if (outcome === 'BAD_DATA') {
          m?.badPeerReports.inc();
          log.warn({ parent: req.parentHostId, reporter: req.hostId, blobId: req.blobId, excludedUntil: new Date(history.badUntil).toISOString() },
            'peer reported for bad data: excluded');
        }
        return {};
      }),
      Preheat: this.unary('Preheat', async (req: PreheatRequest): Promise<PreheatResponse> => {
        const answer = await s.preheat(req.imageRef, req.labels ?? {}, req.digest ?? '');
        m?.preheats.inc();
        log.info({ imageRef: req.imageRef, taskId: answer.taskId, seed: answer.seedHostId }, 'preheat queued');
        return answer;
      }),
      WatchTasks: (call: grpc.ServerWritableStream<WatchTasksRequest, WireTask>) => void this.watch(call),
      ReportTask: this.unary('ReportTask', async (req: ReportTaskRequest) => {
        await s.reportTask(req.hostId, req.taskId, req.imageRef, req.ok, req.reason);
        log.info({ taskId: req.taskId, hostId: req.hostId, ok: req.ok, reason: req.reason }, 'task outcome reported');
        return {};
      }),
      GetTask: this.unary('GetTask', async (req: GetTaskRequest): Promise<GetTaskResponse> => {
        const t = await s.taskStatus(req.taskId);
        if (t === undefined) return { taskId: req.taskId, state: 'TASK_UNKNOWN', hostId: '', imageRef: '', reason: '', updatedUnixMs: 0 };
        return { taskId: t.taskId, state: `TASK_${t.state}`, hostId: t.hostId, imageRef: t.imageRef, reason: t.reason, updatedUnixMs: t.updatedAt };
      }),
      Status: this.unary('Status', async (): Promise<StatusResponse> => {
        const counts = await s.counts();
        return {
          schedulerId: s.schedulerId,
          version: VERSION,
          store: s.store.kind,
          peers: counts.peers,
          seeds: counts.seeds,
          uptimeMs: Date.now() - this.startedAt,
        };
      }),
      ListTasks: this.unary('ListTasks', async (): Promise<ListTasksResponse> => ({
        tasks: (await s.listTasks()).map((t) => ({
          taskId: t.taskId,
          kind: t.kind,
          imageRef: t.imageRef,
          state: `TASK_${t.state}`,
          hostId: t.hostId,
          reason: t.reason,
          createdUnixMs: t.createdAt,
          updatedUnixMs: t.updatedAt,
        })),
      })),
      ListPeers: this.unary('ListPeers', async (): Promise<ListPeersResponse> => {
        const peers = await s.listPeers();
        return {
          peers: peers.map((p) => ({
            hostId: p.hostId,
            peerUrl: p.peerUrl,
            labels: p.labels,
            uploadCapacity: p.uploadCapacity,
            isSeed: p.isSeed,
            currentUploads: p.currentUploads,
            uploadBytes: p.uploadBytes,
            assigned: p.assigned,
            registeredUnixMs: p.registeredAt,
            lastSeenUnixMs: p.lastSeen,
            success: p.success,
            throughput: p.throughput,
            excludedUntilUnixMs: p.badUntil,
            chunks: p.chunks,
            epoch: p.epoch,
          })),
        };
      }),
    };
  }

  private unary<Req, Res>(method: string, fn: (req: Req) => Promise<Res>): UnaryHandler<Req, Res> {
    return (call, callback) => {
      fn(call.request).then(
        (res) => callback(null, res),
        (err: unknown) => callback(this.toStatus(method, err)),
      );
    };
  }

  private toStatus(method: string, err: unknown): Partial<grpc.StatusObject> {
    const code = statusOf(err);
    this.options.metrics?.rpcErrors.inc({ method: metricLabel(method), code: metricLabel(grpc.status[code] ?? String(code)) });
    const details = err instanceof Error ? err.message : String(err);
    if (code === grpc.status.INTERNAL) log.error({ method, err }, 'scheduler call failed');
    else if (code === grpc.status.UNAVAILABLE) log.warn({ method, err: details }, 'scheduler store unavailable');
    else log.debug({ method, code: grpc.status[code], details }, 'scheduler call refused');
    return { code, details };
  }

  private async watch(call: grpc.ServerWritableStream<WatchTasksRequest, WireTask>): Promise<void> {
    const hostId = call.request.hostId;
    try {
      await this.service.requirePeer(hostId);
    } catch (err) {
      call.emit('error', this.toStatus('WatchTasks', err));
      return;
    }
    const previous = this.watchers.get(hostId);
    this.watchers.set(hostId, call);
    if (previous !== undefined && previous !== call) previous.end();
    call.on('cancelled', () => {
      if (this.watchers.get(hostId) === call) this.watchers.delete(hostId);
    });
    log.info({ hostId }, 'task watch started');
    await this.deliver(hostId);
  }

  /** Sends the host's queued tasks to its watch stream, one delivery at a time per host. */
  private async deliver(hostId: string): Promise<void> {
    if (this.watchers.get(hostId) === undefined || this.stopped) return;
    if (this.delivering.has(hostId)) {
      this.redeliver.add(hostId);
      return;
    }
    this.delivering.add(hostId);
    try {
      do {
        this.redeliver.delete(hostId);
        const tasks = await this.service.takeTasks(hostId);
        const call = this.watchers.get(hostId);
        if (call === undefined || call.cancelled || this.stopped) {
          // The watcher left while we took them: queue them again for the next one.
          for (const task of tasks) await this.requeue(hostId, task);
          return;
        }
        for (const task of tasks) {
          call.write(taskToWire(task));
          log.info({ hostId, taskId: task.taskId, imageRef: task.imageRef }, 'task delivered');
        }
      } while (this.redeliver.has(hostId));
    } catch (err) {
      log.warn({ hostId, err: (err as Error).message }, 'task delivery failed; will retry');
    } finally {
      this.delivering.delete(hostId);
    }
  }

  private async requeue(hostId: string, task: Task): Promise<void> {
    const now = this.service.now();
    await this.service.store.pushTask(hostId, task, this.service.config.taskTtlMs, now);
  }

  private async housekeeping(): Promise<void> {
    try {
      const expired = await this.service.sweep();
      if (expired.length > 0) {
        this.options.metrics?.expiredPeers.inc(expired.length);
        log.info({ hostIds: expired }, 'peers expired');
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'expiry sweep failed');
    }
    // Notifications can be lost while Redis reconnects: poll the queues of local watchers too.
    for (const hostId of this.watchers.keys()) void this.deliver(hostId);
  }
}

function statusOf(err: unknown): grpc.status {
  if (err instanceof PeerNotRegisteredError) return grpc.status.NOT_FOUND;
  if (err instanceof BadRequestError) return grpc.status.INVALID_ARGUMENT;
  if (err instanceof NoSeedPeerError) return grpc.status.FAILED_PRECONDITION;
  if (err instanceof StoreUnavailableError) return grpc.status.UNAVAILABLE;
  if (err instanceof DarnerError && err.code === 'USAGE') return grpc.status.INVALID_ARGUMENT;
  return grpc.status.INTERNAL;
}

function taskToWire(t: Task): WireTask {
  return { taskId: t.taskId, kind: t.kind, imageRef: t.imageRef, createdUnixMs: t.createdAt, digest: t.digest ?? '' };
}

/** Refuses calls without `authorization: Bearer <token>` (constant-time comparison). */
function tokenInterceptor(token: string): grpc.ServerInterceptor {
  const expected = createHash('sha256').update(token).digest();
  const accepted = (metadata: grpc.Metadata): boolean => {
    const values = metadata.get('authorization');
    if (values.length !== 1) return false;
    const m = /^Bearer (.+)$/.exec(String(values[0]));
    if (m === null) return false;
    return timingSafeEqual(createHash('sha256').update(m[1]!).digest(), expected);
  };
  return (_method, call) => {
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        if (accepted(metadata)) {
          next(metadata);
        } else {
          log.warn({ peer: call.getPeer() }, 'call refused: missing or wrong token');
          call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong scheduler token' });
        }
      })
      .build();
    return new grpc.ServerInterceptingCall(call, new grpc.ResponderBuilder().withStart((next) => next(listener)).build());
  };
}

/** darner's version, from the package.json next to the proto directory. */
const VERSION: string = (() => {
  try {
    const root = dirname(dirname(dirname(dirname(dirname(schedulerProtoPath())))));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();
