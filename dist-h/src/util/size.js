/**
 * Byte sizes as people type them. Grammar (case-insensitive, surrounding blanks ignored):
 * a decimal or `0x` hexadecimal whole number, optional blanks, an optional binary unit `K`, `M`
 * or `G` (1024, 1024², 1024³), optionally followed by `B` or `iB`: `1048576`, `64K`, `20M`,
 * `1GiB`, `512b`, `0x100000`.
 */
const SIZE = /^(0x[0-9a-f]+|[0-9]+)\s*([kmg]?)(i?b)?$/i;
const FACTOR = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** The byte count `text` names, or undefined when it does not follow the grammar above. */
export function parseSize(text) {
    const m = SIZE.exec(text.trim());
    if (!m)
        return undefined;
    return Number(m[1]) * FACTOR[(m[2] ?? '').toLowerCase()];
}
//# sourceMappingURL=size.js.map