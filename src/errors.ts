/**
 * darner's error classes. Every failure that can reach a user is one of these, with a stable
 * `code`; errors are translated only at the edges (errno in the FUSE layer, gRPC status in the
 * snapshotter, one line at the CLI). Add a class per new condition rather than reusing a vague one.
 */

export class DarnerError extends Error {
  /** Stable, machine-readable code, e.g. `MALFORMED_BOOTSTRAP`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The command line was wrong: unknown flag value, missing argument, conflicting options. */
export class UsageError extends DarnerError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** A configuration file or value is invalid. */
export class ConfigError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_CONFIG', message, options);
  }
}

/** A bootstrap (or any on-disk darner structure) is malformed: bad magic, offset out of range... */
export class MalformedBootstrapError extends DarnerError {
  constructor(message: string) {
    super('MALFORMED_BOOTSTRAP', message);
  }
}

/**
 * An in-memory image model that cannot be written as a bootstrap: a name too long, a chunk slot
 * pointing nowhere, a hard-linked directory... Raised by the bootstrap writer before any byte is
 * written; the message names the path or table entry and the rule it breaks.
 */
export class InvalidImageMetadataError extends DarnerError {
  constructor(message: string) {
    super('BAD_IMAGE_METADATA', message);
  }
}

/** A feature flag, algorithm or version this build does not understand. */
export class UnsupportedError extends DarnerError {
  constructor(message: string) {
    super('UNSUPPORTED', message);
  }
}

/** Bytes whose digest is not the one that was promised (blob, chunk, manifest, config). */
export class DigestMismatchError extends DarnerError {
  readonly expected: string;
  readonly actual: string;
  constructor(what: string, expected: string, actual: string) {
    super('DIGEST_MISMATCH', `${what}: digest mismatch (expected ${expected}, got ${actual})`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** An image reference (oci:, docker-archive:, docker://) that cannot be parsed or used. */
export class InvalidReferenceError extends DarnerError {
  constructor(message: string) {
    super('BAD_REFERENCE', message);
  }
}

/** A manifest, index or config that fails validation against the OCI image spec. */
export class InvalidManifestError extends DarnerError {
  constructor(message: string) {
    super('BAD_MANIFEST', message);
  }
}

/** A well-formed image that is not a darner image (no bootstrap layer): a plain OCI image. */
export class NotDarnerImageError extends InvalidManifestError {}

/** A tar stream that is malformed or unsafe (truncated, lying sizes, `..` or absolute names). */
export class BadTarError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_TAR', message, options);
  }
}

/** An image is larger than a configured limit allows (e.g. more tar entries than `--max-entries`). */
export class LimitExceededError extends DarnerError {
  constructor(message: string) {
    super('LIMIT_EXCEEDED', message);
  }
}

/** `darner convert` was given an image that is already a darner (or Nydus) image. */
export class AlreadyConvertedError extends DarnerError {
  constructor(message: string) {
    super('ALREADY_CONVERTED', message);
  }
}

/** Decompression of a layer or chunk failed (truncated gzip, corrupt zstd frame). */
export class DecompressError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_COMPRESSION', message, options);
  }
}

/** A registry answered with an error status; `status` is the HTTP status (0 when unreachable). */
export class RegistryError extends DarnerError {
  readonly status: number;
  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

/** Something that was looked up does not exist (blob, tag, mount, snapshot, file). */
export class NotFoundError extends DarnerError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** Something that is being created already exists (a snapshot key, a committed name). */
export class AlreadyExistsError extends DarnerError {
  constructor(message: string) {
    super('ALREADY_EXISTS', message);
  }
}

/** The request is well-formed but the target is in the wrong state (wrong kind, has children). */
export class FailedPreconditionError extends DarnerError {
  constructor(message: string) {
    super('FAILED_PRECONDITION', message);
  }
}

/** A request argument is invalid (an unknown update path, a label over the size limit, a bad filter). */
export class InvalidArgumentError extends DarnerError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** An operation did not finish within its time limit. */
export class TimeoutError extends DarnerError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

/** The native addon (native/, built by `npm run build:native`) is absent or cannot be loaded. */
export class NativeMissingError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NATIVE_MISSING', message, options);
  }
}

/** Returns a one-line human description of any thrown value, for the CLI's last word. */
export function describeError(err: unknown): string {
  if (err instanceof DarnerError) return `${err.message} [${err.code}]`;
  if (err instanceof Error) {
    const { code, syscall, path } = err as NodeJS.ErrnoException;
    if (code !== undefined && syscall !== undefined && path !== undefined) return `${syscall} ${path}: ${errnoText(err)} [${code}]`;
    return code ? `${err.message} [${code}]` : err.message;
  }
  return String(err);
}

/** An index has no manifest for the requested platform; the message lists those it has. */
export class NoMatchingPlatformError extends DarnerError {
  readonly available: string[];
  constructor(wanted: string, available: string[]) {
    super(
      'NO_MATCHING_PLATFORM',
      `no image for platform ${wanted} (available: ${available.length > 0 ? available.join(', ') : 'none'})`,
    );
    this.available = available;
  }
}

