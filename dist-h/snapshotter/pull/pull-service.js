import * as grpc from '@grpc/grpc-js';
import { BadRequestError, DarnerError } from '../../src/errors.js';
import { log as rootLog } from '../../src/log.js';
import { loadContainerdApi } from './containerd-client.js';
import { pullImage } from './pull.js';
import { CODE_TRAILER, MAX_PULL_MESSAGE, PULL_PATH, parsePullCall } from './pull-wire.js';
const json = {
    serialize: (value) => Buffer.from(JSON.stringify(value)),
    deserialize: (bytes) => {
        if (bytes.length > MAX_PULL_MESSAGE)
            return { invalid: `a request of ${bytes.length} bytes is too large` };
        try {
            return JSON.parse(bytes.toString('utf8'));
        }
        catch {
            return { invalid: 'the request is not JSON' };
        }
    },
};
export function pullServiceDefinition() {
    return {
        Pull: {
            path: PULL_PATH,
            requestStream: false,
            responseStream: true,
            requestSerialize: json.serialize,
            requestDeserialize: json.deserialize,
            responseSerialize: json.serialize,
            responseDeserialize: json.deserialize,
        },
    };
}
export function pullServiceImplementation(options = {}) {
    const log = (options.logger ?? rootLog).child({ component: 'pull-service' });
    // Off the first pull's critical path (a failure here fails that pull with the same error).
    setImmediate(() => {
        try {
            loadContainerdApi();
        }
        catch (err) {
            log.warn({ err }, "cannot load containerd's API definitions");
        }
    });
    const pull = (call) => {
        const fail = (err) => {
            const metadata = new grpc.Metadata();
            metadata.set(CODE_TRAILER, err instanceof DarnerError ? err.code : 'INTERNAL');
            const code = err instanceof BadRequestError ? grpc.status.INVALID_ARGUMENT : grpc.status.UNKNOWN;
            const details = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
            call.emit('error', { code, details, metadata });
        };
        let pullOptions;
        let reference;
        try {
            const request = call.request;
            if (typeof request === 'object' && request !== null && typeof request.invalid === 'string')
                throw new BadRequestError(request.invalid);
            const req = parsePullCall(request);
            reference = req.reference;
            pullOptions = {
                address: req.address,
                namespace: req.namespace,
                snapshotter: req.snapshotter,
                ...(req.platform !== undefined ? { platform: req.platform } : {}),
                registry: {
                    ...(req.plainHttp ? { plainHttp: true } : {}),
                    ...(req.credentials ? { username: req.credentials.username, password: req.credentials.password } : {}),
                    ...(options.dockerConfigPath !== undefined ? { dockerConfigPath: options.dockerConfigPath } : {}),
                },
                onEvent: (event) => call.write({ event }),
            };
            const images = options.images;
            if (images)
                pullOptions.onManifest = (m) => images.remember(m.registry, m.repository, m.bytes, m.tag);
        }
        catch (err) {
            fail(err);
            return;
        }
        log.info({ reference, snapshotter: pullOptions.snapshotter, namespace: pullOptions.namespace }, 'pull');
        pullImage(reference, pullOptions).then((result) => {
            call.write({ result });
            call.end();
            log.info({ reference, layers: result.layers.length, fetchedBytes: result.fetchedBytes }, 'pulled');
        }, (err) => {
            log.warn({ err, reference }, 'pull failed');
            fail(err);
        });
    };
    return { Pull: pull };
}
//# sourceMappingURL=pull-service.js.map