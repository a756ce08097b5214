/**
 * grpc-js writes its own errors to stderr (`E No address added out of total 1 resolved`) beside
 * the error darner reports: route them into darner's log at debug level instead, so that a
 * failure is one line and grpc's detail is still there when asked for (DARNER_LOG_LEVEL=debug).
 */
import * as grpc from '@grpc/grpc-js';
import { log } from './log.js';
let routed = false;
export function routeGrpcLogs() {
    if (routed)
        return;
    routed = true;
    const write = (...args) => log.debug({ grpc: args.map(String).join(' ') }, 'grpc-js');
    grpc.setLogger({ error: write, info: write, debug: write });
}
//# sourceMappingURL=grpc-log.js.map