/**
 * The import graph of the project's own modules, read from their text: relative `import … from`,
 * `export … from` and `import('…')` specifiers, plus the packages each module names. Tests use it
 * to hold dependency rules (which modules a module may load, and no cycles).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
const STATIC = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
/**
 * The imports of one module. `types`: count `import type` / `export type` too (a .ts source);
 * without it only what loads at run time (compiled .js has no type imports left anyway).
 */
export function importsOf(file, options) {
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const specifiers = [];
    for (const m of text.matchAll(STATIC))
        if (options.types || m[2] === undefined)
            specifiers.push(m[3]);
    for (const m of text.matchAll(DYNAMIC))
        specifiers.push(m[1]);
    const modules = [];
    const packages = [];
    for (const s of specifiers) {
        if (s.startsWith('.')) {
            const path = resolve(dirname(file), s);
            modules.push(file.endsWith('.ts') ? path.replace(/\.js$/, '.ts') : path);
        }
        else if (!s.startsWith('node:')) {
            packages.push(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]);
        }
    }
    return { modules, packages };
}
/** Every module reachable from `entry` (itself included), with each one's imports. */
export function reachable(entry, options) {
    const seen = new Map();
    const todo = [entry];
    while (todo.length > 0) {
        const file = todo.pop();
        if (seen.has(file))
            continue;
        const imports = importsOf(file, options);
        seen.set(file, imports);
        todo.push(...imports.modules);
    }
    return seen;
}
/** One import cycle among `graph`'s modules (as a path that ends where it starts), if any. */
export function findCycle(graph) {
    const state = new Map();
    const stack = [];
    const visit = (file) => {
        if (state.get(file) === 'done')
            return undefined;
        if (state.get(file) === 'open')
            return [...stack.slice(stack.indexOf(file)), file];
        state.set(file, 'open');
        stack.push(file);
        for (const next of graph.get(file)?.modules ?? []) {
            if (!graph.has(next))
                continue;
            const cycle = visit(next);
            if (cycle !== undefined)
                return cycle;
        }
        stack.pop();
        state.set(file, 'done');
        return undefined;
    };
    for (const file of graph.keys()) {
        const cycle = visit(file);
        if (cycle !== undefined)
            return cycle;
    }
    return undefined;
}
//# sourceMappingURL=module-graph.js.map