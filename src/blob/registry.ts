/**
 * A client for one registry's HTTP API (the OCI distribution spec / docker registry v2).
 *
 * Every call is one logical exchange made of:
 *   auth      (registry-auth.ts) — the Authorization header for the scopes it needs; a 401 with
 *             a challenge is answered once with fresh credentials or a fresh token;
 *   redirects — followed (up to 5); the Authorization header is dropped when the host changes,
 *             as blob GETs are commonly redirected to a storage service;
 *   retry     (retry.ts) — network errors, 5xx, 408 and 429 are retried with backoff, bounded in
 *             attempts and total time. Blob streams are retried until their headers arrive; range
 *             reads and small documents are retried whole; uploads restart from a new session.
 *
 * What comes back is checked: manifests fetched by digest must have that digest (by tag, the
 * computed digest is returned), blob streams fail with DigestMismatchError at the end when the
 * bytes are wrong, range reads return exactly the requested bytes or fail, and every body read
 * into memory is bounded.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { DigestMismatchError, InvalidReferenceError, RegistryError, SizeMismatchError } from '../errors.js';
import { log } from '../log.js';
import { sha256Digest, Sha256Hasher } from '../digest.js';
import { isDigest } from '../oci/digest.js';
import { MANIFEST_MEDIA_TYPES, MAX_CONFIG_SIZE, MAX_MANIFEST_SIZE } from '../oci/image-spec.js';
import { registryBaseUrl } from '../oci/reference.js';
import { defaultDockerConfigPath, loadDockerCredentials, type RegistryCredentials } from './docker-config.js';
import {
  abandon,
  describeRequest,
  discard,
  headerValue,
  networkError,
  readBounded,
  retryableRegistryError,
  sendHttp,
  statusError,
  type HttpRequest,
  type HttpResponse,
} from './http.js';
import type { RangeReadOptions } from './blob-reader.js';
import { RegistryAuthenticator } from './registry-auth.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.js';
import { VerifyingStream } from './verify.js';

export interface RegistryTimeouts {
  /** TCP (and TLS) connect. Default 10 s. */
  connectMs?: number;
  /** From request sent to response headers. Default 30 s. */
  headersMs?: number;
  /** Longest pause between two chunks of a response body. Default 60 s. */
  bodyMs?: number;
}

export interface RegistryClientOptions {
  /** Speak http even to a non-loopback registry (loopback registries always get http). */
  plainHttp?: boolean;
  /** Explicit credentials; they win over the docker config. */
  username?: string;
  password?: string;
  /** Docker config file for credentials; default $DOCKER_CONFIG/config.json or ~/.docker/config.json; null: none. */
  dockerConfigPath?: string | null;
  timeouts?: RegistryTimeouts;
  retry?: Partial<RetryPolicy>;
  /** An undici dispatcher to share; by default the client owns an Agent, closed by close(). */
  dispatcher?: Dispatcher;
  /**
   * HTTP/1.1 requests in flight per connection of the client's own Agent (default 1: none
   * pipelined). The daemon's range reads pipeline: responses then follow each other on one warm
   * connection with no round trip or TCP slow start between them (docs/daemon.md).
   */
  pipelining?: number;
  userAgent?: string;
}

export interface ManifestResponse {
  bytes: Buffer;
  /** sha256 of `bytes` (checked against the reference when it is a digest). */
  digest: string;
  /** The Content-Type the registry sent, without parameters ('' when none). */
  mediaType: string;
}

export interface ManifestHead {
  /** Docker-Content-Digest, when the registry sent it. */
  digest?: string;
  mediaType: string;
  size?: number;
}

/**
 * What a blob upload reads: bytes in memory, a file, or a factory making a fresh stream for each
 * try (`() => source.openBlob(desc)` copies from an ImageSource).
 */
/**
 * What a blob upload reads: bytes in memory, a file, or a factory making a fresh stream per try.
 * A file with `move: true` was written by the caller, who computed its digest over exactly those
 * bytes: an OCI layout on the same filesystem takes it by rename instead of a verified copy.
 */
