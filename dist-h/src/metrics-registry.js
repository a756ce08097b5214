/**
 * Registering darner's Prometheus metrics (prom-client) in a registry the process passes in.
 * A component registering a name already in that registry (a second cache, fetcher or peer of
 * the same daemon) gets the existing metric instead of prom-client's duplicate-name error; with
 * no registry, metrics are private to the component.
 */
import { Counter } from 'prom-client';
/** The metric named `name` in `registry`, or the one `make` registers (in no registry without one). */
export function reuseMetric(registry, name, make) {
    const existing = registry?.getSingleMetric(name);
    if (existing !== undefined)
        return existing;
    return make(registry ? [registry] : []);
}
/** A Counter factory over reuseMetric for one registry. */
export function counterIn(registry) {
    return (name, help, labelNames = []) => reuseMetric(registry, name, (registers) => new Counter({ name, help, labelNames, registers }));
}
//# sourceMappingURL=metrics-registry.js.map