/**
 * Tar archives written byte by byte, for input no well-behaved tar writer produces: names that
 * are not UTF-8, base-256 numbers, garbage in octal fields. Each header field is given as the
 * exact bytes to store (or a number, written as octal the usual way).
 */
const bytesOf = (v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v));
function putField(header, offset, length, value) {
    if (typeof value === 'number') {
        header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
    }
    else {
        if (value.length > length)
            throw new Error(`field value of ${value.length} bytes does not fit in ${length}`);
        Buffer.from(value).copy(header, offset);
    }
}
/** GNU base-256 encoding of `value` (two's complement when negative) in a field of `length` bytes. */
export function base256(value, length) {
    const out = new Uint8Array(length);
    let v = value < 0n ? (1n << BigInt(8 * length)) + value : value;
    for (let i = length - 1; i >= 0; i -= 1) {
        out[i] = Number(v & 0xffn);
        v >>= 8n;
    }
    out[0] = value < 0n ? 0xff : 0x80;
    return out;
}
export function rawHeader(entry) {
    const data = entry.data === undefined ? Buffer.alloc(0) : bytesOf(entry.data);
    const header = Buffer.alloc(512);
    const name = bytesOf(entry.name);
    if (name.length > 100)
        throw new Error('name longer than 100 bytes: use a GNU long name or PAX entry');
    name.copy(header, 0);
    putField(header, 100, 8, entry.mode ?? 0o644);
    putField(header, 108, 8, entry.uid ?? 0);
    putField(header, 116, 8, entry.gid ?? 0);
    putField(header, 124, 12, entry.size ?? data.length);
    putField(header, 136, 12, entry.mtime ?? 0);
    header.write(entry.type ?? '0', 156, 1, 'latin1');
    if (entry.linkname !== undefined)
        bytesOf(entry.linkname).copy(header, 157);
    header.write('ustar\x0000', 257, 8, 'latin1');
    putField(header, 329, 8, entry.devmajor ?? 0);
    putField(header, 337, 8, entry.devminor ?? 0);
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of header)
        sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    return header;
}
/** The archive: each header, its data padded to 512 bytes, then two zero blocks. */
export function rawTar(entries) {
    const parts = [];
    for (const entry of entries) {
        const data = entry.data === undefined ? Buffer.alloc(0) : bytesOf(entry.data);
        parts.push(rawHeader(entry), data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
    parts.push(Buffer.alloc(1024));
    return Buffer.concat(parts);
}
/** A PAX extended header entry carrying `records` (values as raw bytes), for the entry after it. */
export function paxEntry(records) {
    const parts = [];
    for (const [key, value] of Object.entries(records)) {
        const body = Buffer.concat([Buffer.from(` ${key}=`), bytesOf(value), Buffer.from('\n')]);
        let length = body.length + 1;
        while (String(length).length + body.length !== length)
            length += 1;
        parts.push(Buffer.from(String(length)), body);
    }
    return { name: 'PaxHeader', type: 'x', data: Buffer.concat(parts) };
}
//# sourceMappingURL=raw-tar.js.map