export type BlobBody = Buffer | { path: string; move?: boolean } | (() => Readable | Promise<Readable>);

/** Chunk size of uploads from streams of unknown size. */
export const DEFAULT_UPLOAD_CHUNK_SIZE = 8 * 1024 * 1024;
const MAX_REDIRECTS = 5;

interface Call {
  method: Dispatcher.HttpMethod;
  url: URL;
  scopes: string[];
  headers?: Record<string, string>;
  /** Where the request goes (default: the client's dispatcher). */
  dispatcher?: Dispatcher;
  /** A fresh body for each send (auth retries and redirects resend it). */
  body?: () => Buffer | Readable | null | Promise<Readable>;
  signal?: AbortSignal | undefined;
}

type ErrorContext = { method: string; url: URL; signal?: AbortSignal | undefined };

function pullScope(repo: string): string {
  return `repository:${repo}:pull`;
}
function pushScope(repo: string): string {
  return `repository:${repo}:pull,push`;
}

function checkRepo(repo: string): void {
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repo)) {
    throw new InvalidReferenceError(`bad repository name ${JSON.stringify(repo)}`);
  }
}

function checkDigest(digest: string): void {
  if (!isDigest(digest)) throw new InvalidReferenceError(`bad digest ${JSON.stringify(digest)} (want sha256:<64 lowercase hex>)`);
}

export class RegistryClient {
  /** `host[:port]` as in references. */
  readonly registry: string;
  /** `http(s)://host[:port]` */
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  /**
   * One connection (pipelined like the others) for bulk range reads, and for any range read
   * while it has none in flight; only when the client owns its dispatcher. Several connections
   * streaming at once through one narrow link compete and lose packets, each backing off on its
   * own; one connection keeps the link as busy as a single whole-blob GET (docs/daemon.md).
   */
  private readonly bulkDispatcher: Dispatcher | undefined;
  private bulkRangesInFlight = 0;
  private readonly auth: RegistryAuthenticator;
  private readonly retryPolicy: RetryPolicy;
  private readonly headersTimeoutMs: number;
  private readonly bodyTimeoutMs: number;
  private readonly userAgent: string;

  constructor(registry: string, options: RegistryClientOptions = {}) {
    this.registry = registry;
    this.baseUrl = registryBaseUrl(registry, { plainHttp: options.plainHttp === true });
    this.origin = new URL(this.baseUrl).origin;
    const t = options.timeouts ?? {};
    this.headersTimeoutMs = t.headersMs ?? 30_000;
    this.bodyTimeoutMs = t.bodyMs ?? 60_000;
    this.ownsDispatcher = options.dispatcher === undefined;
    const agentOptions = { connect: { timeout: t.connectMs ?? 10_000 }, keepAliveTimeout: 30_000, pipelining: options.pipelining ?? 1 };
    this.dispatcher = options.dispatcher ?? new Agent(agentOptions);
    this.bulkDispatcher = this.ownsDispatcher ? new Agent({ ...agentOptions, connections: 1 }) : undefined;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.userAgent = options.userAgent ?? 'darner/0.1';
    const explicit: RegistryCredentials | undefined =
      options.username !== undefined ? { username: options.username, password: options.password ?? '' } : undefined;
    const configPath = options.dockerConfigPath === undefined ? defaultDockerConfigPath() : options.dockerConfigPath;
    const loadCredentials = async (): Promise<RegistryCredentials | undefined> =>
      explicit ?? (configPath === null ? undefined : loadDockerCredentials(registry, configPath));
    this.auth = new RegistryAuthenticator(registry, loadCredentials, {
      dispatcher: this.dispatcher,
      retry: this.retryPolicy,
      headersTimeoutMs: this.headersTimeoutMs,
      bodyTimeoutMs: this.bodyTimeoutMs,
      userAgent: this.userAgent,
    });
  }

