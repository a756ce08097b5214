import test from 'ava';
import tar from 'tar-stream';
import { indexTar, parsePaxRecords, parseTarHeader } from '../../src/blob/tar-index.js';
import { BadTarError } from '../../src/errors.js';
async function makeTar(entries) {
    const pack = tar.pack();
    for (const e of entries) {
        if (e.type === 'symlink')
            pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
        else if (e.type === 'directory')
            pack.entry({ name: e.name, type: 'directory' });
        else
            pack.entry({ name: e.name }, e.data ?? Buffer.alloc(0));
    }
    pack.finalize();
    const chunks = [];
    for await (const c of pack)
        chunks.push(c);
    return Buffer.concat(chunks);
}
const reader = (buf) => async (pos, len) => buf.subarray(pos, pos + len);
test('indexes members with the offsets of their data', async (t) => {
    const longName = `dir/${'n'.repeat(150)}/file.txt`;
    const buf = await makeTar([
        { name: 'a.txt', data: Buffer.from('alpha') },
        { name: 'dir', type: 'directory' },
        { name: longName, data: Buffer.from('long name body') },
        { name: 'link', type: 'symlink', linkname: 'a.txt' },
        { name: 'empty' },
    ]);
    const members = await indexTar(reader(buf), buf.length);
    t.deepEqual(members.map((m) => [m.name, m.type]), [
        ['a.txt', '0'],
        ['dir', '5'],
        [longName, '0'],
        ['link', '2'],
        ['empty', '0'],
    ]);
    for (const m of members.filter((m) => m.type === '0')) {
        const expected = m.name === 'a.txt' ? 'alpha' : m.name === longName ? 'long name body' : '';
        t.is(buf.toString('utf8', m.offset, m.offset + m.size), expected);
    }
    t.is(members[3].linkname, 'a.txt');
});
test('a bad checksum is a BadTarError', async (t) => {
    const buf = await makeTar([{ name: 'a', data: Buffer.from('x') }]);
    buf[0] = 'b'.charCodeAt(0);
    await t.throwsAsync(indexTar(reader(buf), buf.length), { instanceOf: BadTarError, message: /bad checksum/ });
});
test('a member that claims bytes past the end of the file is a BadTarError', async (t) => {
    const buf = await makeTar([{ name: 'a', data: Buffer.alloc(2000, 1) }]);
    const truncated = buf.subarray(0, 1024);
    await t.throwsAsync(indexTar(reader(truncated), truncated.length), { instanceOf: BadTarError, message: /past the end of the archive \(1024 bytes\)/ });
});
test('header field decoding', (t) => {
    const block = Buffer.alloc(512);
    t.is(parseTarHeader(block), null);
    block.write('name', 0);
    block.write('0000644\0', 100);
    // base-256 size: 2^33 + 5
    block[124] = 0x80;
    block.writeUInt32BE(2, 124 + 4);
    block.writeUInt32BE(5, 124 + 8);
    block.write('0', 156);
    block.write('        ', 148);
    let sum = 0;
    for (const b of block)
        sum += b;
    block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    const h = parseTarHeader(block);
    t.is(h.name, 'name');
    t.is(h.size, 2 ** 33 + 5);
    t.is(h.type, '0');
});
test('pax records', (t) => {
    const rec = (k, v) => {
        const body = ` ${k}=${v}\n`;
        let len = body.length + 1;
        while (String(len).length + body.length !== len)
            len++;
        return `${len}${body}`;
    };
    t.deepEqual(parsePaxRecords(Buffer.from(rec('path', 'a/b') + rec('size', '12'))), { path: 'a/b', size: '12' });
    t.throws(() => parsePaxRecords(Buffer.from('99 path=x\n')), { instanceOf: BadTarError });
    t.throws(() => parsePaxRecords(Buffer.from('x path=x\n')), { instanceOf: BadTarError });
});
//# sourceMappingURL=tar-index.test.js.map