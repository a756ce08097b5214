import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
/**
 * Loads containerd's snapshots API (proto/containerd/...) at run time with @grpc/proto-loader.
 * The .proto files live at the repository root; this module is compiled to dist/snapshotter/, so
 * the path is resolved relative to this file and works from both places. google/protobuf types
 * (Empty, Timestamp, FieldMask) come from the copies bundled with protobufjs.
 *
 * Decoding options: camelCase field names, int64 as JavaScript numbers, enums as their names,
 * defaults filled in (an absent string is '', an absent list is []).
 */
export const PROTO_ROOT = fileURLToPath(new URL('../../proto/', import.meta.url));
export const SNAPSHOTS_PROTO = 'containerd/services/snapshots/v1/snapshots.proto';
export const SNAPSHOTS_SERVICE = 'containerd.services.snapshots.v1.Snapshots';
export const LOADER_OPTIONS = {
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [PROTO_ROOT],
};
let cached;
/** The service definition of containerd.services.snapshots.v1.Snapshots. */
export function snapshotsServiceDefinition() {
    if (!cached) {
        const definition = protoLoader.loadSync(SNAPSHOTS_PROTO, LOADER_OPTIONS);
        cached = definition[SNAPSHOTS_SERVICE];
    }
    return cached;
}
//# sourceMappingURL=proto.js.map