/** Byte counts as text, shared by the CLI verbs and their progress lines. Pure; no I/O. */
/** `0 B`, `512 B`, `1.5 KiB`, `12.0 MiB`: one decimal above bytes (progress bars, summaries). */
export function humanBytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = n;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u += 1;
    }
    return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
/** `512 B`, `1.5 KiB`, `20 MiB`: one decimal only below 10 (tables, where width matters). */
export function formatBytes(n) {
    if (n < 1024)
        return `${n} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n / 1024;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i += 1;
    }
    return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
//# sourceMappingURL=format-bytes.js.map