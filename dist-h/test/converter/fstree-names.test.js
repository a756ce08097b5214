import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { treeFromDirectory } from '../../src/fstree/index.js';
/** Names in a directory tree are taken byte for byte: never two names folded into one entry. */
const options = {
    chunkSize: 4096,
    digest: async (chunks) => chunks.map((c) => createHash('sha256').update(c).digest()),
    xattrs: () => new Map(),
};
test('names that are not UTF-8 are an error, not two files read as one', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'darner-fstree-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/sub/x`), Buffer.from([0xff])]), 'one');
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/sub/x`), Buffer.from([0xfe])]), 'two');
    await t.throwsAsync(treeFromDirectory(dir, options), { message: /^\/sub: entry "x\\x(ff|fe)" has a name that is not valid UTF-8$/ });
});
test('UTF-8 names, a leading byte-order mark included, come through byte for byte', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'darner-fstree-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const bom = Buffer.from([0xef, 0xbb, 0xbf, 0x62]);
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), bom]), 'bom');
    writeFileSync(join(dir, 'b'), 'plain');
    writeFileSync(join(dir, 'größe'), 'umlaut');
    const tree = await treeFromDirectory(dir, options);
    t.deepEqual([...tree.keys()].map((k) => Buffer.from(k).toString('hex')).sort(), ['', 'b', 'größe', bom.toString()].map((k) => Buffer.from(k).toString('hex')).sort());
});
//# sourceMappingURL=fstree-names.test.js.map