  /** Releases connections (only when the client created its own dispatcher). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await Promise.all([this.dispatcher.close(), this.bulkDispatcher?.close()]);
  }

  // -------------------------------------------------------------------------------------------
  // The exchange: auth, redirects. No retry here.

  private url(path: string): URL {
    return new URL(path, this.baseUrl);
  }

  private async exchange(call: Call): Promise<HttpResponse> {
    let url = call.url;
    let method = call.method;
    let body = call.body;
    let authRetried = false;
    for (let redirects = 0; ; ) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...call.headers };
      const sameOrigin = url.origin === this.origin;
      if (sameOrigin) {
        const authorization = await this.auth.authorization(call.scopes, call.signal);
        if (authorization !== undefined) headers.authorization = authorization;
      }
      const req: HttpRequest = {
        method,
        url,
        headers,
        body: (await body?.()) ?? null,
        signal: call.signal,
        headersTimeoutMs: this.headersTimeoutMs,
        bodyTimeoutMs: this.bodyTimeoutMs,
      };
      const res = await sendHttp(call.dispatcher ?? this.dispatcher, req);
      log.debug({ method, url: describeRequest(method, url), status: res.status }, 'registry request');
      if (res.status === 401 && sameOrigin && !authRetried) {
        authRetried = true;
        let again: boolean;
        try {
          again = await this.auth.onUnauthorized(res.headers['www-authenticate'], call.scopes, headers.authorization, call.signal);
        } catch (err) {
          await discard(res);
          throw err;
        }
        if (again) {
          await discard(res);
          continue;
        }
        return res;
      }
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        const location = headerValue(res.headers, 'location');
        if (location === undefined) return res;
        await discard(res);
        if (++redirects > MAX_REDIRECTS) {
          throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(call.method, call.url)}: more than ${MAX_REDIRECTS} redirects`);
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(method, url)}: bad redirect location`);
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(method, url)}: redirect to a ${next.protocol} URL`);
        }
        // 303, and 301/302 after a POST, turn into a GET without body (as browsers and docker do).
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      return res;
    }
  }

  /** The typed error for an unexpected answer, with an auth hint for 401/403. */
  private async fail(call: ErrorContext, res: HttpResponse): Promise<RegistryError> {
    const hint = res.status === 401 || res.status === 403 ? await this.auth.failureHint() : undefined;
    return statusError({ method: call.method, url: res.url, signal: call.signal }, res, hint);
  }

  private retry<T>(what: string, signal: AbortSignal | undefined, op: () => Promise<T>): Promise<T> {
    return withRetry(op, {
      policy: this.retryPolicy,
      retryable: retryableRegistryError,
      signal,
      onRetry: (err, attempt, delayMs) =>
        log.warn({ registry: this.registry, what, attempt, delayMs, err: (err as Error).message }, 'registry request failed; retrying'),
    });
  }

  // -------------------------------------------------------------------------------------------
  // API

  /** Checks that the registry answers and that the credentials (if any are needed) work. */
  async ping(signal?: AbortSignal): Promise<void> {
    const call: Call = { method: 'GET', url: this.url('/v2/'), scopes: [], signal };
    await this.retry('ping', signal, async () => {
      const res = await this.exchange(call);
      if (res.status !== 200) throw await this.fail(call, res);
      await discard(res);
    });
  }

