/**
 * The transport to the P2P scheduler: one gRPC client per scheduler address, the shared-token
 * metadata, TLS credentials, deadlines, and the translation of gRPC failures into SchedulerError.
 * Also SchedulerAdmin, the one-shot operator calls (`darner preheat`). The daemon uses
 * SchedulerClient (./scheduler-client.ts), which is built on this.
 */
import * as grpc from '@grpc/grpc-js';
import { SchedulerError } from '../errors.js';
import { grpcErrorText } from '../util/grpc-text.js';
import { schedulerServiceClient, } from './proto.js';
/** One gRPC client per scheduler address, with auth metadata and deadlines. */
export class SchedulerRpc {
    addresses;
    clients;
    token;
    constructor(options) {
        if (options.addresses.length === 0)
            throw new SchedulerError('SCHEDULER_ERROR', grpc.status.INVALID_ARGUMENT, 'no scheduler address given');
        this.addresses = [...options.addresses];
        this.token = options.token;
        const Client = schedulerServiceClient();
        const channelOptions = {
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
    metadata() {
        const md = new grpc.Metadata();
        if (this.token !== undefined && this.token !== '')
            md.set('authorization', `Bearer ${this.token}`);
        return md;
    }
    call(index, method, request, timeoutMs, signal) {
        const client = this.clients[index % this.clients.length];
        const fn = client[method];
        return new Promise((resolve, reject) => {
            if (signal?.aborted) {
                reject(toSchedulerError(method, this.addresses[index], { code: grpc.status.CANCELLED, details: 'aborted' }));
                return;
            }
            const call = fn.call(client, request, this.metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
                signal?.removeEventListener('abort', onAbort);
                if (err)
                    reject(toSchedulerError(method, this.addresses[index], err));
                else
                    resolve(res);
            });
            const onAbort = () => call.cancel();
            signal?.addEventListener('abort', onAbort, { once: true });
        });
    }
    watchTasks(index, hostId) {
        const client = this.clients[index % this.clients.length];
        return client.WatchTasks({ hostId }, this.metadata());
    }
    /** Tries each address in turn (starting at `from`) until one answers; admin calls. */
    async callAny(method, request, timeoutMs, from = 0) {
        let last;
        for (let i = 0; i < this.clients.length; i++) {
            try {
                return await this.call((from + i) % this.clients.length, method, request, timeoutMs);
            }
            catch (err) {
                last = err;
                if (!(err instanceof SchedulerError) || err.code !== 'SCHEDULER_UNAVAILABLE')
                    throw err;
            }
        }
        throw last;
    }
    close() {
        for (const c of this.clients)
            c.close();
    }
}
export function toSchedulerError(method, address, err) {
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
export function errorCode(err) {
    return err instanceof SchedulerError ? err.code : 'SCHEDULER_ERROR';
}
// ---- one-shot calls for operators (darner preheat) ----
/** Operator calls with failover across addresses; each rejects with SchedulerError. */
export class SchedulerAdmin {
    rpc;
    timeoutMs;
    constructor(options) {
        this.rpc = new SchedulerRpc(options);
        this.timeoutMs = options.callTimeoutMs ?? 2000;
    }
    /** Queues a preheat of `imageRef` on a seed peer (preferring `labels` locality). */
    async preheat(imageRef, labels = {}, digest = '') {
        const res = await this.rpc.callAny('Preheat', { imageRef, labels, digest }, this.timeoutMs);
        return { taskId: res.taskId, seedHostId: res.seedHostId };
    }
    /** Where a task stands (TASK_UNKNOWN when the scheduler does not know it). */
    async task(taskId) {
        return this.rpc.callAny('GetTask', { taskId }, this.timeoutMs);
    }
    async status() {
        return this.rpc.callAny('Status', {}, this.timeoutMs);
    }
    async listPeers() {
        return (await this.rpc.callAny('ListPeers', {}, this.timeoutMs)).peers;
    }
    /** The tasks the scheduler still knows, most recently changed first. */
    async listTasks() {
        return (await this.rpc.callAny('ListTasks', {}, this.timeoutMs)).tasks;
    }
    close() {
        this.rpc.close();
    }
}
//# sourceMappingURL=scheduler-rpc.js.map