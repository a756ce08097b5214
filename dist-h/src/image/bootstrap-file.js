import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { readExactly } from '../blob/file-range.js';
import { BadRequestError, MalformedBootstrapError, NotFoundError } from '../errors.js';
import { MAX_BOOTSTRAP_BYTES } from './bootstrap-layer.js';
/**
 * Reads a local bootstrap file: the one a mount request names (the snapshotter's, unpacked by
 * containerd), or one the daemon saved. The path comes from a request, so only a regular file is
 * read: it is opened without following a final symlink and without blocking (a FIFO would wait for
 * a writer forever), and the opened file itself is checked (a device such as /dev/zero never ends)
 * and read up to the size it had, bounded by MAX_BOOTSTRAP_BYTES.
 */
export async function readBootstrapFile(path) {
    let fh;
    try {
        fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    }
    catch (err) {
        const code = err.code;
        if (code === 'ENOENT')
            throw new NotFoundError(`bootstrap ${path} does not exist`);
        if (code === 'ELOOP')
            throw new BadRequestError(`bootstrap ${path} is a symbolic link, not a regular file`);
        throw err;
    }
    try {
        const stats = await fh.stat();
        if (!stats.isFile())
            throw new BadRequestError(`bootstrap ${path} is ${kindOf(stats)}, not a regular file`);
        if (stats.size > MAX_BOOTSTRAP_BYTES)
            throw new MalformedBootstrapError(`${path}: ${stats.size} bytes is larger than a bootstrap darner reads`);
        return await readExactly(fh, 0, stats.size, `bootstrap ${path}`);
    }
    finally {
        await fh.close();
    }
}
function kindOf(stats) {
    if (stats.isDirectory())
        return 'a directory';
    if (stats.isFIFO())
        return 'a FIFO';
    if (stats.isCharacterDevice())
        return 'a character device';
    if (stats.isBlockDevice())
        return 'a block device';
    if (stats.isSocket())
        return 'a socket';
    return 'not a file';
}
//# sourceMappingURL=bootstrap-file.js.map