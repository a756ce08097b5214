/**
 * Test harness: a counting, fault-injecting HTTP proxy to put in front of a registry (or any HTTP
 * server on loopback). See registry.ts for the registry itself.
 *
 *   const proxy = await startCountingProxy(reg.host);
 *   proxy.failNext(500, { kind: 'blob' });             // next blob request answers 500
 *   proxy.bytesServed('blob');                         // body bytes served for blob paths
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

/** What a registry API path is about. */
export type PathKind = 'base' | 'blob' | 'upload' | 'manifest' | 'other';

export function pathKind(path: string): PathKind {
  const p = path.split('?')[0] ?? '';
  if (p === '/v2/' || p === '/v2') return 'base';
  if (/^\/v2\/.+\/blobs\/uploads\//.test(p) || /^\/v2\/.+\/blobs\/uploads$/.test(p)) return 'upload';
  if (/^\/v2\/.+\/blobs\/[^/]+$/.test(p)) return 'blob';
  if (/^\/v2\/.+\/manifests\/[^/]+$/.test(p)) return 'manifest';
  return 'other';
}

/**
 * A fault the proxy injects instead of (or into) the registry's answer:
 * - a number: answer that HTTP status with a registry-style JSON error, without asking the registry;
 * - 'wrong-bytes': forward the answer with one body byte flipped (same length);
 * - 'truncate': forward the headers and half the body, then close the connection;
 * - 'stall-half': forward the headers and half the body, then send nothing more (the connection
 *   stays open until the client gives up or stop());
 * - 'drop': close the connection without answering;
 * - 'stall': never answer (the connection stays open until the client gives up or stop());
 * - 'redirect': answer 307 to the same request on this proxy (same host);
 * - 'redirect-other-host': answer 307 to the same request on the proxy's second address
 *   (127.0.0.2), which a client must treat as another host (no Authorization header).
 */
export type Fault = number | 'wrong-bytes' | 'truncate' | 'stall-half' | 'drop' | 'stall' | 'redirect' | 'redirect-other-host';

export interface ProxyRequest {
  method: string;
  /** Path and query as received (without the redirect marker). */
  path: string;
  kind: PathKind;
  /** Host the request arrived on (`127.0.0.1:P` or the second address for redirects). */
  host: string;
  authorization?: string;
  range?: string;
}

/** Which requests a fault applies to: fields that must all match, or a predicate. */
export type RequestMatcher =
  | { method?: string; kind?: PathKind; path?: string | RegExp }
  | ((req: ProxyRequest) => boolean);

export interface ProxyRecord extends ProxyRequest {
  /** Status sent to the client (0 when the connection was dropped). */
  status: number;
  /** Response body bytes sent to the client. */
  bytes: number;
  fault?: Fault;
  /** True for a request that arrived through a redirect this proxy issued. */
  redirected: boolean;
  /** Which client connection carried it: 1 for the proxy's first accepted connection, and so on. */
  connection: number;
}

export interface ProxyHandle {
  /** `127.0.0.1:PORT`, to use as the registry host. */
  host: string;
  url: string;
  /** `127.0.0.2:PORT2`: the same proxy under another host name (target of cross-host redirects). */
  otherHost: string;
  /** Every request so far, completed or not, in arrival order. */
  readonly requests: ProxyRecord[];
  /** Body bytes served, for all requests or those matching (a path kind or a predicate). */
  bytesServed(filter?: PathKind | ((r: ProxyRecord) => boolean)): number;
  /** Forgets recorded requests and pending faults. */
  reset(): void;
  /** Injects `fault` into the next `times` requests that match (default: any request, once). */
  failNext(fault: Fault, matcher?: RequestMatcher, times?: number): void;
  stop(): Promise<void>;
}

/**
 * The [start, end) byte ranges of the blob Range requests the proxy answered 206, from its
 * request number `from` on.
 */
export function blobRanges(proxy: ProxyHandle, from = 0): Array<[number, number]> {
  return proxy.requests
    .slice(from)
    .filter((r) => r.kind === 'blob' && r.range !== undefined && r.status === 206)
    .map((r) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(r.range!)!;
      return [Number(m[1]), Number(m[2]) + 1] as [number, number];
    });
}

const REDIRECT_PREFIX = '/__redirected__';

function matches(matcher: RequestMatcher | undefined, req: ProxyRequest): boolean {
  if (matcher === undefined) return true;
  if (typeof matcher === 'function') return matcher(req);
  if (matcher.method !== undefined && matcher.method.toUpperCase() !== req.method) return false;
  if (matcher.kind !== undefined && matcher.kind !== req.kind) return false;
  if (matcher.path !== undefined) {
    if (typeof matcher.path === 'string' ? !req.path.startsWith(matcher.path) : !matcher.path.test(req.path)) return false;
  }
  return true;
}

/**
 * Starts an HTTP proxy in front of `target` (`host:port` or `http://host:port`). It forwards every
 * request, keeping the Host header so that the registry's upload URLs point back at the proxy, and
 * records each request with the body bytes it served.
 */
