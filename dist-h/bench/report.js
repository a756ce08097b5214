import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
/** Shared output of the benchmarks: an aligned table on stdout and JSON in bench/results/. */
export function printTable(headers, rows) {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells) => cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    process.stdout.write(`${line(headers)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
    for (const row of rows)
        process.stdout.write(`${line(row)}\n`);
}
/** Writes bench/results/<name>.json (with the machine's CPU count and load) and returns its path. */
export function writeResults(name, data) {
    // Compiled to dist/bench/report.js; results live in the source tree's bench/results.
    const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}${name}.json`;
    const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version };
    writeFileSync(file, `${JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine, ...data }, null, 2)}\n`);
    return file;
}
//# sourceMappingURL=report.js.map