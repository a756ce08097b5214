import { setTimeout as sleep } from 'node:timers/promises';
import { DaemonClient, type DaemonStatus, type Mount } from '../src/daemon/client.js';
import { DaemonApiError, DaemonUnavailableError } from '../src/errors.js';
import { log as rootLog, type Logger } from '../src/log.js';
import { spawnDetached } from '../src/util/detached.js';
import type { ImageFileSystem, ImageMount, ImageMountRequest } from './image-fs.js';

/**
 * The ImageFileSystem of production: the darner daemon, driven through its control API client
 * (src/daemon/client.ts; HTTP+JSON on a unix socket, docs/daemon-api.md). The daemon hosts the
 * FUSE mounts and outlives the snapshotter. Nothing of the daemon but its client is imported.
 *
 * Starting the daemon. When a mount is asked for and no daemon answers on the socket, the
 * configured command is started (its own session, so signals to the snapshotter never reach it,
 * and not waited for: it keeps running when the snapshotter exits) and the mount waits until the
 * daemon answers. Listing, unmounting and cache release never start one: with no daemon there is
 * nothing mounted and nothing cached to release.
 */

export interface DaemonFileSystemOptions {
  /** The daemon's control socket. */
  socket: string;
  /** argv that starts a daemon serving `socket`; empty: never start one. */
  startCommand: string[];
  /** How long a started daemon has to answer (default 30 s). */
  startTimeoutMs?: number;
  /** Where a started daemon's stdout and stderr go (default: discarded). */
  logFile?: string;
  logger?: Logger;
}

export class DaemonFileSystem implements ImageFileSystem {
  private readonly options: DaemonFileSystemOptions;
  private readonly client: DaemonClient;
  private readonly log: Logger;
  private starting: Promise<void> | undefined;

  constructor(options: DaemonFileSystemOptions) {
    this.options = options;
    this.client = new DaemonClient(options.socket);
    this.log = (options.logger ?? rootLog).child({ component: 'daemon-fs' });
  }

  async mount(request: ImageMountRequest): Promise<ImageMount> {
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
    } catch (err) {
      if (!(err instanceof DaemonUnavailableError) || this.options.startCommand.length === 0) throw err;
    }
    await this.startDaemon();
    return toImageMount((await this.client.mount(body)).mount);
  }

  async list(): Promise<ImageMount[]> {
    try {
      return (await this.client.listMounts()).map(toImageMount);
    } catch (err) {
      if (err instanceof DaemonUnavailableError) return [];
      throw err;
    }
  }

  async unmount(id: string): Promise<void> {
    try {
      await this.client.unmount(id);
    } catch (err) {
      if (err instanceof DaemonUnavailableError) return;
      if (err instanceof DaemonApiError && err.status === 404) return;
      throw err;
    }
  }

  async releaseCache(keep: readonly string[]): Promise<void> {
    try {
      const { removed } = await this.client.cacheGc([...keep]);
      if (removed.length > 0) this.log.info({ removed }, 'cached blobs released');
    } catch (err) {
      if (err instanceof DaemonUnavailableError) return;
      throw err;
    }
  }

  /** The daemon's status; null when none answers (never starts one). */
  async status(): Promise<DaemonStatus | null> {
    try {
      return await this.client.status();
    } catch (err) {
      if (err instanceof DaemonUnavailableError) return null;
      throw err;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  // ---- the daemon process -----------------------------------------------------------------------

  private startDaemon(): Promise<void> {
    this.starting ??= this.spawnAndWait().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async spawnAndWait(): Promise<void> {
    if (await this.client.ping()) return; // another caller started it meanwhile
    const [command, ...args] = this.options.startCommand as [string, ...string[]];
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
      if (exit !== undefined) throw new DaemonUnavailableError(`daemon ${shown} ${exit} before answering on ${this.options.socket}`);
      if (Date.now() > deadline) throw new DaemonUnavailableError(`daemon started by ${shown} did not answer on ${this.options.socket}`);
      await sleep(100);
    }
  }
}

function toImageMount(mount: Mount): ImageMount {
  return {
    id: mount.id,
    reference: mount.reference,
    mountpoint: mount.mountpoint,
    bootstrapDigest: mount.bootstrapDigest,
    blobs: [...mount.blobs],
    labels: { ...mount.labels },
  };
}
