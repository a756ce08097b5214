/**
 * The daemon control API's wire types and its pure rules (docs/daemon-api.md): request
 * validation, and which HTTP status and error body a failure answers. Shared by the server
 * (server.ts) and the client (client.ts); no I/O here.
 */
import {
  BadRequestError,
  DarnerError,
  InvalidArgumentError,
  InvalidReferenceError,
  MountpointBusyError,
  NotFoundError,
  RegistryError,
  UsageError,
} from '../errors.js';
import type { BlobUsage } from '../cache/types.js';
import { MAX_MANIFEST_SIZE } from '../oci/image-spec.js';
import { isBlobId } from '../util/hex-id.js';

export const API_PREFIX = '/api/v1';

/** A mounted image, as the API shows it. */
export interface Mount {
  id: string;
  reference: string;
  mountpoint: string;
  manifestDigest: string;
  /** sha256 of the bootstrap bytes: the identity of the image's metadata. */
  bootstrapDigest: string;
  /** The image's data blobs (sha256 hex). */
  blobs: string[];
  createdAt: string;
  labels: Record<string, string>;
  /**
   * How it is mounted: `erofs` (the kernel's EROFS over FUSE blob devices; only data reads reach
   * the daemon) or `fuse` (FUSE answers every operation). See docs/daemon.md.
   */
  mode?: 'erofs' | 'fuse';
}

export interface Credentials {
  username: string;
  password: string;
}

/** `POST /api/v1/mounts` body. */
export interface MountRequest {
  reference: string;
  mountpoint?: string;
  /** A local bootstrap file to use instead of fetching the bootstrap layer. */
  bootstrap?: string;
  /**
   * The image manifest the caller already holds (base64 of its exact bytes), with `bootstrap` and
   * a reference pinned by digest: the daemon then reads neither manifest nor config from the
   * registry (handed-manifest.ts checks it).
   */
  manifest?: string;
  platform?: string;
  plainHttp?: boolean;
  credentials?: Credentials;
  prefetchAll?: boolean;
  labels?: Record<string, string>;
  /**
   * Record an access trace of this mount's reads to this file (absolute path), written when the
   * mount is unmounted (docs/optimize.md). Mounts with FUSE alone; refused in erofs mode.
   */
  record?: string;
}

/** `POST /api/v1/mounts/{id}/trace` answer: where the access trace went and how many files it names. */
export interface TraceWritten {
  trace: string;
  files: number;
}

export interface DaemonStatus {
  version: string;
  pid: number;
  startedAt: string;
  cacheDir: string;
  mounts: number;
  metrics: string | null;
  /** The P2P peer, when the daemon runs one: its identity, its URL and the scheduler connection. */
  p2p?: { hostId: string; peerUrl: string; scheduler: string; state: string };
  /** host:port of the registry mirror, when the daemon runs one. */
  mirror?: string;
  /**
   * Failover (docs/failover.md): the fd keeper's socket (null: none), and the mounts this daemon
   * took over from its predecessor at start (taken), found with their connection gone (lost), or
   * could not serve again (failed).
   */
  failover?: { keeper: string | null; taken: number; lost: number; failed: number };
}

/** What a daemon answers to POST /handover before it exits. */
export interface HandoverAnswer {
  pid: number;
  /** Mounts it leaves to the new daemon. */
  mounts: number;
}

export interface CachedBlobInfo {
  id: string;
  uncompressedSize: number;
  /**
   * Bytes of the blob's uncompressed data in the cache (the `data` file's allocated bytes, at
   * most uncompressedSize): the part of SIZE that is there.
   */
  cachedBytes: number;
  /** Bytes all the blob's cache files occupy on disk: data, the compressed mirror kept for P2P peers, bitmap and log. */
  diskBytes: number;
  readyChunks: number;
  /** True while a mount (or a fetch) holds the blob: gc never removes it. */
  referenced: boolean;
  lastUsed: string;
}

export interface CacheListing {
  blobs: CachedBlobInfo[];
  /** The sum of the blobs' diskBytes. */
  totalBytes: number;
  /** The daemon's cache size limit (cache.max_size; 0: none); absent when read without a daemon. */
  maxBytes?: number;
}

/** The listing of a cache's usage (what the daemon answers, and `darner cache ls` without one). */
export function cacheListingOf(usage: readonly BlobUsage[]): CacheListing {
  return {
    blobs: usage.map((u) => ({
      id: u.id,
      uncompressedSize: u.uncompressedSize,
      cachedBytes: Math.min(u.dataAllocatedBytes, u.uncompressedSize),
      diskBytes: u.allocatedBytes,
      readyChunks: u.readyChunks,
      referenced: u.references > 0,
      lastUsed: u.lastUse.toISOString(),
    })),
    totalBytes: usage.reduce((n, u) => n + u.allocatedBytes, 0),
  };
}

export interface GcResponse {
  removed: string[];
  freedBytes: number;
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** Longest base64 text of a handed-over manifest (MAX_MANIFEST_SIZE bytes). */
export const MAX_MANIFEST_BASE64 = Math.ceil(MAX_MANIFEST_SIZE / 3) * 4;

const MAX_LABELS = 64;
const MAX_LABEL_BYTES = 4096;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') throw new BadRequestError(`${key} must be a non-empty string`);
  if (v.includes('\0')) throw new BadRequestError(`${key} must not contain NUL`);
  return v;
}

