/** Small file helpers for tests. */
import { open } from 'node:fs/promises';
/** Up to `length` bytes of `path` from `offset` (fewer at its end), with one pread. */
export async function readFileRange(path, offset, length) {
    const fh = await open(path, 'r');
    try {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, offset);
        return buf.subarray(0, bytesRead);
    }
    finally {
        await fh.close();
    }
}
//# sourceMappingURL=files.js.map