export interface ProxyOptions {
  /**
   * Authorization header the proxy adds when it forwards a request that arrived through a
   * cross-host redirect. It stands in for the signed URL a storage service would accept, so that
   * a registry with auth can serve redirected blob GETs that (correctly) carry no credentials.
   */
  redirectedAuthorization?: string;
}

export async function startCountingProxy(target: string, options: ProxyOptions = {}): Promise<ProxyHandle> {
  const upstream = new URL(target.includes('://') ? target : `http://${target}`);
  const requests: ProxyRecord[] = [];
  let faults: Array<{ fault: Fault; matcher: RequestMatcher | undefined; remaining: number }> = [];
  const sockets = new Set<Socket>();
  const connectionNumbers = new WeakMap<Socket, number>();
  let connectionCount = 0;
  let mainHost = '';
  let otherHost = '';

  const takeFault = (req: ProxyRequest): Fault | undefined => {
    const i = faults.findIndex((f) => matches(f.matcher, req));
    if (i === -1) return undefined;
    const f = faults[i]!;
    f.remaining -= 1;
    if (f.remaining <= 0) faults.splice(i, 1);
    return f.fault;
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let path = req.url ?? '/';
    const redirected = path.startsWith(REDIRECT_PREFIX);
    if (redirected) path = path.slice(REDIRECT_PREFIX.length);
    const info: ProxyRequest = {
      method: req.method ?? 'GET',
      path,
      kind: pathKind(path),
      host: req.headers.host ?? '',
    };
    if (req.headers.authorization !== undefined) info.authorization = req.headers.authorization;
    if (req.headers.range !== undefined) info.range = req.headers.range;
    const record: ProxyRecord = { ...info, status: 0, bytes: 0, redirected, connection: connectionNumbers.get(req.socket) ?? 0 };
    requests.push(record);
    const fault = redirected ? undefined : takeFault(info);
    if (fault !== undefined) record.fault = fault;

    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'stall') {
      req.resume();
      return;
    }
    if (typeof fault === 'number') {
      req.resume();
      const body = JSON.stringify({ errors: [{ code: 'INJECTED', message: `injected status ${fault}` }] });
      record.status = fault;
      record.bytes = req.method === 'HEAD' ? 0 : Buffer.byteLength(body);
      res.writeHead(fault, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (fault === 'redirect' || fault === 'redirect-other-host') {
      req.resume();
      const host = fault === 'redirect' ? mainHost : otherHost;
      record.status = 307;
      res.writeHead(307, { location: `http://${host}${REDIRECT_PREFIX}${path}`, 'content-length': 0 });
      res.end();
      return;
    }

    const headers = { ...req.headers };
    if (redirected && info.host === otherHost && options.redirectedAuthorization !== undefined) {
      headers.authorization = options.redirectedAuthorization;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers },
      (up) => {
        record.status = up.statusCode ?? 0;
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        const length = Number(up.headers['content-length'] ?? NaN);
        let sent = 0;
        let flipped = false;
        up.on('data', (chunk: Buffer) => {
          let out = chunk;
          if (fault === 'wrong-bytes' && !flipped && chunk.length > 0) {
            out = Buffer.from(chunk);
            const at = Math.floor(out.length / 2);
            out[at] = out[at]! ^ 0xff;
            flipped = true;
          }
          if (fault === 'truncate' || fault === 'stall-half') {
            const half = Number.isFinite(length) ? Math.floor(length / 2) : 0;
            if (sent + out.length >= half) {
              const head = out.subarray(0, Math.max(0, half - sent));
              record.bytes += head.length;
              res.write(head, () => (fault === 'truncate' ? res.socket?.destroy() : undefined));
              sent = half;
              up.destroy();
              return;
            }
          }
          sent += out.length;
          record.bytes += out.length;
          res.write(out);
        });
        up.on('end', () => res.end());
        up.on('error', () => res.socket?.destroy());
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) {
        record.status = 502;
        res.writeHead(502);
        res.end();
      } else {
        res.socket?.destroy();
      }
    });
    req.pipe(forward);
  };

  const listen = async (address: string): Promise<http.Server> => {
    const server = http.createServer(handler);
    server.on('connection', (s) => {
      connectionNumbers.set(s, ++connectionCount);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, resolve);
    });
    return server;
  };
  const main = await listen('127.0.0.1');
  const other = await listen('127.0.0.2');
  mainHost = `127.0.0.1:${(main.address() as AddressInfo).port}`;
  otherHost = `127.0.0.2:${(other.address() as AddressInfo).port}`;

  return {
    host: mainHost,
    url: `http://${mainHost}`,
    otherHost,
    requests,
    bytesServed(filter) {
      const pick = filter === undefined ? () => true : typeof filter === 'function' ? filter : (r: ProxyRecord) => r.kind === filter;
      return requests.filter(pick).reduce((sum, r) => sum + r.bytes, 0);
    },
    reset() {
      requests.length = 0;
      faults = [];
    },
    failNext(fault, matcher, times = 1) {
      faults.push({ fault, matcher, remaining: times });
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all([main, other].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
