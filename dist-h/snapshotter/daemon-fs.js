import { setTimeout as sleep } from 'node:timers/promises';
import { DaemonClient } from '../src/daemon/client.js';
import { DaemonApiError, DaemonUnavailableError } from '../src/errors.js';
import { log as rootLog } from '../src/log.js';
import { spawnDetached } from '../src/util/detached.js';
export class DaemonFileSystem {
    options;
    client;
    log;
    starting;
    constructor(options) {
        this.options = options;
        this.client = new DaemonClient(options.socket);
        this.log = (options.logger ?? rootLog).child({ component: 'daemon-fs' });
    }
    async mount(request) {
        const body = {
            reference: request.reference,
            mountpoint: request.mountpoint,
            bootstrap: request.bootstrap,
            labels: request.labels,
            ...(request.plainHttp ? { plainHttp: true } : {}),
            ...(request.manifest !== undefined ? { manifest: request.manifest.toString('base64') } : {}),
        };
        try {
            return toImageMount((await this.client.mount(body)).mount);
        }
        catch (err) {
            if (!(err instanceof DaemonUnavailableError) || this.options.startCommand.length === 0)
                throw err;
        }
        await this.startDaemon();
        return toImageMount((await this.client.mount(body)).mount);
    }
    async list() {
        try {
            return (await this.client.listMounts()).map(toImageMount);
        }
        catch (err) {
            if (err instanceof DaemonUnavailableError)
                return [];
            throw err;
        }
    }
    async unmount(id) {
        try {
            await this.client.unmount(id);
        }
        catch (err) {
            if (err instanceof DaemonUnavailableError)
                return;
            if (err instanceof DaemonApiError && err.status === 404)
                return;
            throw err;
        }
    }
    async releaseCache(keep) {
        try {
            const { removed } = await this.client.cacheGc([...keep]);
            if (removed.length > 0)
                this.log.info({ removed }, 'cached blobs released');
        }
        catch (err) {
            if (err instanceof DaemonUnavailableError)
                return;
            throw err;
        }
    }
    /** The daemon's status; null when none answers (never starts one). */
    async status() {
        try {
            return await this.client.status();
        }
        catch (err) {
            if (err instanceof DaemonUnavailableError)
                return null;
            throw err;
        }
    }
    close() {
        return this.client.close();
    }
    // ---- the daemon process -----------------------------------------------------------------------
    startDaemon() {
        this.starting ??= this.spawnAndWait().finally(() => {
            this.starting = undefined;
        });
        return this.starting;
    }
    async spawnAndWait() {
        if (await this.client.ping())
            return; // another caller started it meanwhile
        const [command, ...args] = this.options.startCommand;
        const shown = this.options.startCommand.join(' ');
        this.log.info({ command: this.options.startCommand, socket: this.options.socket }, 'no daemon answers: starting one');
        const child = spawnDetached(command, args, this.options.logFile ? { logFile: this.options.logFile } : {});
        const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
        for (;;) {
            if (await this.client.ping()) {
                this.log.info({ socket: this.options.socket }, 'daemon started');
                return;
            }
            const exit = child.exitReason();
            if (exit !== undefined)
                throw new DaemonUnavailableError(`daemon ${shown} ${exit} before answering on ${this.options.socket}`);
            if (Date.now() > deadline)
                throw new DaemonUnavailableError(`daemon started by ${shown} did not answer on ${this.options.socket}`);
            await sleep(100);
        }
    }
}
function toImageMount(mount) {
    return {
        id: mount.id,
        reference: mount.reference,
        mountpoint: mount.mountpoint,
        bootstrapDigest: mount.bootstrapDigest,
        blobs: [...mount.blobs],
        labels: { ...mount.labels },
    };
}
//# sourceMappingURL=daemon-fs.js.map