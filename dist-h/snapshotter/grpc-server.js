import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AlreadyExistsError, ConfigError, DarnerError, FailedPreconditionError, InvalidArgumentError, NotFoundError, } from '../src/errors.js';
import { log as rootLog } from '../src/log.js';
import { snapshotsServiceDefinition, } from './proto.js';
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
export class SnapshotServer {
    socketPath;
    server;
    log;
    stopping;
    constructor(server, socketPath, log) {
        this.server = server;
        this.socketPath = socketPath;
        this.log = log;
    }
    /** Serves `snapshotter` on the unix socket; replaces a stale socket file, refuses a live one. */
    static async start(snapshotter, options) {
        const log = (options.logger ?? rootLog).child({ component: 'snapshotter-grpc' });
        const socketPath = socketPathOf(options.address);
        await removeStaleSocket(socketPath);
        fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o711 });
        const server = new grpc.Server({
            'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
            'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
        });
        server.addService(snapshotsServiceDefinition(), serviceImplementation(snapshotter, log, options.metrics));
        for (const service of options.services ?? [])
            server.addService(service.definition, service.implementation);
        await new Promise((resolve, reject) => {
            server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => {
                if (err)
                    reject(new ConfigError(`cannot listen on ${socketPath}: ${err.message}`, { cause: err }));
                else
                    resolve();
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
    stop(graceMs = 10_000) {
        this.stopping ??= new Promise((resolve) => {
            const timer = setTimeout(() => {
                this.log.warn('calls still in flight after the grace period; cancelling them');
                this.server.forceShutdown();
            }, graceMs);
            this.server.tryShutdown(() => {
                clearTimeout(timer);
                try {
                    fs.unlinkSync(this.socketPath);
                }
                catch {
                    // already gone
                }
                resolve();
            });
        });
        return this.stopping;
    }
}
/** `unix:///run/x.sock`, `unix:/run/x.sock` and `/run/x.sock` all name /run/x.sock. */
export function socketPathOf(address) {
    let p = address;
    if (p.startsWith('unix://'))
        p = p.slice('unix://'.length);
    else if (p.startsWith('unix:'))
        p = p.slice('unix:'.length);
    if (p === '')
        throw new ConfigError(`empty socket address: ${address}`);
    return path.resolve(p);
}
async function removeStaleSocket(socketPath) {
    let st;
    try {
        st = fs.lstatSync(socketPath);
    }
    catch {
        return;
    }
    if (!st.isSocket())
        throw new ConfigError(`${socketPath} exists and is not a socket`);
    const live = await new Promise((resolve) => {
        const conn = net.connect(socketPath);
        conn.once('connect', () => {
            conn.destroy();
            resolve(true);
        });
        conn.once('error', () => resolve(false));
    });
    if (live)
        throw new ConfigError(`${socketPath} is in use by a running server`);
    fs.unlinkSync(socketPath);
}
// ---- translation ------------------------------------------------------------------------------
function serviceImplementation(sn, log, metrics) {
    const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;
    const unary = (method, fn) => (call, callback) => {
        const started = process.hrtime.bigint();
        const namespace = call.metadata.get('containerd-namespace')[0];
        Promise.resolve()
            .then(() => fn(call.request))
            .then((res) => {
            log.debug({ method, namespace, ms: msSince(started) }, 'rpc');
            metrics?.observe(method, seconds(started));
            callback(null, res);
        }, (err) => {
            const status = toStatus(err);
            const level = status.code === grpc.status.UNKNOWN ? 'warn' : 'debug';
            log[level]({ method, namespace, code: grpc.status[status.code], details: status.details }, 'rpc failed');
            metrics?.observe(method, seconds(started), grpc.status[status.code] ?? String(status.code));
            callback(status);
        });
    };
    const list = (call) => {
        const started = process.hrtime.bigint();
        const namespace = call.metadata.get('containerd-namespace')[0];
        try {
            const infos = sn.list(call.request.filters ?? []);
            let batch = [];
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
            if (batch.length > 0)
                call.write({ info: batch });
            log.debug({ method: 'List', namespace, count: infos.length }, 'rpc');
            metrics?.observe('List', seconds(started));
            call.end();
        }
        catch (err) {
            const status = toStatus(err);
            log.debug({ method: 'List', namespace, code: grpc.status[status.code], details: status.details }, 'rpc failed');
            metrics?.observe('List', seconds(started), grpc.status[status.code] ?? String(status.code));
            call.emit('error', status);
        }
    };
    return {
        Prepare: unary('Prepare', async (req) => ({
            mounts: (await sn.prepare(req.key, req.parent, req.labels ?? {})).map(toWireMount),
        })),
        View: unary('View', async (req) => ({
            mounts: (await sn.view(req.key, req.parent, req.labels ?? {})).map(toWireMount),
        })),
        Mounts: unary('Mounts', async (req) => ({
            mounts: (await sn.mounts(req.key)).map(toWireMount),
        })),
        Commit: unary('Commit', async (req) => {
            await sn.commit(req.name, req.key, req.labels ?? {});
            return {};
        }),
        Remove: unary('Remove', async (req) => {
            await sn.remove(req.key);
            return {};
        }),
        Stat: unary('Stat', (req) => ({ info: toWireInfo(sn.stat(req.key)) })),
        Update: unary('Update', async (req) => {
            if (!req.info)
                throw new InvalidArgumentError('update without info');
            const info = await sn.update({ name: req.info.name, labels: req.info.labels ?? {} }, req.updateMask?.paths ?? []);
            return { info: toWireInfo(info) };
        }),
        List: list,
        Usage: unary('Usage', (req) => sn.usage(req.key)),
        Cleanup: unary('Cleanup', async () => {
            await sn.cleanup();
            return {};
        }),
    };
}
/** Maps an error to a gRPC status with a one-line message. */
export function toStatus(err) {
    const oneLine = (s) => s.replace(/\s*\n\s*/g, ' ');
    let code = grpc.status.UNKNOWN;
    if (err instanceof NotFoundError)
        code = grpc.status.NOT_FOUND;
    else if (err instanceof AlreadyExistsError)
        code = grpc.status.ALREADY_EXISTS;
    else if (err instanceof FailedPreconditionError)
        code = grpc.status.FAILED_PRECONDITION;
    else if (err instanceof InvalidArgumentError)
        code = grpc.status.INVALID_ARGUMENT;
    const message = err instanceof DarnerError && code === grpc.status.UNKNOWN
        ? `${err.message} [${err.code}]`
        : err instanceof Error
            ? err.message
            : String(err);
    return { code, details: oneLine(message), metadata: new grpc.Metadata() };
}
const WIRE_KIND = { view: 'VIEW', active: 'ACTIVE', committed: 'COMMITTED' };
function toWireTimestamp(time) {
    const seconds = time / 1000000000n;
    return { seconds: Number(seconds), nanos: Number(time - seconds * 1000000000n) };
}
export function toWireInfo(info) {
    return {
        name: info.name,
        parent: info.parent,
        kind: WIRE_KIND[info.kind],
        createdAt: toWireTimestamp(info.created),
        updatedAt: toWireTimestamp(info.updated),
        labels: info.labels,
    };
}
function toWireMount(mount) {
    return { type: mount.type, source: mount.source, target: '', options: mount.options };
}
function labelBytes(info) {
    let n = info.name.length + info.parent.length + 64;
    for (const [k, v] of Object.entries(info.labels))
        n += k.length + v.length + 8;
    return n;
}
function msSince(start) {
    return Number((process.hrtime.bigint() - start) / 1000n) / 1000;
}
//# sourceMappingURL=grpc-server.js.map