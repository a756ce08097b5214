/** host:port text ("0.0.0.0:8002", "[::1]:8002", "sched.svc:8002"). Pure; no I/O. */
/** The host and port of `text`, or undefined when it is not host:port (port 0 only when `allowZero`). */
export function splitHostPort(text, allowZero = false) {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
    const port = m ? Number(m[3]) : NaN;
    if (!m || port > 65535 || (port === 0 && !allowZero))
        return undefined;
    return { host: m[1] ?? m[2], port };
}
//# sourceMappingURL=host-port.js.map