/** A chunk's stored bytes do not decode to its recorded size (truncated, corrupt, hostile). */
export class CorruptChunkError extends DarnerError {
  constructor(message: string) {
    super('CORRUPT_CHUNK', message);
  }
}

/** Bytes whose length is not the one that was promised (a blob shorter or longer than its descriptor). */
export class SizeMismatchError extends DarnerError {
  readonly expected: number;
  readonly actual: number;
  constructor(what: string, expected: number, actual: number, qualifier = '') {
    const got = Number.isNaN(actual) ? 'a different length' : `${qualifier}${actual}`;
    super('SIZE_MISMATCH', `${what}: size mismatch (expected ${expected} bytes, got ${got})`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** A byte range that does not lie within the blob or file it was asked of. */
export class BadRangeError extends DarnerError {
  constructor(message: string) {
    super('BAD_RANGE', message);
  }
}

/** A P2P scheduler request named a peer that is not registered (never, expired, or state lost). */
export class PeerNotRegisteredError extends DarnerError {
  readonly hostId: string;
  constructor(hostId: string) {
    super('PEER_NOT_REGISTERED', `peer ${JSON.stringify(hostId)} is not registered with the scheduler`);
    this.hostId = hostId;
  }
}

/** A request to a darner service carried a field it cannot accept (bad id, offset, size). */
export class BadRequestError extends DarnerError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

/** A preheat was asked for but no seed peer is registered (or every seed is excluded). */
export class NoSeedPeerError extends DarnerError {
  constructor(message = 'no seed peer is registered with the scheduler') {
    super('NO_SEED_PEER', message);
  }
}

/** A seed peer reported that a preheat task failed; the message carries the seed's reason. */
export class PreheatFailedError extends DarnerError {
  constructor(message: string) {
    super('PREHEAT_FAILED', message);
  }
}

/**
 * A call to the P2P scheduler failed. `grpcCode` is the gRPC status code; `code` is
 * SCHEDULER_UNAVAILABLE (unreachable, timed out, or its store is down), SCHEDULER_UNAUTHENTICATED
 * (token or certificate refused), PEER_NOT_REGISTERED, BAD_REQUEST, NO_SEED_PEER, or
 * SCHEDULER_ERROR (anything else).
 */
export class SchedulerError extends DarnerError {
  readonly grpcCode: number;
  constructor(code: string, grpcCode: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.grpcCode = grpcCode;
  }
}

/** A state store the scheduler depends on (Redis) cannot be reached or answered with an error. */
export class StoreUnavailableError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_UNAVAILABLE', message, options);
  }
}

/**
 * A call to containerd's API failed with a status other than the ones with their own class
 * (NotFound, AlreadyExists, FailedPrecondition, InvalidArgument). `grpcCode` is the gRPC status
 * code; UNAVAILABLE (containerd not running, or a content ingest locked by another writer) has
 * code CONTAINERD_UNAVAILABLE, anything else CONTAINERD_ERROR.
 */
export class ContainerdError extends DarnerError {
  readonly grpcCode: number;
  constructor(code: 'CONTAINERD_UNAVAILABLE' | 'CONTAINERD_ERROR', grpcCode: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.grpcCode = grpcCode;
  }
}

/**
 * The snapshotter could not get an image mounted for a container (the daemon is unreachable or
 * refused the mount). The container's Prepare or Mounts fails with this rather than handing
 * containerd a root filesystem without the image in it.
 */
export class ImageMountError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IMAGE_MOUNT_FAILED', message, options);
  }
}

/**
 * File data could not be had: every source failed or declined its chunks within the fetch
 * deadline (origin unreachable, answering errors, or too slow). `cause` is the last failure. The
 * FUSE layer answers EIO; the reason goes to the log and the metrics.
 */
export class ChunkUnavailableError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CHUNK_UNAVAILABLE', message, options);
  }
}

/** An operation was cancelled by its caller (an AbortSignal, or the object being closed). */
export class AbortedError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

/** A blob cache directory is in use by another live process (its lock file names that pid). */
export class CacheLockedError extends DarnerError {
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super('CACHE_LOCKED', `blob cache ${dir} is in use by process ${pid}`);
    this.pid = pid;
  }
}

/** A daemon state directory is in use by another live daemon (its lock file names that pid). */
export class StateLockedError extends DarnerError {
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super('STATE_LOCKED', `state directory ${dir} is in use by another darner daemon (pid ${pid})`);
    this.pid = pid;
  }
}

/** The blob cache directory cannot be created or used (a bad path, no permission, not a directory, another owner). */
export class CacheDirError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CACHE_DIR', message, options);
  }
}

/**
 * An entry inside the blob cache that the daemon did not make as it makes them: a symlink, another
 * type, another owner, a hard link. Refused, never followed or written through.
 */
