/**
 * The pull RPC on the snapshotter's socket (`darner.pull.v1.Pull/Pull`), pure: its request and
 * messages, their checks, and gRPC's message framing. The messages are JSON, not protobuf, so that
 * the `darner pull` client needs neither grpc-js nor the proto loader (node:http2 speaks it):
 * the CLI starts in a fraction of the time, and the pull runs in the long-lived snapshotter.
 *
 * One request; the answer streams `{"event": PullEvent}` messages and ends with one
 * `{"result": PullResult}`. A failure ends the call with a gRPC status whose message is the
 * one-line error, and the trailer `darner-code` carries darner's error code.
 */
import { BadRequestError } from '../../src/errors.js';
export const PULL_SERVICE = 'darner.pull.v1.Pull';
export const PULL_PATH = `/${PULL_SERVICE}/Pull`;
/** Trailer with the darner error code of a failed pull. */
export const CODE_TRAILER = 'darner-code';
/** Largest message either side accepts (a pull result lists each layer: small). */
export const MAX_PULL_MESSAGE = 1024 * 1024;
const STRING_FIELDS = ['reference', 'address', 'namespace', 'snapshotter', 'platform'];
const MAX_FIELD = 4096;
/** Checks a decoded request field by field; unknown fields are refused. */
export function parsePullCall(body) {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new BadRequestError('the pull request must be a JSON object');
    const obj = body;
    for (const key of Object.keys(obj)) {
        if (!STRING_FIELDS.includes(key) && key !== 'plainHttp' && key !== 'credentials')
            throw new BadRequestError(`unknown field ${JSON.stringify(key)}`);
    }
    const str = (key, required) => {
        const v = obj[key];
        if (v === undefined && !required)
            return undefined;
        if (typeof v !== 'string' || v === '' || v.length > MAX_FIELD || v.includes('\0'))
            throw new BadRequestError(`${key} must be a non-empty string of at most ${MAX_FIELD} characters`);
        return v;
    };
    const call = { reference: str('reference', true), address: str('address', true), namespace: str('namespace', true), snapshotter: str('snapshotter', true) };
    const platform = str('platform', false);
    if (platform !== undefined)
        call.platform = platform;
    if (obj.plainHttp !== undefined) {
        if (typeof obj.plainHttp !== 'boolean')
            throw new BadRequestError('plainHttp must be true or false');
        call.plainHttp = obj.plainHttp;
    }
    if (obj.credentials !== undefined) {
        const c = obj.credentials;
        const ok = typeof c === 'object' && c !== null && typeof c.username === 'string' && typeof c.password === 'string' && Object.keys(c).length === 2;
        if (!ok || c.username.length > MAX_FIELD || c.password.length > MAX_FIELD) {
            throw new BadRequestError('credentials must be {"username": string, "password": string}');
        }
        call.credentials = { username: c.username, password: c.password };
    }
    return call;
}
/** One gRPC message: a zero compression flag, the length (big endian), the JSON bytes. */
export function frameMessage(value) {
    const json = Buffer.from(JSON.stringify(value));
    const head = Buffer.alloc(5);
    head.writeUInt32BE(json.length, 1);
    return Buffer.concat([head, json]);
}
/** Splits a gRPC byte stream into JSON messages; refuses compressed or oversized ones. */
export class MessageReader {
    pending = Buffer.alloc(0);
    push(chunk) {
        this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
        const out = [];
        while (this.pending.length >= 5) {
            if (this.pending[0] !== 0)
                throw new BadRequestError('compressed gRPC messages are not accepted');
            const length = this.pending.readUInt32BE(1);
            if (length > MAX_PULL_MESSAGE)
                throw new BadRequestError(`a message of ${length} bytes is larger than ${MAX_PULL_MESSAGE}`);
            if (this.pending.length < 5 + length)
                break;
            const json = this.pending.subarray(5, 5 + length).toString('utf8');
            this.pending = this.pending.subarray(5 + length);
            try {
                out.push(JSON.parse(json));
            }
            catch {
                throw new BadRequestError('a message is not JSON');
            }
        }
        return out;
    }
    /** True when a message was cut short. */
    get incomplete() {
        return this.pending.length > 0;
    }
}
//# sourceMappingURL=pull-wire.js.map