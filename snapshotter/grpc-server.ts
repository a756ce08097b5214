import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  ConfigError,
  DarnerError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '../src/errors.js';
import { log as rootLog, type Logger } from '../src/log.js';
import {
  snapshotsServiceDefinition,
  type CommitRequest,
  type InfoResponse,
  type KeyRequest,
  type ListRequest,
  type ListResponse,
  type MountsResponse,
  type PrepareRequest,
  type UpdateRequest,
  type UsageResponse,
  type WireInfo,
  type WireKind,
  type WireMount,
  type WireTimestamp,
} from './proto.js';
import type { SnapshotterMetrics } from './metrics.js';
import type { Snapshotter } from './snapshotter.js';
import type { UnixNanos } from './clock.js';
import type { Kind, Mount, SnapshotInfo } from './types.js';

/**
 * The gRPC edge: containerd.services.snapshots.v1.Snapshots on a unix socket, every RPC a thin
 * translation to the Snapshotter core. Errors become gRPC status codes here and nowhere else:
 * NotFound → NOT_FOUND, AlreadyExists → ALREADY_EXISTS, FailedPrecondition → FAILED_PRECONDITION,
 * InvalidArgument → INVALID_ARGUMENT, anything else → UNKNOWN, with a one-line message.
 *
 * containerd forwards the `containerd-namespace` metadata on client-driven calls; garbage
 * collection calls carry none, so it is only logged, never required.
 */

/** containerd's gRPC message limit for proxy plugins. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** List sends infos in batches: at most this many, or this many bytes of labels, per message. */
const LIST_BATCH_COUNT = 100;
const LIST_BATCH_BYTES = 1024 * 1024;

export interface SnapshotServerOptions {
  /** Socket path, bare or as `unix://PATH`. */
  address: string;
  /** Socket file mode; default 0o660. */
  socketMode?: number;
  /** More services on the same socket (darner's pull RPC). */
  services?: ReadonlyArray<{ definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }>;
  logger?: Logger;
  /** Where each call is counted and timed (none: not measured). */
  metrics?: SnapshotterMetrics;
}

export class SnapshotServer {
  readonly socketPath: string;
  private readonly server: grpc.Server;
  private readonly log: Logger;
  private stopping: Promise<void> | undefined;

  private constructor(server: grpc.Server, socketPath: string, log: Logger) {
    this.server = server;
    this.socketPath = socketPath;
    this.log = log;
  }

