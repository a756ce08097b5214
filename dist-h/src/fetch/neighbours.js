/**
 * Whether chunk `n`, stored right after `range`, may join it: `range` ends in a small file, and
 * `n` is either the rest of that file or the first chunk of a small file that fits whole.
 * `extentOf` gives a chunk's file (file-extents.ts); chunks of no known file are never added.
 */
export function mayAddNeighbour(extentOf, policy, range, n) {
    const last = extentOf(range.chunks[range.chunks.length - 1]);
    if (last === undefined || last.bytes > policy.smallFileBytes)
        return false;
    const file = extentOf(n);
    if (file === undefined)
        return false;
    if (file === last)
        return true;
    if (file.bytes > policy.smallFileBytes || n.compressedOffset !== file.start)
        return false;
    return range.length + (file.end - file.start) <= policy.requestBytes;
}
export function initialWalkState() {
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
export function neighbourBound(state, offset, policy, maxBytes, previousInHand) {
    const base = policy.requestBytes;
    const walking = previousInHand && state.last >= 0 && offset > state.last && offset <= state.last + state.bound;
    state.bound = walking ? Math.max(base, Math.min(maxBytes, state.bound * 2)) : base;
    state.last = offset;
    return state.bound;
}
//# sourceMappingURL=neighbours.js.map