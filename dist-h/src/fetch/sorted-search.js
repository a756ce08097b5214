/**
 * Binary searches over ascending numbers (chunk offsets, running maxima). Pure.
 */
/** The first index whose value is at least `value` (the length when none is). */
export function lowerBound(sorted, value) {
    return firstIndex(sorted, (v) => v >= value);
}
/** The first index whose value is above `value` (the length when none is). */
export function upperBound(sorted, value) {
    return firstIndex(sorted, (v) => v > value);
}
/** The first index where `holds` is true, for a predicate that is false, then true, along `sorted`. */
function firstIndex(sorted, holds) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (holds(sorted[mid]))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
//# sourceMappingURL=sorted-search.js.map