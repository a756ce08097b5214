/**
 * The transport to the P2P scheduler: one gRPC client per scheduler address, the shared-token
 * metadata, TLS credentials, deadlines, and the translation of gRPC failures into SchedulerError.
 * Also SchedulerAdmin, the one-shot operator calls (`darner preheat`). The daemon uses
 * SchedulerClient (./scheduler-client.ts), which is built on this.
 */
import * as grpc from '@grpc/grpc-js';
import { SchedulerError } from '../errors.js';
import { grpcErrorText } from '../util/grpc-text.js';
import {
  schedulerServiceClient,
  type ListPeersResponse,
  type ListTasksResponse,
  type GetTaskResponse,
  type PreheatResponse,
  type StatusResponse,
  type WirePeerInfo,
  type WireTaskInfo,
  type WireTask,
} from './proto.js';

export interface SchedulerTls {
  /** PEM CA bundle that signed the scheduler's certificate (default: the system roots). */
  ca?: Buffer;
  /** PEM client certificate and key, for a scheduler that requires mTLS. */
  cert?: Buffer;
  key?: Buffer;
  /** Name to verify in the scheduler's certificate when it differs from the address's host. */
  serverName?: string;
}

/** How to reach the scheduler: shared by SchedulerClient and SchedulerAdmin. */
export interface SchedulerConnectionOptions {
  /** host:port of each scheduler replica, in failover order (at least one). */
  addresses: string[];
  /** Shared token (sent as `authorization: Bearer <token>`). */
  token?: string;
  /** TLS towards the scheduler; plaintext when absent. */
  tls?: SchedulerTls;
  /** Deadline of control calls: register, heartbeat, announce, report, admin calls. Default 2000. */
  callTimeoutMs?: number;
}

/** What the scheduler's Status call answers (the wire message as it is). */
export type SchedulerStatus = StatusResponse;

export type PeerInfo = WirePeerInfo;
export type TaskInfo = WireTaskInfo;

// ---- the transport: one gRPC client per address, auth and deadlines ----

type Callback<Res> = (err: grpc.ServiceError | null, res?: Res) => void;
type UnaryMethod = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<unknown>) => grpc.ClientUnaryCall;

/** One gRPC client per scheduler address, with auth metadata and deadlines. */
export class SchedulerRpc {
  readonly addresses: string[];
  private readonly clients: grpc.Client[];
  private readonly token: string | undefined;

  constructor(options: SchedulerConnectionOptions) {
    if (options.addresses.length === 0) throw new SchedulerError('SCHEDULER_ERROR', grpc.status.INVALID_ARGUMENT, 'no scheduler address given');
    this.addresses = [...options.addresses];
    this.token = options.token;
    const Client = schedulerServiceClient();
    const channelOptions: grpc.ChannelOptions = {
      // Reconnect quickly once a scheduler comes back (grpc's default backoff grows to 120 s).
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
      // Notice a dead scheduler under an idle WatchTasks stream.
      'grpc.keepalive_time_ms': 15_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      ...(options.tls?.serverName !== undefined ? { 'grpc.ssl_target_name_override': options.tls.serverName } : {}),
    };
    const credentials = options.tls === undefined
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(options.tls.ca ?? null, options.tls.key ?? null, options.tls.cert ?? null);
    this.clients = this.addresses.map((a) => new Client(a, credentials, channelOptions));
  }

  metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token !== undefined && this.token !== '') md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  call<Res>(index: number, method: string, request: unknown, timeoutMs: number, signal?: AbortSignal): Promise<Res> {
    const client = this.clients[index % this.clients.length]!;
    const fn = (client as unknown as Record<string, UnaryMethod>)[method]!;
    return new Promise<Res>((resolve, reject) => {
      if (signal?.aborted) {
        reject(toSchedulerError(method, this.addresses[index]!, { code: grpc.status.CANCELLED, details: 'aborted' }));
        return;
      }
      const call = fn.call(client, request, this.metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(toSchedulerError(method, this.addresses[index]!, err));
        else resolve(res as Res);
      });
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  watchTasks(index: number, hostId: string): grpc.ClientReadableStream<WireTask> {
    const client = this.clients[index % this.clients.length] as unknown as {
      WatchTasks(req: unknown, md: grpc.Metadata): grpc.ClientReadableStream<WireTask>;
    };
    return client.WatchTasks({ hostId }, this.metadata());
  }

  /** Tries each address in turn (starting at `from`) until one answers; admin calls. */
  async callAny<Res>(method: string, request: unknown, timeoutMs: number, from = 0): Promise<Res> {
    let last: unknown;
    for (let i = 0; i < this.clients.length; i++) {
      try {
        return await this.call<Res>((from + i) % this.clients.length, method, request, timeoutMs);
      } catch (err) {
        last = err;
        if (!(err instanceof SchedulerError) || err.code !== 'SCHEDULER_UNAVAILABLE') throw err;
      }
    }
    throw last;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

export function toSchedulerError(method: string, address: string, err: { code?: number; details?: string; message?: string }): SchedulerError {
  const code = err.code ?? grpc.status.UNKNOWN;
  const text = `scheduler ${address} ${method}: ${grpcErrorText(err, grpc.status[code])}`;
  switch (code) {
    case grpc.status.UNAVAILABLE:
    case grpc.status.DEADLINE_EXCEEDED:
    case grpc.status.CANCELLED:
      return new SchedulerError('SCHEDULER_UNAVAILABLE', code, text);
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED:
      return new SchedulerError('SCHEDULER_UNAUTHENTICATED', code, text);
    case grpc.status.NOT_FOUND:
      return new SchedulerError('PEER_NOT_REGISTERED', code, text);
    case grpc.status.INVALID_ARGUMENT:
      return new SchedulerError('BAD_REQUEST', code, text);
    case grpc.status.FAILED_PRECONDITION:
      return new SchedulerError('NO_SEED_PEER', code, text);
    default:
      return new SchedulerError('SCHEDULER_ERROR', code, text);
  }
}

export function errorCode(err: unknown): string {
  return err instanceof SchedulerError ? err.code : 'SCHEDULER_ERROR';
}

// ---- one-shot calls for operators (darner preheat) ----

/** Operator calls with failover across addresses; each rejects with SchedulerError. */
export class SchedulerAdmin {
  private readonly rpc: SchedulerRpc;
  private readonly timeoutMs: number;

  constructor(options: SchedulerConnectionOptions) {
    this.rpc = new SchedulerRpc(options);
    this.timeoutMs = options.callTimeoutMs ?? 2000;
  }

  /** Queues a preheat of `imageRef` on a seed peer (preferring `labels` locality). */
  async preheat(imageRef: string, labels: Record<string, string> = {}, digest = ''): Promise<{ taskId: string; seedHostId: string }> {
    const res = await this.rpc.callAny<PreheatResponse>('Preheat', { imageRef, labels, digest }, this.timeoutMs);
    return { taskId: res.taskId, seedHostId: res.seedHostId };
  }

  /** Where a task stands (TASK_UNKNOWN when the scheduler does not know it). */
  async task(taskId: string): Promise<GetTaskResponse> {
    return this.rpc.callAny<GetTaskResponse>('GetTask', { taskId }, this.timeoutMs);
  }

  async status(): Promise<SchedulerStatus> {
    return this.rpc.callAny<StatusResponse>('Status', {}, this.timeoutMs);
  }

  async listPeers(): Promise<PeerInfo[]> {
    return (await this.rpc.callAny<ListPeersResponse>('ListPeers', {}, this.timeoutMs)).peers;
  }

  /** The tasks the scheduler still knows, most recently changed first. */
  async listTasks(): Promise<TaskInfo[]> {
    return (await this.rpc.callAny<ListTasksResponse>('ListTasks', {}, this.timeoutMs)).tasks;
  }

  close(): void {
    this.rpc.close();
  }
}
