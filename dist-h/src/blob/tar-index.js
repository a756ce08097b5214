/**
 * Indexing a tar file: where each member's data starts and how long it is, so that any member can
 * later be served as a byte range of the file without reading the archive again. Understands
 * ustar (name prefix), GNU long names (`L`/`K`), pax extended headers (`x`: path, linkpath, size)
 * and base-256 sizes. Every header is checksummed and every member bounds-checked against the
 * file size; a member that points outside the file is a BadTarError.
 *
 * The header decoding is pure; indexTar() reads through a callback.
 */
import { BadTarError } from '../errors.js';
export const TAR_BLOCK = 512;
/** Extended headers and long names larger than this are refused. */
const MAX_EXTENDED_HEADER = 1024 * 1024;
const MAX_MEMBERS = 1_000_000;
function cString(block, start, length) {
    const end = block.indexOf(0, start);
    return block.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}
function parseNumber(block, start, length, what, at) {
    const first = block[start];
    if (first & 0x80) {
        // base-256 (GNU): big-endian two's complement in the remaining bits.
        if (first & 0x40)
            throw new BadTarError(`tar header at byte ${at}: negative ${what}`);
        let value = first & 0x3f;
        for (let i = start + 1; i < start + length; i++) {
            value = value * 256 + block[i];
            if (!Number.isSafeInteger(value))
                throw new BadTarError(`tar header at byte ${at}: ${what} too large`);
        }
        return value;
    }
    const text = block.toString('latin1', start, start + length).replace(/[\0 ]+$/, '').replace(/^ +/, '');
    if (text === '')
        return 0;
    if (!/^[0-7]+$/.test(text))
        throw new BadTarError(`tar header at byte ${at}: bad ${what} ${JSON.stringify(text)}`);
    const value = parseInt(text, 8);
    if (!Number.isSafeInteger(value))
        throw new BadTarError(`tar header at byte ${at}: ${what} too large`);
    return value;
}
/** Decodes one 512-byte header block; null for an all-zero block (end of archive). */
export function parseTarHeader(block, at = 0) {
    if (block.length < TAR_BLOCK)
        throw new BadTarError(`tar header at byte ${at}: truncated`);
    if (block.subarray(0, TAR_BLOCK).every((b) => b === 0))
        return null;
    const expected = parseNumber(block, 148, 8, 'checksum', at);
    let sum = 0;
    for (let i = 0; i < TAR_BLOCK; i++)
        sum += i >= 148 && i < 156 ? 0x20 : block[i];
    if (sum !== expected)
        throw new BadTarError(`tar header at byte ${at}: bad checksum`);
    let name = cString(block, 0, 100);
    const magic = block.toString('latin1', 257, 262);
    if (magic === 'ustar') {
        const prefix = cString(block, 345, 155);
        if (prefix !== '')
            name = `${prefix}/${name}`;
    }
    const typeByte = block[156];
    return {
        name,
        type: typeByte === 0 ? '0' : String.fromCharCode(typeByte),
        size: parseNumber(block, 124, 12, 'size', at),
        linkname: cString(block, 157, 100),
    };
}
/** Decodes pax extended header records (`<len> <key>=<value>\n`...). */
export function parsePaxRecords(data, at = 0) {
    const out = {};
    let pos = 0;
    while (pos < data.length) {
        if (data[pos] === 0)
            break;
        const space = data.indexOf(0x20, pos);
        if (space === -1)
            throw new BadTarError(`pax header at byte ${at}: bad record`);
        const lenText = data.toString('latin1', pos, space);
        const len = /^[0-9]{1,8}$/.test(lenText) ? Number(lenText) : NaN;
        if (!Number.isSafeInteger(len) || len <= space - pos + 1 || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
            throw new BadTarError(`pax header at byte ${at}: bad record length ${JSON.stringify(lenText)}`);
        }
        const record = data.toString('utf8', space + 1, pos + len - 1);
        const eq = record.indexOf('=');
        if (eq === -1)
            throw new BadTarError(`pax header at byte ${at}: record without '='`);
        out[record.slice(0, eq)] = record.slice(eq + 1);
        pos += len;
    }
    return out;
}
function roundUp(n) {
    return Math.ceil(n / TAR_BLOCK) * TAR_BLOCK;
}
/**
 * Walks the headers of a tar file of `fileSize` bytes, reading only headers (and extended
 * headers) through `read(position, length)`. Returns the members in archive order.
 */
export async function indexTar(read, fileSize) {
    const members = [];
    let pos = 0;
    let pax = {};
    let longName;
    let longLink;
    while (pos + TAR_BLOCK <= fileSize) {
        const header = parseTarHeader(await read(pos, TAR_BLOCK), pos);
        if (header === null)
            break;
        const dataOffset = pos + TAR_BLOCK;
        let size = header.size;
        const extended = header.type === 'x' || header.type === 'g' || header.type === 'L' || header.type === 'K';
        if (!extended && pax.size !== undefined) {
            if (!/^[0-9]{1,16}$/.test(pax.size))
                throw new BadTarError(`tar member at byte ${pos}: bad pax size ${JSON.stringify(pax.size)}`);
            size = Number(pax.size);
        }
        if (!Number.isSafeInteger(dataOffset + size) || dataOffset + size > fileSize) {
            throw new BadTarError(`tar member ${JSON.stringify(header.name)} at byte ${pos} claims ${size} bytes, past the end of the archive (${fileSize} bytes)`);
        }
        const readExtended = async (what) => {
            if (size > MAX_EXTENDED_HEADER)
                throw new BadTarError(`${what} at byte ${pos} is ${size} bytes, more than ${MAX_EXTENDED_HEADER}`);
            return read(dataOffset, size);
        };
        switch (header.type) {
            case 'x':
                pax = { ...pax, ...parsePaxRecords(await readExtended('pax header'), pos) };
                break;
            case 'g':
                break; // global pax header: nothing darner needs
            case 'L':
                longName = cString(await readExtended('GNU long name'), 0, size);
                break;
            case 'K':
                longLink = cString(await readExtended('GNU long link'), 0, size);
                break;
            default:
                if (members.length >= MAX_MEMBERS)
                    throw new BadTarError(`tar has more than ${MAX_MEMBERS} members`);
                members.push({
                    name: pax.path ?? longName ?? header.name,
                    type: header.type,
                    offset: dataOffset,
                    size,
                    linkname: pax.linkpath ?? longLink ?? header.linkname,
                });
                pax = {};
                longName = undefined;
                longLink = undefined;
        }
        pos = dataOffset + roundUp(size);
    }
    return members;
}
//# sourceMappingURL=tar-index.js.map