/** host:port addresses as the P2P flags take them ("0.0.0.0:8002", "[::1]:8002", "sched.svc:8002"). */
import { UsageError } from '../errors.js';
import { splitHostPort } from '../util/host-port.js';
/** Parses host:port; the port may be 0 (pick a free one) only when `allowZero`. */
export function parseHostPort(text, what, allowZero = false) {
    const hostPort = splitHostPort(text, allowZero);
    if (hostPort === undefined)
        throw new UsageError(`${what} ${JSON.stringify(text)} must be host:port (IPv6 as [addr]:port)`);
    return hostPort;
}
export function formatHostPort({ host, port }) {
    return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
//# sourceMappingURL=address.js.map