/**
 * A client for one registry's HTTP API (the OCI distribution spec / docker registry v2).
 *
 * Every call is one logical exchange made of:
 *   auth      (registry-auth.ts) — the Authorization header for the scopes it needs; a 401 with
 *             a challenge is answered once with fresh credentials or a fresh token;
 *   redirects — followed (up to 5); the Authorization header is dropped when the host changes,
 *             as blob GETs are commonly redirected to a storage service;
 *   retry     (retry.ts) — network errors, 5xx, 408 and 429 are retried with backoff, bounded in
 *             attempts and total time. Blob streams are retried until their headers arrive; small
 *             documents are retried whole; uploads restart from a new session. Range reads are
 *             one request: their caller retries (readRangeRetrying, or the fetch engine).
 *
 * What comes back is checked: manifests fetched by digest must have that digest (by tag, the
 * computed digest is returned), blob streams fail with DigestMismatchError at the end when the
 * bytes are wrong, range reads return exactly the requested bytes or fail, and every body read
 * into memory is bounded.
 *
 * Modules: registry-exchange.ts (connections, auth, redirects, retry), registry-reader.ts (the
 * pull API), registry-pusher.ts (the push API; RegistryClient is the whole client).
 */
export type { RegistryClientOptions, RegistryTimeouts } from './registry-exchange.js';
export { RegistryClient, type BlobBody } from './registry-pusher.js';
