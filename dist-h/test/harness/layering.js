/**
 * Layering rules over an import graph (paths relative to the project root): every module belongs
 * to an area (its directory under src/, or converter/ or snapshotter/; src/*.ts are the shared
 * modules) and may import its own area, the shared modules, and what the rule lists for its area.
 * Pure: the graph is read elsewhere (module-graph.ts).
 */
/** `src/fetch/x.ts` → `src/fetch`; `converter/pull/x.ts` → `converter`; `src/errors.ts` → `src`. */
export function areaOf(path) {
    const parts = path.split('/');
    if (parts[0] === 'src')
        return parts.length > 2 ? `src/${parts[1]}` : 'src';
    return parts[0];
}
/** Every import that breaks `rules`, as `from → to`, sorted; an area with no rule breaks it too. */
export function layerViolations(graph, rules, sharedMayImport) {
    const out = [];
    for (const [from, imports] of graph) {
        const area = areaOf(from);
        const allowed = area === 'src' ? sharedMayImport : rules[area];
        if (allowed === undefined) {
            out.push(`${from}: area ${area} has no layering rule`);
            continue;
        }
        for (const to of imports) {
            const target = areaOf(to);
            if (target === area || target === 'src')
                continue;
            if (allowed.includes(target) || allowed.includes(to))
                continue;
            out.push(`${from} → ${to}`);
        }
    }
    return out.sort();
}
//# sourceMappingURL=layering.js.map