export class UnsafeCacheFileError extends DarnerError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super('UNSAFE_CACHE_FILE', `blob cache entry ${path} is ${problem}: refused (remove it, e.g. with \`darner cache gc\`)`);
    this.path = path;
  }
}

/** A FUSE mount or unmount failed (mount point missing or in use, FUSE unavailable). */
export class MountError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MOUNT_FAILED', message, options);
  }
}

/** The kernel refused a mount(2); `errno` is its errno name (ENOTBLK: no file-backed EROFS). */
export class KernelMountError extends MountError {
  readonly errno: string | undefined;
  constructor(message: string, errno: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.errno = errno;
  }
}

/** A mount point already holds a different image (the daemon API answers 409). */
export class MountpointBusyError extends DarnerError {
  constructor(message: string) {
    super('MOUNTPOINT_BUSY', message);
  }
}

/** A mount point a client named is refused: not empty, through a symlink, or its parent missing. */
export class MountTargetError extends DarnerError {
  constructor(message: string) {
    super('BAD_MOUNT_TARGET', message);
  }
}

/** No darner daemon answers on the control socket (not started, crashed, wrong path). */
export class DaemonUnavailableError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DAEMON_UNAVAILABLE', message, options);
  }
}

/**
 * The darner daemon answered a control API request with an error: `code` is the daemon's
 * stable code (NOT_FOUND, MOUNTPOINT_BUSY, BAD_REQUEST, ...), `status` the HTTP status.
 */
export class DaemonApiError extends DarnerError {
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(code, message);
    this.status = status;
  }
}

/**
 * A transfer from a P2P parent peer failed. `reason`: unreachable (no answer, reset, timed out,
 * server error), busy (503: its upload cap), not_held (404: it does not hold the range),
 * refused (401/403: token or certificate), slow (below the minimum throughput), bad_answer
 * (wrong status, range or length). The requester moves on to its next parent or the origin.
 */
export class PeerTransferError extends DarnerError {
  readonly reason: 'unreachable' | 'busy' | 'not_held' | 'refused' | 'slow' | 'bad_answer';
  /** busy: the parent's Retry-After (ms), when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(reason: PeerTransferError['reason'], message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super('PEER_TRANSFER_FAILED', message, options);
    this.reason = reason;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** An access trace file (`darner mount --record`, `darner convert --prefetch-trace`) is malformed. */
export class MalformedTraceError extends DarnerError {
  constructor(message: string) {
    super('MALFORMED_TRACE', message);
  }
}

/**
 * A daemon could not take over from its predecessor: no fd keeper answers (the FUSE connections
 * ended with the old daemon), the old daemon did not hand over, or its state does not match the
 * kernel's mounts. The mounts stay detachable (`darner umount`).
 */
export class TakeoverError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TAKEOVER_FAILED', message, options);
  }
}

/**
 * The short text of a Node system error, without the errno name and the syscall Node puts
 * around it (`ENOENT: no such file or directory, open '/x'` → `no such file or directory`).
 */
export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EEXIST' && e.syscall === 'mkdir') return 'a file that is not a directory is in the way';
  const message = err instanceof Error ? err.message : String(err);
  const m = /^E[A-Z0-9]+: ([^,]+)(,|$)/.exec(message);
  return m ? m[1]! : message;
}

/** A path the user named (a flag, a config key) cannot be used: the message names both. */
export class PathError extends DarnerError {
  constructor(what: string, path: string, cause: unknown) {
    super((cause as NodeJS.ErrnoException)?.code ?? 'BAD_PATH', `${what} ${path}: ${errnoText(cause)}`, { cause });
  }
}

/** A catch handler: a system error (one with a syscall) becomes a PathError; any other error passes. */
export function rethrowAsPathError(what: string, path: string): (err: unknown) => never {
  return (err: unknown) => {
    if (err instanceof Error && (err as NodeJS.ErrnoException).syscall !== undefined) throw new PathError(what, path, err);
    throw err;
  };
}

/** A server cannot listen on the address it was given (in use, not allowed, not local). */
export class ListenError extends DarnerError {
  constructor(address: string, reason: string, code = 'LISTEN_FAILED', options?: { cause?: unknown }) {
    super(code, `cannot listen on ${address}: ${reason}`, options);
  }
}

/** The ListenError of a failed bind on `address`, from the bind error's text (grpc-js keeps no errno). */
export function listenErrorOf(address: string, err: unknown): ListenError {
  const text = err instanceof Error ? err.message : String(err);
  if (/EADDRINUSE/.test(text)) return new ListenError(address, 'the address is already in use', 'ADDRESS_IN_USE', { cause: err });
  if (/EACCES/.test(text)) return new ListenError(address, 'permission denied', 'LISTEN_FAILED', { cause: err });
  if (/EADDRNOTAVAIL/.test(text)) return new ListenError(address, 'no such local address', 'LISTEN_FAILED', { cause: err });
  return new ListenError(address, text, 'LISTEN_FAILED', { cause: err });
}
