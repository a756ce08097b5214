import { setTimeout as sleep } from 'node:timers/promises';
import { AlreadyExistsError, ContainerdError } from '../../src/errors.js';
/**
 * Writes one blob into containerd's content store over Content/Write, as containerd's Go client
 * does (content/helpers.go WriteBlob, content/proxy/content_writer.go):
 *
 * 1. STAT with the ref, total and expected digest. ALREADY_EXISTS means the store holds the blob
 *    (and the lease now covers it): done, without reading the body. UNAVAILABLE means another
 *    writer holds the ref: wait and try again.
 * 2. WRITE the body in 1 MiB pieces (containerd's gRPC limit is 16 MiB), each at its offset. An
 *    ingest left half-written by an earlier pull is started again from offset 0, which every
 *    content store must accept.
 * 3. COMMIT with total and expected: containerd checks size and digest. ALREADY_EXISTS here
 *    (someone committed the same blob meanwhile) is success too.
 *
 * The body is only opened when bytes are needed, so a blob that is already stored is never
 * fetched.
 */
export const WRITE_CHUNK_BYTES = 1024 * 1024;
/** Stores `desc` under `ref`; 'exists' when the store had it already, else the bytes written. */
export async function ingestBlob(client, ref, desc, openBody, options = {}) {
    const deadline = Date.now() + (options.lockedTimeoutMs ?? 60_000);
    for (let delay = 100;; delay = Math.min(delay * 2, 2000)) {
        try {
            return await ingestOnce(client, ref, desc, openBody);
        }
        catch (err) {
            const locked = err instanceof ContainerdError && err.code === 'CONTAINERD_UNAVAILABLE' && /locked|unavailable/i.test(err.message);
            if (!locked || Date.now() + delay > deadline)
                throw err;
            await sleep(delay);
        }
    }
}
async function ingestOnce(client, ref, desc, openBody) {
    const stream = client.openWrite();
    try {
        try {
            await stream.send({ action: 'STAT', ref, total: desc.size, expected: desc.digest });
        }
        catch (err) {
            if (err instanceof AlreadyExistsError)
                return 'exists';
            throw err;
        }
        const body = await openBody();
        let offset = 0;
        try {
            let pending = [];
            let pendingBytes = 0;
            const flush = async () => {
                if (pendingBytes === 0)
                    return;
                const data = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
                pending = [];
                pendingBytes = 0;
                await stream.send({ action: 'WRITE', ref, offset, data });
                offset += data.length;
            };
            for await (const piece of body) {
                let chunk = piece;
                while (chunk.length > 0) {
                    const room = WRITE_CHUNK_BYTES - pendingBytes;
                    pending.push(chunk.subarray(0, room));
                    pendingBytes += Math.min(room, chunk.length);
                    chunk = chunk.subarray(room);
                    if (pendingBytes === WRITE_CHUNK_BYTES)
                        await flush();
                }
            }
            await flush();
        }
        finally {
            body.destroy();
        }
        try {
            // The offset must be the bytes written: a COMMIT at offset 0 truncates the ingest first.
            await stream.send({ action: 'COMMIT', ref, total: desc.size, expected: desc.digest, offset });
        }
        catch (err) {
            if (err instanceof AlreadyExistsError)
                return 'exists';
            throw err;
        }
        return offset;
    }
    catch (err) {
        // Leave no half-written ingest behind (a later pull would restart it anyway).
        await client.abortIngest(ref).catch(() => undefined);
        throw err;
    }
    finally {
        stream.close();
    }
}
//# sourceMappingURL=content-ingest.js.map