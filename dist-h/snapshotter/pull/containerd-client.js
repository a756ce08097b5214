import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { grpcErrorText } from '../../src/util/grpc-text.js';
import { AlreadyExistsError, ContainerdError, FailedPreconditionError, InvalidArgumentError, NotFoundError, } from '../../src/errors.js';
import { LOADER_OPTIONS } from '../proto.js';
/**
 * A small typed client for the containerd APIs that a pull needs: leases, content, images,
 * snapshots and diff (containerd.services.*.v1 over gRPC on containerd's unix socket), with
 * the namespace (`containerd-namespace`) and, once a lease is taken, the lease
 * (`containerd-lease`) sent as metadata on every call, as containerd's Go client does.
 *
 * Errors are translated here and nowhere else: NOT_FOUND → NotFoundError, ALREADY_EXISTS →
 * AlreadyExistsError, FAILED_PRECONDITION → FailedPreconditionError, INVALID_ARGUMENT →
 * InvalidArgumentError, anything else → ContainerdError (with the gRPC code).
 */
const PROTOS = [
    'containerd/services/content/v1/content.proto',
    'containerd/services/images/v1/images.proto',
    'containerd/services/leases/v1/leases.proto',
    'containerd/services/diff/v1/diff.proto',
    'containerd/services/snapshots/v1/snapshots.proto',
];
/** containerd's default gRPC message limit. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
let definitions;
/**
 * Parses containerd's API definitions now rather than at the first pull: a service that pulls
 * (the snapshotter's pull RPC) calls it once started, so that a pull's first registry request
 * does not wait behind a synchronous parse of the protos (hundreds of ms on a cold process).
 */
