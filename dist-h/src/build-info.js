/**
 * The `<prefix>build_info` gauge every darner process exports (value 1; the facts are labels, as
 * Prometheus exporters do): darner's version, the native addon's version (or `unavailable` when
 * it does not load) and Node's version. Also the process metrics, without the prom-client defaults
 * whose names end in `_total` but that are gauges.
 */
import { readFileSync } from 'node:fs';
import { Gauge, collectDefaultMetrics } from 'prom-client';
import { nativeAvailable } from './native.js';
function readText(relative) {
    try {
        return readFileSync(new URL(relative, import.meta.url), 'utf8');
    }
    catch {
        return undefined;
    }
}
/** The package version and the native crate's version (this module sits in dist/src/). */
export function buildFacts() {
    const pkg = readText('../../package.json');
    const version = pkg === undefined ? 'unknown' : (JSON.parse(pkg).version ?? 'unknown');
    const crate = readText('../../native/Cargo.toml');
    const crateVersion = crate === undefined ? undefined : /^version\s*=\s*"([^"]+)"/m.exec(crate)?.[1];
    const native = nativeAvailable() ? (crateVersion ?? 'unknown') : 'unavailable';
    return { version, native, node: process.versions.node };
}
/** Registers `<prefix>build_info{version,native_version,node_version} 1` in `registry`. */
export function registerBuildInfo(registry, prefix) {
    const facts = buildFacts();
    const gauge = new Gauge({
        name: `${prefix}build_info`,
        help: 'darner build: version, native addon version (unavailable: not loaded) and Node.js version; always 1',
        labelNames: ['version', 'native_version', 'node_version'],
        registers: [registry],
    });
    gauge.set({ version: facts.version, native_version: facts.native, node_version: facts.node }, 1);
}
/**
 * prom-client's gauges named like counters: each is the sum over the `type` label of the gauge
 * of the same name without `_total`, which stays.
 */
const GAUGES_NAMED_TOTAL = ['nodejs_active_resources_total', 'nodejs_active_handles_total', 'nodejs_active_requests_total'];
/** prom-client's process and Node.js metrics under `prefix` (without GAUGES_NAMED_TOTAL), and build_info. */
export function registerProcessMetrics(registry, prefix) {
    collectDefaultMetrics({ register: registry, prefix });
    for (const name of GAUGES_NAMED_TOTAL)
        registry.removeSingleMetric(`${prefix}${name}`);
    registerBuildInfo(registry, prefix);
}
//# sourceMappingURL=build-info.js.map