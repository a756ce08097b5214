import http2 from 'node:http2';
import net from 'node:net';
import { DarnerError } from '../../src/errors.js';
import { CODE_TRAILER, MessageReader, PULL_PATH, frameMessage } from './pull-wire.js';
/**
 * The `darner pull` side of the pull RPC (pull-wire.ts): sends the request to the snapshotter's
 * socket over node:http2 and streams its events back, so that the pull itself runs in the
 * long-lived snapshotter. Nothing heavy is imported here: the CLI's own start stays short.
 *
 * `undefined` when no snapshotter serving the RPC answers on the socket (none listening, or one
 * that does not know the method); the caller then pulls in its own process. A failure of the pull
 * itself is a DarnerError with the snapshotter's code and message.
 */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EACCES']);
const GRPC_UNIMPLEMENTED = 12;
export async function pullThroughSnapshotter(socket, request, onEvent) {
    const session = await connect(socket);
    if (!session)
        return undefined;
    try {
        return await new Promise((resolve, reject) => {
            const stream = session.request({
                ':method': 'POST',
                ':path': PULL_PATH,
                'content-type': 'application/grpc',
                te: 'trailers',
            });
            const reader = new MessageReader();
            let result;
            let settled = false;
            const finish = (err, value) => {
                if (settled)
                    return;
                settled = true;
                if (err)
                    reject(err);
                else
                    resolve(value);
            };
            const status = (headers) => {
                const code = headers['grpc-status'];
                if (code === undefined)
                    return;
                if (Number(code) === 0) {
                    if (result)
                        finish(undefined, result);
                    else
                        finish(new DarnerError('PULL_FAILED', 'the snapshotter ended the pull without a result'));
                    return;
                }
                if (Number(code) === GRPC_UNIMPLEMENTED) {
                    finish(undefined, undefined);
                    return;
                }
                const message = decodeURIComponent(String(headers['grpc-message'] ?? `pull failed (gRPC status ${String(code)})`));
                finish(new DarnerError(String(headers[CODE_TRAILER] ?? 'PULL_FAILED'), message));
            };
            stream.on('response', status); // a trailers-only answer carries the status in its headers
            stream.on('trailers', status);
            stream.on('data', (chunk) => {
                try {
                    for (const message of reader.push(chunk)) {
                        const m = message;
                        if (m.event)
                            onEvent(m.event);
                        else if (m.result)
                            result = m.result;
                    }
                }
                catch (err) {
                    stream.close(http2.constants.NGHTTP2_CANCEL);
                    finish(err);
                }
            });
            stream.on('error', (err) => finish(new DarnerError('PULL_FAILED', `pull through ${socket}: ${err.message}`, { cause: err })));
            stream.on('close', () => finish(new DarnerError('PULL_FAILED', `the snapshotter on ${socket} closed the pull without an answer`)));
            stream.end(frameMessage(request));
        });
    }
    finally {
        session.close();
    }
}
/** An HTTP/2 session on the unix socket, or undefined when nothing listens there. */
function connect(socket) {
    return new Promise((resolve, reject) => {
        const session = http2.connect('http://localhost', { createConnection: () => net.connect(socket) });
        const onError = (err) => {
            session.destroy();
            if (UNREACHABLE.has(err.code ?? ''))
                resolve(undefined);
            else
                reject(new DarnerError('PULL_FAILED', `cannot reach the snapshotter on ${socket}: ${err.message}`, { cause: err }));
        };
        session.once('error', onError);
        session.once('connect', () => {
            session.off('error', onError);
            session.on('error', () => undefined); // reported through the stream
            resolve(session);
        });
    });
}
//# sourceMappingURL=remote-pull.js.map