/**
 * The typed client of the daemon control API (docs/daemon-api.md), over its unix socket with
 * undici. Used by `darner mount|umount|cache` and by the snapshotter, which must not import
 * anything of the daemon but this module and api.ts (no FUSE code comes with it).
 *
 *   const client = new DaemonClient('/run/darner/daemon.sock');
 *   const { mount } = await client.mount({ reference: 'registry:5000/app:darner', mountpoint: '/mnt/app' });
 *   await client.unmount(mount.id);
 *   await client.close();
 *
 * Failures are typed: DaemonUnavailableError (code DAEMON_UNAVAILABLE) when nothing answers on
 * the socket; DaemonApiError with the daemon's own code and HTTP status (NOT_FOUND 404,
 * MOUNTPOINT_BUSY 409, BAD_REQUEST 400, REGISTRY_* 502/404, ...) when it answers with an error.
 */
import { Client } from 'undici';
import { DaemonApiError, DaemonUnavailableError } from '../errors.js';
import { API_PREFIX } from './api.js';
import { DEFAULT_SOCKET } from './config.js';
export { DEFAULT_SOCKET } from './config.js';
/** Error codes of a socket with nothing (alive) behind it. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ENOTSOCK', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
export class DaemonClient {
    socket;
    #client;
    constructor(socket = DEFAULT_SOCKET, options = {}) {
        this.socket = socket;
        const timeout = options.timeoutMs ?? 300_000;
        this.#client = new Client('http://darner', { socketPath: socket, headersTimeout: timeout, bodyTimeout: timeout, connectTimeout: 5000 });
    }
    status() {
        return this.#call('GET', '/status');
    }
    async listMounts() {
        return (await this.#call('GET', '/mounts')).mounts;
    }
    /**
     * Mounts an image (docs/daemon-api.md for the fields). `created` is false when the same image
     * was already mounted at that mount point (the call is idempotent).
     */
    async mount(request) {
        const { status, body } = await this.#request('POST', '/mounts', request);
        return { mount: body.mount, created: status === 201 };
    }
    /** Unmounts mount `id` (DaemonApiError NOT_FOUND when there is none). */
    async unmount(id) {
        await this.#call('DELETE', `/mounts/${encodeURIComponent(id)}`);
    }
    /** Unmounts whatever this daemon mounted at `mountpoint` (NOT_FOUND when nothing). */
    async unmountAt(mountpoint) {
        await this.#call('DELETE', `/mounts?mountpoint=${encodeURIComponent(mountpoint)}`);
    }
    /** Stops mount `id`'s access-trace recording and writes the trace now (the mount stays). */
    stopRecording(id) {
        return this.#call('POST', `/mounts/${encodeURIComponent(id)}/trace`);
    }
    cacheList() {
        return this.#call('GET', '/cache');
    }
    /** Removes every cached blob no mount references, except `keep`. */
    cacheGc(keep = []) {
        return this.#call('POST', '/cache/gc', { keep });
    }
    /** Has the daemon hand its mounts over and exit (see docs/failover.md). */
    handover() {
        return this.#call('POST', '/handover');
    }
    /** True when a daemon answers on the socket. */
    async ping() {
        try {
            await this.status();
            return true;
        }
        catch (err) {
            if (err instanceof DaemonUnavailableError)
                return false;
            throw err;
        }
    }
    close() {
        return this.#client.close();
    }
    async #call(method, path, body) {
        return (await this.#request(method, path, body)).body;
    }
    async #request(method, path, body) {
        let response;
        try {
            response = await this.#client.request({
                method: method,
                path: `${API_PREFIX}${path}`,
                ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
            });
        }
        catch (err) {
            const code = err.code ?? '';
            if (UNAVAILABLE_CODES.has(code)) {
                throw new DaemonUnavailableError(`no darner daemon answers on ${this.socket} (${code})`, { cause: err });
            }
            throw new DaemonUnavailableError(`darner daemon on ${this.socket}: ${err.message}`, { cause: err });
        }
        const text = await response.body.text();
        const status = response.statusCode;
        if (status >= 400) {
            let error;
            try {
                error = JSON.parse(text).error;
            }
            catch {
                // not the daemon's error shape
            }
            throw new DaemonApiError(error?.code ?? `HTTP_${status}`, status, error?.message ?? `${method} ${path}: HTTP ${status} ${text.slice(0, 200)}`);
        }
        if (text === '')
            return { status, body: undefined };
        try {
            return { status, body: JSON.parse(text) };
        }
        catch {
            throw new DaemonApiError('BAD_RESPONSE', status, `${method} ${path}: the daemon's answer is not JSON`);
        }
    }
}
/** Polls the daemon's status until it answers (DaemonUnavailableError after `timeoutMs`). */
export async function waitForDaemon(socket, timeoutMs = 30_000, alive = () => true) {
    const deadline = Date.now() + timeoutMs;
    const client = new DaemonClient(socket, { timeoutMs: 5000 });
    try {
        for (;;) {
            try {
                return await client.status();
            }
            catch (err) {
                if (!(err instanceof DaemonUnavailableError))
                    throw err;
                if (!alive())
                    throw new DaemonUnavailableError(`the daemon exited before answering on ${socket}`);
                if (Date.now() > deadline)
                    throw new DaemonUnavailableError(`no darner daemon answered on ${socket} within ${timeoutMs} ms`);
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    }
    finally {
        await client.close();
    }
}
//# sourceMappingURL=client.js.map