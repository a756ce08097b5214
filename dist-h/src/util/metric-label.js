/** Label values of darner's metrics: one style everywhere. Pure; no I/O. */
/**
 * `value` as a lowercase snake_case label value: `OK` → `ok`, `CHUNK_UNAVAILABLE` →
 * `chunk_unavailable`, `RegisterPeer` → `register_peer`, `GET` → `get`.
 */
export function metricLabel(value) {
    return value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
//# sourceMappingURL=metric-label.js.map