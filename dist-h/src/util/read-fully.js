/** Positional reads that do not stop at a short read(2). */
/** Reads `length` bytes at `position`; fewer only where the file ends. */
export async function readFully(handle, length, position) {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, position + done);
        if (bytesRead === 0)
            break;
        done += bytesRead;
    }
    return done === length ? buf : buf.subarray(0, done);
}
//# sourceMappingURL=read-fully.js.map