export function loadContainerdApi() {
    serviceConstructors();
}
function serviceConstructors() {
    if (!definitions) {
        const pkg = protoLoader.loadSync(PROTOS, LOADER_OPTIONS);
        const make = (name) => grpc.makeGenericClientConstructor(pkg[name], name);
        definitions = {
            content: make('containerd.services.content.v1.Content'),
            images: make('containerd.services.images.v1.Images'),
            leases: make('containerd.services.leases.v1.Leases'),
            diff: make('containerd.services.diff.v1.Diff'),
            snapshots: make('containerd.services.snapshots.v1.Snapshots'),
        };
    }
    return definitions;
}
/** `unix:///run/x.sock`, `unix:/run/x.sock` and `/run/x.sock` all name the socket /run/x.sock. */
export function containerdTarget(address) {
    if (address.startsWith('unix://'))
        return `unix:${address.slice('unix://'.length)}`;
    if (address.startsWith('unix:'))
        return address;
    return `unix:${address}`;
}
export class ContainerdClient {
    namespace;
    lease;
    services;
    callTimeoutMs;
    owner;
    constructor(services, namespace, lease, callTimeoutMs, owner) {
        this.services = services;
        this.namespace = namespace;
        this.lease = lease;
        this.callTimeoutMs = callTimeoutMs;
        this.owner = owner;
    }
    /** Opens one channel to containerd; nothing is sent until the first call. */
    static connect(options) {
        const ctors = serviceConstructors();
        const target = containerdTarget(options.address);
        const channelOptions = {
            'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
            'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
        };
        const first = new ctors.content(target, grpc.credentials.createInsecure(), channelOptions);
        const share = (ctor) => new ctor(target, grpc.credentials.createInsecure(), {
            ...channelOptions,
            channelOverride: first.getChannel(),
        });
        const services = {
            content: first,
            images: share(ctors.images),
            leases: share(ctors.leases),
            diff: share(ctors.diff),
            snapshots: share(ctors.snapshots),
        };
        return new ContainerdClient(services, options.namespace, undefined, options.callTimeoutMs ?? 5 * 60_000, true);
    }
    /** The same connection, in namespace `namespace` (no lease). */
    inNamespace(namespace) {
        return new ContainerdClient(this.services, namespace, undefined, this.callTimeoutMs, false);
    }
    /** The same connection, sending `containerd-lease: <id>` on every call. */
    withLease(id) {
        return new ContainerdClient(this.services, this.namespace, id, this.callTimeoutMs, false);
    }
    /** Closes the channel (only the client made by connect owns it). */
    close() {
        if (!this.owner)
            return;
        for (const client of Object.values(this.services))
            client.close();
    }
    // ---- leases ---------------------------------------------------------------------------------
    async createLease(labels, id = '') {
        const res = await this.unary('leases', 'Create', { id, labels });
        return res.lease.id;
    }
    async deleteLease(id, sync = false) {
        await this.unary('leases', 'Delete', { id, sync });
    }
    // ---- content --------------------------------------------------------------------------------
    async contentInfo(digest) {
        const res = await this.unary('content', 'Info', { digest });
        return { digest: res.info.digest, size: res.info.size, labels: res.info.labels ?? {} };
    }
    /** Sets (or, with an empty value, deletes) the given labels of a blob; other labels stay. */
    async updateContentLabels(digest, labels) {
        const paths = Object.keys(labels).map((k) => `labels.${k}`);
        const res = await this.unary('content', 'Update', {
            info: { digest, labels },
            updateMask: { paths },
        });
        return { digest: res.info.digest, size: res.info.size, labels: res.info.labels ?? {} };
    }
    async abortIngest(ref) {
        await this.unary('content', 'Abort', { ref });
    }
    /**
     * The bytes of a blob in containerd's content store (Content/Read); rejects with what the call
     * fails with, or a ContainerdError when the blob holds more than `maxBytes` (the read is then
     * cancelled) or the call outlives `timeoutMs`.
     */
    readContent(digest, maxBytes, timeoutMs = this.callTimeoutMs) {
        const client = this.services.content;
        return new Promise((resolve, reject) => {
            const call = client.Read({ digest, offset: 0, size: 0 }, this.metadata(), { deadline: Date.now() + timeoutMs });
            const parts = [];
            let total = 0;
            let failed = false;
            call.on('data', (res) => {
                if (failed || res.data === undefined)
                    return;
                total += res.data.length;
                if (total > maxBytes) {
                    failed = true;
                    call.cancel();
                    reject(new ContainerdError('CONTAINERD_ERROR', grpc.status.OUT_OF_RANGE, `containerd content read ${digest}: more than ${maxBytes} bytes`));
                    return;
                }
                parts.push(res.data);
            });
            call.on('error', (err) => {
                if (failed)
                    return;
                failed = true;
                reject(translate(err, 'content read'));
            });
            call.on('end', () => {
                if (!failed)
                    resolve(Buffer.concat(parts, total));
            });
        });
    }
    /** Opens a Content/Write stream for one ingest. */
    openWrite() {
        const client = this.services.content;
        const call = client.Write(this.metadata(), {});
        let failure;
        let waiting;
        call.on('data', (res) => {
            const w = waiting;
            waiting = undefined;
            w?.resolve(res);
        });
        call.on('error', (err) => {
            failure = translate(err, 'content write');
            const w = waiting;
            waiting = undefined;
            w?.reject(failure);
        });
        call.on('end', () => {
            if (failure === undefined)
                failure = new ContainerdError('CONTAINERD_ERROR', grpc.status.UNKNOWN, 'content write stream ended early');
            const w = waiting;
            waiting = undefined;
            w?.reject(failure);
        });
        return {
            send: (request) => new Promise((resolve, reject) => {
                if (failure !== undefined) {
                    reject(failure);
                    return;
                }
                waiting = { resolve, reject };
                call.write({ ...request, data: request.data ?? Buffer.alloc(0) });
            }),
            close: () => {
                call.end();
                call.cancel();
            },
        };
    }
    // ---- images ---------------------------------------------------------------------------------
    async getImage(name) {
        const res = await this.unary('images', 'Get', { name });
        return res.image;
    }
    async createImage(image) {
        const res = await this.unary('images', 'Create', { image: { labels: {}, ...image } });
        return res.image;
    }
    /** Replaces every field of the named image (an empty update mask). */
    async updateImage(image) {
        const res = await this.unary('images', 'Update', { image: { labels: {}, ...image }, updateMask: { paths: [] } });
        return res.image;
    }
    async deleteImage(name, sync = false) {
        await this.unary('images', 'Delete', { name, sync });
    }
    // ---- snapshots ------------------------------------------------------------------------------
    async statSnapshot(snapshotter, key) {
        const res = await this.unary('snapshots', 'Stat', { snapshotter, key });
        return res.info;
    }
    async prepareSnapshot(snapshotter, key, parent, labels) {
        const res = await this.unary('snapshots', 'Prepare', { snapshotter, key, parent, labels });
        return res.mounts;
    }
    async commitSnapshot(snapshotter, name, key, labels) {
        await this.unary('snapshots', 'Commit', { snapshotter, name, key, labels });
    }
    async removeSnapshot(snapshotter, key) {
        await this.unary('snapshots', 'Remove', { snapshotter, key });
    }
    // ---- diff -----------------------------------------------------------------------------------
    /** Unpacks the layer `diff` (read from the content store) onto `mounts`; returns the applied (uncompressed) descriptor. */
    async applyDiff(diff, mounts) {
        const res = await this.unary('diff', 'Apply', { diff, mounts, payloads: {} });
        return res.applied;
    }
    // ---- plumbing -------------------------------------------------------------------------------
    metadata() {
        const md = new grpc.Metadata();
        md.set('containerd-namespace', this.namespace);
        if (this.lease !== undefined)
            md.set('containerd-lease', this.lease);
        return md;
    }
    unary(service, method, request) {
        const client = this.services[service];
        const fn = client[method];
        if (!fn)
            throw new Error(`no method ${service}.${method}`);
        return new Promise((resolve, reject) => {
            fn.call(client, request, this.metadata(), { deadline: Date.now() + this.callTimeoutMs }, (err, res) => {
                if (err)
                    reject(translate(err, `${service}.${method}`));
                else
                    resolve(res);
            });
        });
    }
}
/** gRPC status → darner error, keeping containerd's message. */
export function translate(err, what) {
    const message = `containerd ${what}: ${grpcErrorText(err)}`;
    switch (err.code) {
        case grpc.status.NOT_FOUND:
            return new NotFoundError(message);
        case grpc.status.ALREADY_EXISTS:
            return new AlreadyExistsError(message);
        case grpc.status.FAILED_PRECONDITION:
            return new FailedPreconditionError(message);
        case grpc.status.INVALID_ARGUMENT:
            return new InvalidArgumentError(message);
        case grpc.status.UNAVAILABLE:
            return new ContainerdError('CONTAINERD_UNAVAILABLE', err.code, message, { cause: err });
        default:
            return new ContainerdError('CONTAINERD_ERROR', err.code, message, { cause: err });
    }
}
//# sourceMappingURL=containerd-client.js.map