  /** Serves `snapshotter` on the unix socket; replaces a stale socket file, refuses a live one. */
  static async start(snapshotter: Snapshotter, options: SnapshotServerOptions): Promise<SnapshotServer> {
    const log = (options.logger ?? rootLog).child({ component: 'snapshotter-grpc' });
    const socketPath = socketPathOf(options.address);
    await removeStaleSocket(socketPath);
    fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o711 });

    const server = new grpc.Server({
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    });
    server.addService(snapshotsServiceDefinition(), serviceImplementation(snapshotter, log, options.metrics));
    for (const service of options.services ?? []) server.addService(service.definition, service.implementation);
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => {
        if (err) reject(new ConfigError(`cannot listen on ${socketPath}: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
    fs.chmodSync(socketPath, options.socketMode ?? 0o660);
    log.info({ address: socketPath }, 'snapshotter listening');
    return new SnapshotServer(server, socketPath, log);
  }

  /**
   * Stops accepting calls and waits for the ones in flight; after `graceMs` the remaining ones
   * are cancelled. Removes the socket file.
   */
  stop(graceMs = 10_000): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn('calls still in flight after the grace period; cancelling them');
        this.server.forceShutdown();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        try {
          fs.unlinkSync(this.socketPath);
        } catch {
          // already gone
        }
        resolve();
      });
    });
    return this.stopping;
  }
}

/** `unix:///run/x.sock`, `unix:/run/x.sock` and `/run/x.sock` all name /run/x.sock. */
export function socketPathOf(address: string): string {
  let p = address;
  if (p.startsWith('unix://')) p = p.slice('unix://'.length);
  else if (p.startsWith('unix:')) p = p.slice('unix:'.length);
  if (p === '') throw new ConfigError(`empty socket address: ${address}`);
  return path.resolve(p);
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new ConfigError(`${socketPath} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const conn = net.connect(socketPath);
    conn.once('connect', () => {
      conn.destroy();
      resolve(true);
    });
    conn.once('error', () => resolve(false));
  });
  if (live) throw new ConfigError(`${socketPath} is in use by a running server`);
  fs.unlinkSync(socketPath);
}

// ---- translation ------------------------------------------------------------------------------

function serviceImplementation(sn: Snapshotter, log: Logger, metrics?: SnapshotterMetrics): grpc.UntypedServiceImplementation {
  const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;
  const unary = <Req, Res>(method: string, fn: (req: Req) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      const started = process.hrtime.bigint();
      const namespace = call.metadata.get('containerd-namespace')[0];
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (res) => {
            log.debug({ method, namespace, ms: msSince(started) }, 'rpc');
            metrics?.observe(method, seconds(started));
            callback(null, res);
          },
          (err: unknown) => {
            const status = toStatus(err);
            const level = status.code === grpc.status.UNKNOWN ? 'warn' : 'debug';
            log[level]({ method, namespace, code: grpc.status[status.code], details: status.details }, 'rpc failed');
            metrics?.observe(method, seconds(started), grpc.status[status.code] ?? String(status.code));
            callback(status);
          },
        );
    };

  const list: grpc.handleServerStreamingCall<ListRequest, ListResponse> = (call) => {
    const started = process.hrtime.bigint();
    const namespace = call.metadata.get('containerd-namespace')[0];
    try {
      const infos = sn.list(call.request.filters ?? []);
      let batch: WireInfo[] = [];
      let bytes = 0;
      for (const info of infos) {
        const wire = toWireInfo(info);
        batch.push(wire);
        bytes += labelBytes(wire);
        if (batch.length >= LIST_BATCH_COUNT || bytes >= LIST_BATCH_BYTES) {
          call.write({ info: batch });
          batch = [];
          bytes = 0;
        }
      }
      if (batch.length > 0) call.write({ info: batch });
      log.debug({ method: 'List', namespace, count: infos.length }, 'rpc');
      metrics?.observe('List', seconds(started));
      call.end();
    } catch (err) {
      const status = toStatus(err);
      log.debug({ method: 'List', namespace, code: grpc.status[status.code], details: status.details }, 'rpc failed');
      metrics?.observe('List', seconds(started), grpc.status[status.code] ?? String(status.code));
      call.emit('error', status);
    }
  };

  return {
    Prepare: unary<PrepareRequest, MountsResponse>('Prepare', async (req) => ({
      mounts: (await sn.prepare(req.key, req.parent, req.labels ?? {})).map(toWireMount),
    })),
    View: unary<PrepareRequest, MountsResponse>('View', async (req) => ({
      mounts: (await sn.view(req.key, req.parent, req.labels ?? {})).map(toWireMount),
    })),
    Mounts: unary<KeyRequest, MountsResponse>('Mounts', async (req) => ({
      mounts: (await sn.mounts(req.key)).map(toWireMount),
    })),
    Commit: unary<CommitRequest, object>('Commit', async (req) => {
      await sn.commit(req.name, req.key, req.labels ?? {});
      return {};
    }),
    Remove: unary<KeyRequest, object>('Remove', async (req) => {
      await sn.remove(req.key);
      return {};
    }),
    Stat: unary<KeyRequest, InfoResponse>('Stat', (req) => ({ info: toWireInfo(sn.stat(req.key)) })),
    Update: unary<UpdateRequest, InfoResponse>('Update', async (req) => {
      if (!req.info) throw new InvalidArgumentError('update without info');
      const info = await sn.update({ name: req.info.name, labels: req.info.labels ?? {} }, req.updateMask?.paths ?? []);
      return { info: toWireInfo(info) };
    }),
    List: list,
    Usage: unary<KeyRequest, UsageResponse>('Usage', (req) => sn.usage(req.key)),
    Cleanup: unary<KeyRequest, object>('Cleanup', async () => {
      await sn.cleanup();
      return {};
    }),
  };
}

/** Maps an error to a gRPC status with a one-line message. */
export function toStatus(err: unknown): Partial<grpc.StatusObject> & { code: grpc.status; details: string } {
  const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');
  let code = grpc.status.UNKNOWN;
  if (err instanceof NotFoundError) code = grpc.status.NOT_FOUND;
  else if (err instanceof AlreadyExistsError) code = grpc.status.ALREADY_EXISTS;
  else if (err instanceof FailedPreconditionError) code = grpc.status.FAILED_PRECONDITION;
  else if (err instanceof InvalidArgumentError) code = grpc.status.INVALID_ARGUMENT;
  const message =
    err instanceof DarnerError && code === grpc.status.UNKNOWN
      ? `${err.message} [${err.code}]`
      : err instanceof Error
        ? err.message
        : String(err);
  return { code, details: oneLine(message), metadata: new grpc.Metadata() };
}

const WIRE_KIND: Record<Kind, WireKind> = { view: 'VIEW', active: 'ACTIVE', committed: 'COMMITTED' };

function toWireTimestamp(time: UnixNanos): WireTimestamp {
  const seconds = time / 1_000_000_000n;
  return { seconds: Number(seconds), nanos: Number(time - seconds * 1_000_000_000n) };
}

export function toWireInfo(info: SnapshotInfo): WireInfo {
  return {
    name: info.name,
    parent: info.parent,
    kind: WIRE_KIND[info.kind],
    createdAt: toWireTimestamp(info.created),
    updatedAt: toWireTimestamp(info.updated),
    labels: info.labels,
  };
}

function toWireMount(mount: Mount): WireMount {
  return { type: mount.type, source: mount.source, target: '', options: mount.options };
}

function labelBytes(info: WireInfo): number {
  let n = info.name.length + info.parent.length + 64;
  for (const [k, v] of Object.entries(info.labels)) n += k.length + v.length + 8;
  return n;
}

function msSince(start: bigint): number {
  return Number((process.hrtime.bigint() - start) / 1000n) / 1000;
}
