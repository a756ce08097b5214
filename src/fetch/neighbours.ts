/**
 * The fetch policy for a cold read of a small file, pure: which chunks stored after the ones a
 * read needs may go into the same request.
 *
 * A program starting up (python's imports, a dynamic loader) opens many small files, one after
 * another, that the converter stored next to each other (tar order: the files of one directory
 * together). Fetching each alone costs a round trip per file; streaming the blob ahead of the
 * reader fetches much more than is read (a 4 MiB window fetched 26–33 MB for 5.3 MB read by a
 * python start). So a read of a small file fetches the whole file and the small files stored
 * right after it, whole files only, in one request of at most `requestBytes`; a read of a large
 * file fetches what it needs, and only sequential read-ahead inside that file
 * (image-reader.ts, sequential.ts) fetches more of it.
 */
import type { FileExtent } from './file-extents.js';
import type { PlanChunk, PlannedRange } from './range-plan.js';

export interface NeighbourPolicy {
  /** A file of at most this many stored bytes is small. */
  smallFileBytes: number;
  /** The largest request a read of a small file makes with its neighbours (stored bytes). */
  requestBytes: number;
}

/**
 * Whether chunk `n`, stored right after `range`, may join it: `range` ends in a small file, and
 * `n` is either the rest of that file or the first chunk of a small file that fits whole.
 * `extentOf` gives a chunk's file (file-extents.ts); chunks of no known file are never added.
 */
export function mayAddNeighbour<C extends PlanChunk>(
  extentOf: (c: C) => FileExtent | undefined,
  policy: NeighbourPolicy,
  range: PlannedRange<C>,
  n: C,
): boolean {
  const last = extentOf(range.chunks[range.chunks.length - 1]!);
  if (last === undefined || last.bytes > policy.smallFileBytes) return false;
  const file = extentOf(n);
  if (file === undefined) return false;
  if (file === last) return true;
  if (file.bytes > policy.smallFileBytes || n.compressedOffset !== file.start) return false;
  return range.length + (file.end - file.start) <= policy.requestBytes;
}

/** Where a reader's cold reads of small files have been going in one blob. */
export interface WalkState {
  /** Stored offset of the last demand miss (-1: none yet). */
  last: number;
  /** The bound of the last request (0: none yet). */
  bound: number;
}

export function initialWalkState(): WalkState {
  return { last: -1, bound: 0 };
}

/**
 * The neighbour bound for a demand miss at stored offset `offset`, pure; `state` is updated.
 * A miss right after what the last request brought — ahead of the last miss by at most that
 * request's bound, with the chunk stored just before it in hand or arriving (`previousInHand`:
 * the reader used up that request, or is about to) — is a walk through the blob in stored order (`find | xargs cat`, a copy
 * of a directory tree), and the bound doubles, up to `maxBytes`, so that a walk costs few round
 * trips; any other miss (a program's imports jump between directories) starts again at
 * `policy.requestBytes`. Whole files only still: the bound only lets more small files join.
 */
export function neighbourBound(state: WalkState, offset: number, policy: NeighbourPolicy, maxBytes: number, previousInHand: boolean): number {
  const base = policy.requestBytes;
  const walking = previousInHand && state.last >= 0 && offset > state.last && offset <= state.last + state.bound;
  state.bound = walking ? Math.max(base, Math.min(maxBytes, state.bound * 2)) : base;
  state.last = offset;
  return state.bound;
}
