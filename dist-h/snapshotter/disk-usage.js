import fs from 'node:fs/promises';
import path from 'node:path';
/**
 * Disk usage of a directory tree as containerd's fs.DiskUsage counts it: every inode once
 * (hard links and the root included), size = allocated blocks × 512. Symlinks are not followed
 * and mount points below `root` are not crossed. Asynchronous, so a large upper dir does not
 * stall other requests.
 */
export async function diskUsage(root) {
    const rootStat = await fs.lstat(root, { bigint: true });
    const seen = new Set();
    let size = 0n;
    const count = (st) => {
        const id = `${st.dev}:${st.ino}`;
        if (seen.has(id))
            return;
        seen.add(id);
        size += st.blocks * 512n;
    };
    count(rootStat);
    if (!rootStat.isDirectory())
        return { size: Number(size), inodes: seen.size };
    const pending = [root];
    while (pending.length > 0) {
        const dir = pending.pop();
        let names;
        try {
            names = await fs.readdir(dir);
        }
        catch (err) {
            // A directory removed while we walk (a container deleting files) is not an error.
            if (err.code === 'ENOENT')
                continue;
            throw err;
        }
        for (const name of names) {
            const full = path.join(dir, name);
            let st;
            try {
                st = await fs.lstat(full, { bigint: true });
            }
            catch (err) {
                if (err.code === 'ENOENT')
                    continue;
                throw err;
            }
            count(st);
            if (st.isDirectory() && st.dev === rootStat.dev)
                pending.push(full);
        }
    }
    return { size: Number(size), inodes: seen.size };
}
//# sourceMappingURL=disk-usage.js.map