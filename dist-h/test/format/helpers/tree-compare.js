/**
 * Compares a directory tree on disk (a kernel mount of a bootstrap, or an fsck.erofs extraction)
 * with the model it was written from, and lists every difference.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { modeTypeOfKind } from '../../../src/format/inode.js';
import { expectedContent } from './blob-files.js';
import { paths } from './canonical.js';
/** Every xattr of every path under `root`, read with one getfattr run (symlinks not followed). */
export function readAllXattrs(root) {
    const text = execFileSync('getfattr', ['-R', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', root], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
    });
    const out = new Map();
    let current;
    for (const line of text.split('\n')) {
        if (line.startsWith('# file: ')) {
            const path = line.slice('# file: '.length);
            current = new Map();
            out.set(path === root ? '/' : path.slice(root.length), current);
        }
        else if (current && line.includes('=')) {
            const eq = line.indexOf('=');
            current.set(line.slice(0, eq), line.slice(eq + 1).replace(/^0x/, ''));
        }
    }
    return out;
}
function majorOf(rdev) {
    return Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
}
function minorOf(rdev) {
    return Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
}
export function compareTree(root, meta, blobs, opts) {
    const problems = [];
    const xattrs = opts.xattrs ? readAllXattrs(root) : undefined;
    const inoOfNode = new Map();
    const names = new Map();
    for (const [, node] of paths(meta))
        names.set(node, (names.get(node) ?? 0) + 1);
    for (const [path, node] of paths(meta)) {
        if (opts.skip?.(path, node))
            continue;
        const onDisk = path === '/' ? root : join(root, path);
        const where = (what, actual, expected) => {
            problems.push(`${path}: ${what} is ${String(actual)}, expected ${String(expected)}`);
        };
        let st;
        try {
            st = lstatSync(onDisk, { bigint: true });
        }
        catch (err) {
            problems.push(`${path}: ${err.message}`);
            continue;
        }
        const mode = Number(st.mode);
        if ((mode & 0o170000) !== modeTypeOfKind(node.kind))
            where('type', (mode & 0o170000).toString(8), modeTypeOfKind(node.kind).toString(8));
        const permMask = opts.setid || node.kind === 'dir' ? 0o7777 : 0o1777;
        if ((mode & permMask) !== (node.permissions & permMask))
            where('permissions', (mode & 0o7777).toString(8), node.permissions.toString(8));
        if (Number(st.uid) !== node.uid)
            where('uid', st.uid, node.uid);
        if (Number(st.gid) !== node.gid)
            where('gid', st.gid, node.gid);
        const mtimeNs = BigInt(node.mtime) * 1000000000n + BigInt(node.mtimeNsec);
        if (st.mtimeNs !== mtimeNs)
            where('mtime (ns)', st.mtimeNs, mtimeNs);
        if (opts.inodeNumbers && BigInt(opts.inodeNumbers.get(path) ?? -1) !== st.ino)
            where('st_ino', st.ino, opts.inodeNumbers.get(path));
        if (opts.links && node.kind !== 'dir') {
            const seen = inoOfNode.get(node);
            if (seen === undefined)
                inoOfNode.set(node, st.ino);
            else if (seen !== st.ino)
                where('st_ino (hard link)', st.ino, seen);
            if (Number(st.nlink) !== names.get(node))
                where('nlink', st.nlink, names.get(node));
        }
        switch (node.kind) {
            case 'file': {
                if (Number(st.size) !== node.size)
                    where('size', st.size, node.size);
                const data = readFileSync(onDisk);
                if (!data.equals(expectedContent(meta, node, blobs)))
                    problems.push(`${path}: content differs`);
                break;
            }
            case 'symlink': {
                const target = readlinkSync(onDisk);
                if (target !== node.target)
                    where('target', target.slice(0, 40), node.target.slice(0, 40));
                break;
            }
            case 'dir': {
                const listed = readdirSync(onDisk).sort();
                const expected = [...node.entries.keys()].sort();
                if (listed.join('\0') !== expected.join('\0'))
                    where('entries', listed.join(','), expected.join(','));
                if (opts.links) {
                    const subdirs = [...node.entries.values()].filter((n) => n.kind === 'dir').length;
                    if (Number(st.nlink) !== 2 + subdirs)
                        where('nlink', st.nlink, 2 + subdirs);
                }
                break;
            }
            case 'chardev':
            case 'blockdev':
                if (majorOf(st.rdev) !== node.major || minorOf(st.rdev) !== node.minor)
                    where('rdev', `${majorOf(st.rdev)}:${minorOf(st.rdev)}`, `${node.major}:${node.minor}`);
                break;
            default:
                break;
        }
        if (xattrs) {
            const actual = xattrs.get(path) ?? new Map();
            const expected = new Map([...node.xattrs].map(([k, v]) => [k, Buffer.from(v).toString('hex')]));
            const show = (m) => [...m].sort().map(([k, v]) => `${k}=${v.slice(0, 16)}`).join(' ');
            if (show(actual) !== show(expected) || [...actual].some(([k, v]) => expected.get(k) !== v))
                where('xattrs', show(actual), show(expected));
        }
    }
    return problems;
}
//# sourceMappingURL=tree-compare.js.map