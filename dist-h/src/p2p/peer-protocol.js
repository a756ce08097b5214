/**
 * The P2P data plane's wire rules, pure: peers answer registry-shaped blob Range GETs
 * (`GET /v2/<any name>/blobs/sha256:<hex>` + `Range: bytes=a-b` → 206 + Content-Range), so a
 * requester's fetch path is the same for a peer as for the origin. What darner adds:
 *
 *   Authorization: Bearer <cluster token>   required when the cluster has a token (else 401)
 *   X-Darner-Wait-Ms: <ms>                  the requester was told this parent is fetching the
 *                                           chunks now (in_progress): hold the request up to
 *                                           this long for them instead of answering 404
 *   X-Darner-Peer: <host id>                who answers (206) — for the requester's reports
 *
 * Answers: 206 (the bytes), 400 (no or malformed Range, bad path), 401 (token), 404 (not held,
 * fully, by this peer), 416 (range outside the blob), 503 + Retry-After (upload cap reached).
 *
 * Plain blobs fetched in pieces (src/mirror) add `GET /v2/darner/pieces/sha256:<hex>`: 200 + the
 * piece list when the peer holds the whole blob, 202 while it fetches it (from the origin, or
 * following a parent), with the part of the list it has verified so far as the body when it has
 * one (a partial list: the same form, fewer digests), 404.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
export const WAIT_HEADER = 'x-darner-wait-ms';
export const PEER_HEADER = 'x-darner-peer';
/** The repository name in the URLs a requester builds; a peer ignores it (blobs are content). */
export const PEER_REPOSITORY = 'darner';
const BLOB_PATH = /^\/v2\/(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\/blobs\/sha256:([0-9a-f]{64})$/;
/** The blob id (sha256 hex) a request path names, or undefined when it names no blob. */
export function blobIdOfPath(path) {
    if (path.length > 1024)
        return undefined;
    return BLOB_PATH.exec(path)?.[1];
}
/** The path a requester asks a peer for blob `blobId`. */
export function peerBlobPath(blobId) {
    return `/v2/${PEER_REPOSITORY}/blobs/sha256:${blobId}`;
}
const PIECE_LIST_PATH = /^\/v2\/darner\/pieces\/sha256:([0-9a-f]{64})$/;
/**
 * The piece list of a plain blob (src/mirror/pieces.ts): `GET /v2/darner/pieces/sha256:<hex>`,
 * 200 with the list when the peer holds every piece of the blob, 404 otherwise.
 */
export function pieceListPath(blobId) {
    return `/v2/darner/pieces/sha256:${blobId}`;
}
/** The blob id a piece-list request names, or undefined. */
export function blobIdOfPieceListPath(path) {
    if (path.length > 1024)
        return undefined;
    return PIECE_LIST_PATH.exec(path)?.[1];
}
/**
 * Parses a `Range` header of one closed range (`bytes=a-b`, what registries' clients send and the
 * only form darner asks for). Undefined for anything else: open, suffix, multiple, malformed.
 */
export function parseRangeHeader(header) {
    if (header === undefined || header.length > 64)
        return undefined;
    const m = /^bytes=(\d{1,15})-(\d{1,15})$/.exec(header.trim());
    if (!m)
        return undefined;
    const start = Number(m[1]);
    const end = Number(m[2]);
    if (end < start)
        return undefined;
    return { offset: start, length: end - start + 1 };
}
export function rangeHeader(range) {
    return `bytes=${range.offset}-${range.offset + range.length - 1}`;
}
export function contentRange(range, total) {
    return `bytes ${range.offset}-${range.offset + range.length - 1}/${total}`;
}
/**
 * Checks a `Content-Range` answer against the range asked for: a requester never takes bytes
 * of another range than its own.
 */
export function contentRangeMatches(header, asked) {
    if (header === undefined)
        return false;
    const m = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)$/.exec(header.trim());
    return m !== null && Number(m[1]) === asked.offset && Number(m[2]) === asked.offset + asked.length - 1;
}
/** `Authorization: Bearer <token>` of a request, compared with the cluster token in constant time. */
export function tokenAccepted(authorization, token) {
    if (token === undefined)
        return true;
    if (authorization === undefined)
        return false;
    const m = /^Bearer (.+)$/.exec(authorization.trim());
    if (!m)
        return false;
    // Compare digests: equal lengths whatever the input, so the time says nothing about the token.
    const a = createHash('sha256').update(m[1]).digest();
    const b = createHash('sha256').update(token).digest();
    return timingSafeEqual(a, b);
}
/** The wait a requester asked for, clamped to [0, max]; 0 when absent or malformed. */
export function parseWaitMs(header, max) {
    if (header === undefined || !/^\d{1,9}$/.test(header.trim()))
        return 0;
    return Math.min(Number(header.trim()), max);
}
//# sourceMappingURL=peer-protocol.js.map