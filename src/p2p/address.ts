/** host:port addresses as the P2P flags take them ("0.0.0.0:8002", "[::1]:8002", "sched.svc:8002"). */
import { UsageError } from '../errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses host:port; the port may be 0 (pick a free one) only when `allowZero`. */
export function parseHostPort(text: string, what: string, allowZero = false): HostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535 || (port === 0 && !allowZero)) {
    throw new UsageError(`${what} ${JSON.stringify(text)} must be host:port (IPv6 as [addr]:port)`);
  }
  return { host: m[1] ?? m[2]!, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
