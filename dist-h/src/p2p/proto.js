/**
 * Loads proto/darner/p2p/v1/scheduler.proto at run time (@grpc/proto-loader) and describes its
 * messages as TypeScript types. Field names are camelCase (proto-loader's keepCase: false),
 * uint64 fields are plain numbers (chunk offsets and byte counts stay below 2^53), enums are their
 * names.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
const PROTO_FILE = join('proto', 'darner', 'p2p', 'v1', 'scheduler.proto');
/** The proto file, found by walking up from this module (works from src/ and from dist/src/). */
export function schedulerProtoPath() {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
        const candidate = join(dir, PROTO_FILE);
        if (existsSync(candidate))
            return candidate;
        const parent = dirname(dir);
        if (parent === dir)
            throw new Error(`cannot find ${PROTO_FILE} above ${fileURLToPath(import.meta.url)}`);
        dir = parent;
    }
}
let cached;
/** The generated client constructor; its `.service` is the definition servers add. */
export function schedulerServiceClient() {
    if (cached === undefined) {
        const definition = protoLoader.loadSync(schedulerProtoPath(), {
            keepCase: false,
            longs: Number,
            enums: String,
            defaults: true,
            arrays: true,
            objects: true,
            oneofs: true,
        });
        const pkg = grpc.loadPackageDefinition(definition);
        cached = pkg.darner.p2p.v1.Scheduler;
    }
    return cached;
}
//# sourceMappingURL=proto.js.map