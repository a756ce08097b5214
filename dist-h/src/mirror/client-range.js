/** The range to send; 'unsatisfiable' (answer 416) when it starts at or past the end; undefined: the whole blob. */
export function clientRange(header, size) {
    if (header === undefined || header.length > 64)
        return undefined;
    const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
    if (m === null || (m[1] === '' && m[2] === ''))
        return undefined;
    if (m[1] === '') {
        const suffix = Number(m[2]);
        if (suffix === 0)
            return 'unsatisfiable';
        const length = Math.min(suffix, size);
        return length === size ? undefined : { offset: size - length, length };
    }
    const start = Number(m[1]);
    const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start)
        return undefined;
    if (start >= size)
        return 'unsatisfiable';
    if (start === 0 && last === size - 1)
        return undefined;
    return { offset: start, length: last - start + 1 };
}
//# sourceMappingURL=client-range.js.map