function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new BadRequestError(`${key} must be true or false`);
  return v;
}

/** Checks a mount request body field by field; unknown fields are refused (a typo is not ignored). */
export function parseMountRequest(body: unknown): MountRequest {
  if (!isObject(body)) throw new BadRequestError('the body must be a JSON object');
  const known = new Set(['reference', 'mountpoint', 'bootstrap', 'manifest', 'platform', 'plainHttp', 'credentials', 'prefetchAll', 'labels', 'record']);
  for (const key of Object.keys(body)) if (!known.has(key)) throw new BadRequestError(`unknown field ${JSON.stringify(key)}`);
  const reference = optionalString(body, 'reference');
  if (reference === undefined) throw new BadRequestError('reference is required');
  const request: MountRequest = { reference };
  const mountpoint = optionalString(body, 'mountpoint');
  if (mountpoint !== undefined) {
    if (!mountpoint.startsWith('/')) throw new BadRequestError('mountpoint must be an absolute path');
    request.mountpoint = mountpoint;
  }
  const bootstrap = optionalString(body, 'bootstrap');
  if (bootstrap !== undefined) {
    if (!bootstrap.startsWith('/')) throw new BadRequestError('bootstrap must be an absolute path');
    request.bootstrap = bootstrap;
  }
  const record = optionalString(body, 'record');
  if (record !== undefined) {
    if (!record.startsWith('/')) throw new BadRequestError('record must be an absolute path');
    request.record = record;
  }
  const manifest = optionalString(body, 'manifest');
  if (manifest !== undefined) {
    if (request.bootstrap === undefined) throw new BadRequestError('manifest is taken only together with bootstrap');
    if (manifest.length > MAX_MANIFEST_BASE64) throw new BadRequestError(`manifest is longer than ${MAX_MANIFEST_BASE64} base64 characters`);
    request.manifest = manifest;
  }
  const platform = optionalString(body, 'platform');
  if (platform !== undefined) request.platform = platform;
  const plainHttp = optionalBoolean(body, 'plainHttp');
  if (plainHttp !== undefined) request.plainHttp = plainHttp;
  const prefetchAll = optionalBoolean(body, 'prefetchAll');
  if (prefetchAll !== undefined) request.prefetchAll = prefetchAll;
  if (body.credentials !== undefined && body.credentials !== null) {
    const c = body.credentials;
    if (!isObject(c) || typeof c.username !== 'string' || typeof c.password !== 'string' || Object.keys(c).length !== 2) {
      throw new BadRequestError('credentials must be {"username": string, "password": string}');
    }
    request.credentials = { username: c.username, password: c.password };
  }
  if (body.labels !== undefined && body.labels !== null) {
    const labels = body.labels;
    if (!isObject(labels)) throw new BadRequestError('labels must be an object of strings');
    const entries = Object.entries(labels);
    if (entries.length > MAX_LABELS) throw new BadRequestError(`at most ${MAX_LABELS} labels`);
    for (const [k, v] of entries) {
      if (typeof v !== 'string') throw new BadRequestError(`label ${JSON.stringify(k)} must be a string`);
      if (Buffer.byteLength(k) + Buffer.byteLength(v) > MAX_LABEL_BYTES) throw new BadRequestError(`label ${JSON.stringify(k)} is longer than ${MAX_LABEL_BYTES} bytes`);
    }
    request.labels = Object.fromEntries(entries) as Record<string, string>;
  }
  return request;
}

/** `POST /api/v1/cache/gc` body: `{"keep": [blob ids]}`, all optional. */
export function parseGcRequest(body: unknown): { keep: string[] } {
  if (body === undefined || body === null) return { keep: [] };
  if (!isObject(body)) throw new BadRequestError('the body must be a JSON object');
  for (const key of Object.keys(body)) if (key !== 'keep') throw new BadRequestError(`unknown field ${JSON.stringify(key)}`);
  const keep = body.keep ?? [];
  if (!Array.isArray(keep) || !keep.every(isBlobId)) {
    throw new BadRequestError('keep must be an array of blob ids (64 lowercase hex digits)');
  }
  return { keep: keep as string[] };
}

/** The HTTP status a failure answers. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof BadRequestError || err instanceof InvalidArgumentError || err instanceof InvalidReferenceError || err instanceof UsageError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof MountpointBusyError) return 409;
  if (err instanceof RegistryError) return err.code === 'REGISTRY_NOT_FOUND' ? 404 : 502;
  if (err instanceof DarnerError) {
    switch (err.code) {
      case 'BAD_MANIFEST':
      case 'MALFORMED_BOOTSTRAP':
      case 'UNSUPPORTED':
      case 'NO_MATCHING_PLATFORM':
        return 422;
      case 'BAD_MOUNT_TARGET':
        return 400;
      case 'DIGEST_MISMATCH':
      case 'SIZE_MISMATCH':
      case 'BAD_COMPRESSION':
      case 'BAD_TAR':
        return 502;
      case 'METHOD_NOT_ALLOWED':
        return 405;
      case 'SHUTTING_DOWN':
        return 503;
    }
  }
  return 500;
}

/** The one-line error body of a failure. */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof DarnerError) return { error: { code: err.code, message: oneLine(err.message) } };
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return { error: { code: typeof code === 'string' ? code : 'INTERNAL', message: oneLine(message) } };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 2000);
}