  /** GETs a manifest or index by tag or digest. */
  async getManifest(repo: string, reference: string, signal?: AbortSignal): Promise<ManifestResponse> {
    checkRepo(repo);
    const call: Call = {
      method: 'GET',
      url: this.url(`/v2/${repo}/manifests/${encodeURIComponent(reference)}`),
      scopes: [pullScope(repo)],
      headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
      signal,
    };
    const { bytes, mediaType, headerDigest } = await this.retry('manifest GET', signal, async () => {
      const res = await this.exchange(call);
      if (res.status !== 200) throw await this.fail(call, res);
      const bytes = await readBounded(call, res, MAX_MANIFEST_SIZE, 'manifest');
      return {
        bytes,
        mediaType: (headerValue(res.headers, 'content-type') ?? '').split(';')[0]!.trim(),
        headerDigest: headerValue(res.headers, 'docker-content-digest'),
      };
    });
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && digest !== reference) {
      throw new DigestMismatchError(`manifest ${this.registry}/${repo}@${reference}`, reference, digest);
    }
    if (headerDigest !== undefined && headerDigest !== digest) {
      log.warn({ registry: this.registry, repo, reference, headerDigest, digest }, 'Docker-Content-Digest differs from the manifest bytes; using the bytes');
    }
    return { bytes, digest, mediaType };
  }

  /** HEADs a manifest: undefined when the registry does not have it. */
  async headManifest(repo: string, reference: string, signal?: AbortSignal): Promise<ManifestHead | undefined> {
    checkRepo(repo);
    const call: Call = {
      method: 'HEAD',
      url: this.url(`/v2/${repo}/manifests/${encodeURIComponent(reference)}`),
      scopes: [pullScope(repo)],
      headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
      signal,
    };
    return this.retry('manifest HEAD', signal, async () => {
      const res = await this.exchange(call);
      if (res.status === 404) {
        await discard(res);
        return undefined;
      }
      if (res.status !== 200) throw await this.fail(call, res);
      await discard(res);
      const head: ManifestHead = { mediaType: (headerValue(res.headers, 'content-type') ?? '').split(';')[0]!.trim() };
      const digest = headerValue(res.headers, 'docker-content-digest');
      if (digest !== undefined && isDigest(digest)) head.digest = digest;
      const length = Number(headerValue(res.headers, 'content-length'));
      if (Number.isSafeInteger(length) && length >= 0) head.size = length;
      return head;
    });
  }

  /** PUTs a manifest under a tag or its digest; returns its digest. Push its blobs first. */
  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
    checkRepo(repo);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) throw new DigestMismatchError('manifest to push', reference, digest);
    const call: Call = {
      method: 'PUT',
      url: this.url(`/v2/${repo}/manifests/${encodeURIComponent(reference)}`),
      scopes: [pushScope(repo)],
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      body: () => bytes,
      signal,
    };
    await this.retry('manifest PUT', signal, async () => {
      const res = await this.exchange(call);
      if (res.status !== 201 && res.status !== 200) throw await this.fail(call, res);
      await discard(res);
      const answered = headerValue(res.headers, 'docker-content-digest');
      if (answered !== undefined && answered !== digest) throw new DigestMismatchError(`manifest PUT ${repo}:${reference}`, digest, answered);
    });
    return digest;
  }

  /** HEADs a blob: its size, or undefined when the registry does not have it. */
  async headBlob(repo: string, digest: string, signal?: AbortSignal): Promise<number | undefined> {
    checkRepo(repo);
    checkDigest(digest);
    const call: Call = { method: 'HEAD', url: this.url(`/v2/${repo}/blobs/${digest}`), scopes: [pullScope(repo)], signal };
    return this.retry('blob HEAD', signal, async () => {
      const res = await this.exchange(call);
      await discard(res);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw await this.fail(call, res);
      const length = Number(headerValue(res.headers, 'content-length'));
      return Number.isSafeInteger(length) && length >= 0 ? length : 0;
    });
  }

  private async openBlobResponse(repo: string, digest: string, size: number | undefined, signal: AbortSignal | undefined): Promise<{ call: Call; res: HttpResponse }> {
    checkRepo(repo);
    checkDigest(digest);
    const call: Call = { method: 'GET', url: this.url(`/v2/${repo}/blobs/${digest}`), scopes: [pullScope(repo)], signal };
    return this.retry('blob GET', signal, async () => {
      const res = await this.exchange(call);
      if (res.status !== 200) throw await this.fail(call, res);
      const length = headerValue(res.headers, 'content-length');
      if (size !== undefined && length !== undefined && Number(length) !== size) {
        abandon(res);
        throw new SizeMismatchError(`blob ${digest} (Content-Length)`, size, Number(length));
      }
      return { call, res };
    });
  }

  /**
   * Streams a blob. The stream fails with DigestMismatchError (or SizeMismatchError when `size`
   * is given) at its end if the bytes are not the blob's; read it to the end before trusting it.
   */
  async openBlob(repo: string, digest: string, options: { size?: number; signal?: AbortSignal } = {}): Promise<Readable> {
    const { call, res } = await this.openBlobResponse(repo, digest, options.size, options.signal);
    const verifier = new VerifyingStream(`blob ${digest}`, digest, options.size);
    res.body.on('error', (err) => verifier.destroy(networkError(call, err) as Error));
    verifier.on('close', () => {
      if (!res.body.destroyed) res.body.destroy();
    });
    res.body.pipe(verifier);
    return verifier;
  }

  /** Reads a whole (small) blob into memory, verified and bounded (default 16 MiB). */
  async getBlob(repo: string, digest: string, options: { size?: number; maxSize?: number; signal?: AbortSignal } = {}): Promise<Buffer> {
    const max = options.maxSize ?? MAX_CONFIG_SIZE;
    if (options.size !== undefined && options.size > max) {
      throw new RegistryError('REGISTRY_ERROR', 0, `blob ${digest} is ${options.size} bytes, more than the ${max} allowed in memory`);
    }
    return this.retry('blob GET', options.signal, async () => {
      const { call, res } = await this.openBlobResponse(repo, digest, options.size, options.signal);
      const bytes = await readBounded(call, res, max, `blob ${digest}`);
      if (options.size !== undefined && bytes.length !== options.size) throw new SizeMismatchError(`blob ${digest}`, options.size, bytes.length);
      const actual = sha256Digest(bytes);
      if (actual !== digest) throw new DigestMismatchError(`blob ${digest}`, digest, actual);
      return bytes;
    });
  }

  /**
   * Reads `length` bytes of a blob from `offset` with an HTTP Range GET: exactly `length` bytes
   * or an error. The registry must answer 206 with the matching Content-Range; a range past the
   * blob's end answers 416 (REGISTRY_ERROR). The bytes cannot be verified here (only whole blobs
   * have a digest): the caller verifies the chunks it cuts out. `onProgress` hears of each piece
   * of the body as it lands; `bulk` reads share one connection (blob-reader.ts).
   */
  async readRange(repo: string, digest: string, offset: number, length: number, signal?: AbortSignal, options: RangeReadOptions = {}): Promise<Buffer> {
    checkRepo(repo);
    checkDigest(digest);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || !Number.isSafeInteger(offset + length)) {
      throw new RegistryError('REGISTRY_ERROR', 0, `blob ${digest}: bad range offset ${offset} length ${length}`);
    }
    if (length === 0) return Buffer.alloc(0);
    const last = offset + length - 1;
    const onBulk = this.bulkDispatcher !== undefined && (options.bulk === true || this.bulkRangesInFlight === 0);
    const call: Call = {
      method: 'GET',
      url: this.url(`/v2/${repo}/blobs/${digest}`),
      scopes: [pullScope(repo)],
      headers: { range: `bytes=${offset}-${last}` },
      signal,
      ...(onBulk ? { dispatcher: this.bulkDispatcher } : {}),
    };
    if (!onBulk) return this.sendRange(call, offset, length, options);
    this.bulkRangesInFlight += 1;
    try {
      return await this.sendRange(call, offset, length, options);
    } finally {
      this.bulkRangesInFlight -= 1;
    }
  }

  /** readRange's request, retried; `call` carries the range header and the dispatcher. */
  private sendRange(call: Call, offset: number, length: number, { onProgress }: RangeReadOptions): Promise<Buffer> {
    const signal = call.signal;
    const last = offset + length - 1;
    return this.retry('blob range GET', signal, async () => {
      const res = await this.exchange(call);
      const ctx = { method: call.method, url: res.url, signal };
      if (res.status !== 206) {
        if (res.status === 200) {
          abandon(res);
          throw new RegistryError('REGISTRY_ERROR', 200, `${describeRequest('GET', res.url)}: answered 200 to a Range request (range reads unsupported)`);
        }
        throw await this.fail(ctx, res);
      }
      const contentRange = headerValue(res.headers, 'content-range') ?? '';
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange.trim());
      if (m === null || Number(m[1]) !== offset || Number(m[2]) !== last) {
        abandon(res);
        const total = m?.[3] !== undefined && m[3] !== '*' ? Number(m[3]) : undefined;
        if (total !== undefined && offset + length > total) {
          throw new RegistryError('REGISTRY_ERROR', 206, `${describeRequest('GET', res.url)}: range ${offset}-${last} goes past the end of the blob (${total} bytes)`);
        }
        throw new RegistryError(
          'REGISTRY_ERROR',
          206,
          `${describeRequest('GET', res.url)}: Content-Range ${JSON.stringify(contentRange)} does not match the requested bytes ${offset}-${last}`,
        );
      }
      const out = Buffer.allocUnsafe(length);
      let filled = 0;
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          if (filled + chunk.length > length) {
            abandon(res);
            throw new RegistryError('REGISTRY_ERROR', 206, `${describeRequest('GET', res.url)}: range body longer than the ${length} bytes requested`);
          }
          chunk.copy(out, filled);
          filled += chunk.length;
          onProgress?.(out, filled);
        }
      } catch (err) {
        throw networkError(ctx, err);
      }
      if (filled !== length) {
        // A short body is a broken connection, worth another try.
        throw new RegistryError('REGISTRY_UNREACHABLE', 0, `${describeRequest('GET', res.url)}: range body ended after ${filled} of ${length} bytes`);
      }
      return out;
    });
  }

  /**
   * Starts an upload session, or mounts the blob from `mountFrom` (another repository of this
   * registry). Returns the upload URL, or undefined when the blob was mounted.
   */
  private async startUpload(repo: string, mountFrom: { digest: string; repo: string } | undefined, signal: AbortSignal | undefined): Promise<URL | undefined> {
    const url = this.url(`/v2/${repo}/blobs/uploads/`);
    const scopes = [pushScope(repo)];
    if (mountFrom !== undefined) {
      url.searchParams.set('mount', mountFrom.digest);
      url.searchParams.set('from', mountFrom.repo);
      scopes.push(pullScope(mountFrom.repo));
    }
    const call: Call = { method: 'POST', url, scopes, headers: { 'content-length': '0' }, signal };
    const res = await this.exchange(call);
    if (mountFrom !== undefined && res.status === 201) {
      await discard(res);
      return undefined;
    }
    if (res.status !== 202) throw await this.fail(call, res);
    await discard(res);
    return this.location(call, res);
  }

  private location(call: ErrorContext, res: HttpResponse): URL {
    const location = headerValue(res.headers, 'location');
    if (location === undefined) throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(call.method, call.url)}: ${res.status} without a Location`);
    try {
      return new URL(location, res.url);
    } catch {
      throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(call.method, call.url)}: bad Location ${JSON.stringify(location.slice(0, 100))}`);
    }
  }

  /**
   * Uploads a blob whose digest and size are known, in one PUT (POST then PUT), unless
   * `mountFrom` names a repository of this registry that has it, in which case it is mounted.
   * A failed try restarts with a new upload session (a file or factory body is read again).
   */
  async pushBlob(
    repo: string,
    desc: { digest: string; size: number },
    body: BlobBody,
    options: { mountFrom?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    checkRepo(repo);
    checkDigest(desc.digest);
    let makeBody: () => Buffer | Readable | Promise<Readable>;
    if (Buffer.isBuffer(body)) {
      if (body.length !== desc.size) throw new SizeMismatchError(`blob ${desc.digest} to push`, desc.size, body.length);
      const actual = sha256Digest(body);
      if (actual !== desc.digest) throw new DigestMismatchError(`blob to push`, desc.digest, actual);
      makeBody = () => body;
    } else if (typeof body === 'function') {
      makeBody = body;
    } else {
      const { size } = await stat(body.path);
      if (size !== desc.size) throw new SizeMismatchError(`blob ${desc.digest} to push (${body.path})`, desc.size, size);
      const path = body.path;
      makeBody = () => createReadStream(path);
    }
    const mountFrom = options.mountFrom !== undefined && options.mountFrom !== repo ? { digest: desc.digest, repo: options.mountFrom } : undefined;
    if (mountFrom !== undefined) checkRepo(mountFrom.repo);
    await this.retry('blob upload', options.signal, async () => {
      const upload = await this.startUpload(repo, mountFrom, options.signal);
      if (upload === undefined) return; // mounted
      upload.searchParams.set('digest', desc.digest);
      const call: Call = {
        method: 'PUT',
        url: upload,
        scopes: [pushScope(repo)],
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
        body: makeBody,
        signal: options.signal,
      };
      const res = await this.exchange(call);
      if (res.status !== 201) throw await this.fail(call, res);
      await discard(res);
    });
  }

  /**
   * Uploads a stream of unknown size in PATCH chunks of `chunkSize` bytes, hashing it on the way,
   * and commits it under the computed digest. Not retried (the stream is read once); returns the
   * digest and size.
   */
  async pushBlobStream(repo: string, stream: Readable, options: { chunkSize?: number; signal?: AbortSignal } = {}): Promise<{ digest: string; size: number }> {
    checkRepo(repo);
    const chunkSize = options.chunkSize ?? DEFAULT_UPLOAD_CHUNK_SIZE;
    const signal = options.signal;
    let location = await this.retry('blob upload start', signal, async () => (await this.startUpload(repo, undefined, signal))!);
    const hasher = new Sha256Hasher();
    let pending: Buffer[] = [];
    let pendingSize = 0;

    const patch = async (): Promise<void> => {
      if (pendingSize === 0) return;
      const chunk = Buffer.concat(pending, pendingSize);
      const start = hasher.size - pendingSize;
      pending = [];
      pendingSize = 0;
      const call: Call = {
        method: 'PATCH',
        url: location,
        scopes: [pushScope(repo)],
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(chunk.length),
          'content-range': `${start}-${start + chunk.length - 1}`,
        },
        body: () => chunk,
        signal,
      };
      const res = await this.exchange(call);
      if (res.status !== 202) throw await this.fail(call, res);
      await discard(res);
      location = this.location(call, res);
    };

    try {
      for await (const data of stream as AsyncIterable<Buffer | string>) {
        const chunk = typeof data === 'string' ? Buffer.from(data) : data;
        hasher.update(chunk);
        pending.push(chunk);
        pendingSize += chunk.length;
        if (pendingSize >= chunkSize) await patch();
      }
      await patch();
    } catch (err) {
      stream.destroy();
      throw err;
    }
    const digest = hasher.digest();
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const call: Call = { method: 'PUT', url, scopes: [pushScope(repo)], headers: { 'content-length': '0' }, signal };
    const res = await this.exchange(call);
    if (res.status !== 201) throw await this.fail(call, res);
    await discard(res);
    return { digest, size: hasher.size };
  }

  /**
   * Mounts a blob from another repository of this registry (no bytes move). Returns false when
   * the registry does not mount it (it then offers an upload session, which is cancelled).
   */
  async mountBlob(repo: string, digest: string, fromRepo: string, signal?: AbortSignal): Promise<boolean> {
    checkRepo(repo);
    checkRepo(fromRepo);
    checkDigest(digest);
    return this.retry('blob mount', signal, async () => {
      const upload = await this.startUpload(repo, { digest, repo: fromRepo }, signal);
      if (upload === undefined) return true;
      // Cancel the session the registry opened instead; it would be purged eventually anyway.
      try {
        const res = await this.exchange({ method: 'DELETE', url: upload, scopes: [pushScope(repo)], signal });
        await discard(res);
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'cancelling an unused upload session failed');
      }
      return false;
    });
  }
}
