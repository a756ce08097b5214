import tar from 'tar-stream';
const pack = tar.pack();
const val = Buffer.from([0x01,0x00,0x00,0x02,0x80,0xff,0x00,0x00]);
function rec(key, value) { const body = Buffer.concat([Buffer.from(' '+key+'='), value, Buffer.from('\n')]); let len = body.length + 1; while (String(len).length + body.length !== len) len++; return Buffer.concat([Buffer.from(String(len)), body]); }
const paxbuf = Buffer.concat([rec('SCHILY.xattr.security.capability', val), rec('mtime', Buffer.from('1700000000.123456789'))]);
pack.entry({ name: 'PaxHeader/f', type: 'pax-header', size: paxbuf.length }, paxbuf);
pack.entry({ name: 'f', size: 3, mode: 0o4755 }, 'abc');
pack.finalize();
const chunks=[]; for await (const c of pack) chunks.push(c);
const buf = Buffer.concat(chunks);
import { writeFileSync } from 'fs'; writeFileSync('/tmp/pax.tar', buf);
