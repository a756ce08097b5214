import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { contentKey } from './from-metadata.js';
export async function treeFromDirectory(root, options) {
    const tree = new Map();
    const inodes = new Map();
    const visit = async (abs, rel) => {
        const st = await lstat(abs, { bigint: true });
        const devIno = `${st.dev}:${st.ino}`;
        let inode = inodes.get(devIno);
        if (inode === undefined) {
            inode = inodes.size + 1;
            inodes.set(devIno, inode);
        }
        const kind = kindOf(Number(st.mode));
        const entry = {
            path: rel,
            kind,
            permissions: Number(st.mode) & 0o7777,
            uid: Number(st.uid),
            gid: Number(st.gid),
            size: kind === 'file' || kind === 'symlink' ? Number(st.size) : 0,
            mtime: Number(st.mtimeNs / 1000000000n) - (st.mtimeNs < 0n && st.mtimeNs % 1000000000n !== 0n ? 1 : 0),
            mtimeNsec: Number(((st.mtimeNs % 1000000000n) + 1000000000n) % 1000000000n),
            xattrs: new Map([...options.xattrs(abs)].map(([k, v]) => [k, Buffer.from(v).toString('hex')])),
            inode,
        };
        if (kind === 'symlink')
            entry.target = await readlink(abs);
        if (kind === 'chardev' || kind === 'blockdev') {
            const rdev = Number(st.rdev);
            entry.rdev = { major: ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff), minor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) };
        }
        if (kind === 'file')
            entry.content = await fileContentKey(abs, Number(st.size), options);
        tree.set(rel, entry);
        if (kind === 'dir') {
            const names = (await readdir(abs, { encoding: 'buffer' })).map((name) => utf8Name(name, rel));
            names.sort();
            for (const name of names)
                await visit(join(abs, name), rel === '' ? name : `${rel}/${name}`);
        }
    };
    await visit(root, '');
    return tree;
}
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * A directory entry's name as text. Paths in an FsTree are UTF-8 taken byte for byte (as the tar
 * reader and the bootstrap reader take them); a name that is not UTF-8 would be folded into
 * U+FFFD by a plain readdir, and two such names into one entry, so it is an error instead.
 */
function utf8Name(name, dir) {
    try {
        return strictUtf8.decode(name);
    }
    catch {
        const shown = [...name].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
        throw new Error(`/${dir}: entry "${shown}" has a name that is not valid UTF-8`);
    }
}
/** Content key of a file on disk, computed chunk by chunk (bounded memory). */
export async function fileContentKey(path, size, options) {
    const handle = await open(path, 'r');
    try {
        const digests = [];
        const batchChunks = Math.max(1, Math.floor((16 << 20) / options.chunkSize));
        let offset = 0;
        while (offset < size) {
            const batch = [];
            while (batch.length < batchChunks && offset < size) {
                const length = Math.min(options.chunkSize, size - offset);
                const buf = Buffer.alloc(length);
                let got = 0;
                while (got < length) {
                    const { bytesRead } = await handle.read(buf, got, length - got, offset + got);
                    if (bytesRead === 0)
                        throw new Error(`${path}: file shorter than its size (${offset + got} of ${size} bytes)`);
                    got += bytesRead;
                }
                batch.push(buf);
                offset += length;
            }
            digests.push(...(await options.digest(batch)));
        }
        return contentKey(digests);
    }
    finally {
        await handle.close();
    }
}
function kindOf(mode) {
    switch (mode & 0o170000) {
        case 0o100000:
            return 'file';
        case 0o040000:
            return 'dir';
        case 0o120000:
            return 'symlink';
        case 0o020000:
            return 'chardev';
        case 0o060000:
            return 'blockdev';
        case 0o010000:
            return 'fifo';
        case 0o140000:
            return 'socket';
        default:
            throw new Error(`unknown file type in mode 0${mode.toString(8)}`);
    }
}
//# sourceMappingURL=from-directory.js.map