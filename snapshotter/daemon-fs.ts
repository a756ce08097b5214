import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageFileSystemError } from '../src/errors.js';
import { log as rootLog, type Logger } from '../src/log.js';
import type { ImageFileSystem, ImageMount, ImageMountRequest } from './image-fs.js';

/**
 * The ImageFileSystem of production: the darner daemon, driven over its control API (HTTP+JSON on
 * a unix socket, docs/daemon-api.md). The daemon hosts the FUSE mounts and outlives the
 * snapshotter.
 *
 * Starting the daemon. When a mount is asked for and no daemon answers on the socket, the
 * configured command is started (its own session, so signals to the snapshotter never reach it,
 * and not waited for: it keeps running when the snapshotter exits) and the mount waits until the
 * socket answers. Listing, unmounting and cache release never start one: with no daemon there is
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
  /** Per-request limit (default 120 s: a mount reads the image's manifest and bootstrap). */
  requestTimeoutMs?: number;
  logger?: Logger;
}

interface WireMount {
  id: string;
  reference: string;
  mountpoint: string;
  bootstrapDigest: string;
  blobs?: string[];
  labels?: Record<string, string>;
}

interface Answer {
  status: number;
  body: unknown;
}

export class DaemonFileSystem implements ImageFileSystem {
  private readonly options: DaemonFileSystemOptions;
  private readonly log: Logger;
  private starting: Promise<void> | undefined;

  constructor(options: DaemonFileSystemOptions) {
    this.options = options;
    this.log = (options.logger ?? rootLog).child({ component: 'daemon-fs' });
  }

  async mount(request: ImageMountRequest): Promise<ImageMount> {
    const body = {
      reference: request.reference,
      mountpoint: request.mountpoint,
      bootstrap: request.bootstrap,
      labels: request.labels,
      ...(request.plainHttp ? { plainHttp: true } : {}),
    };
    let answer: Answer;
    try {
      answer = await this.request('POST', '/api/v1/mounts', body);
    } catch (err) {
      if (!isNoDaemon(err) || this.options.startCommand.length === 0) throw this.unreachable(err);
      await this.startDaemon();
      answer = await this.request('POST', '/api/v1/mounts', body).catch((e: unknown) => {
        throw this.unreachable(e);
      });
    }
    if (answer.status !== 200 && answer.status !== 201) throw apiError('mount', answer);
    return toMount((answer.body as { mount: WireMount }).mount);
  }

  async list(): Promise<ImageMount[]> {
    let answer: Answer;
    try {
      answer = await this.request('GET', '/api/v1/mounts');
    } catch (err) {
      if (isNoDaemon(err)) return [];
      throw this.unreachable(err);
    }
    if (answer.status !== 200) throw apiError('list mounts', answer);
    const mounts = (answer.body as { mounts?: unknown }).mounts;
    if (!Array.isArray(mounts)) throw new ImageFileSystemError('daemon: list mounts: the answer has no mounts array');
    return (mounts as WireMount[]).map(toMount);
  }

  async unmount(id: string): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.request('DELETE', `/api/v1/mounts/${encodeURIComponent(id)}`);
    } catch (err) {
      if (isNoDaemon(err)) return;
      throw this.unreachable(err);
    }
    if (answer.status !== 204 && answer.status !== 200 && answer.status !== 404) throw apiError(`unmount ${id}`, answer);
  }

  async releaseCache(keep: readonly string[]): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.request('POST', '/api/v1/cache/gc', { keep });
    } catch (err) {
      if (isNoDaemon(err)) return;
      throw this.unreachable(err);
    }
    if (answer.status !== 200) throw apiError('cache gc', answer);
    const removed = (answer.body as { removed?: unknown }).removed;
    if (Array.isArray(removed) && removed.length > 0) this.log.info({ removed }, 'cached blobs released');
  }

  // ---- the daemon process -----------------------------------------------------------------------

  private startDaemon(): Promise<void> {
    this.starting ??= this.spawnAndWait().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async spawnAndWait(): Promise<void> {
    // Another caller may have started one meanwhile.
    if (await this.answers()) return;
    const [command, ...args] = this.options.startCommand as [string, ...string[]];
    let out: number | 'ignore' = 'ignore';
    if (this.options.logFile) {
      fs.mkdirSync(path.dirname(this.options.logFile), { recursive: true });
      out = fs.openSync(this.options.logFile, 'a');
    }
    this.log.info({ command: this.options.startCommand, socket: this.options.socket }, 'no daemon answers: starting one');
    let exit: string | undefined;
    try {
      const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
      child.once('error', (err) => {
        exit = err.message;
      });
      child.once('exit', (code, signal) => {
        exit = `exited with ${code ?? signal}`;
      });
      child.unref();
    } finally {
      if (typeof out === 'number') fs.closeSync(out);
    }
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    for (;;) {
      if (await this.answers()) {
        this.log.info({ socket: this.options.socket }, 'daemon started');
        return;
      }
      if (exit !== undefined) throw new ImageFileSystemError(`daemon ${this.options.startCommand.join(' ')} ${exit} before answering on ${this.options.socket}`);
      if (Date.now() > deadline) throw new ImageFileSystemError(`daemon started by ${this.options.startCommand.join(' ')} did not answer on ${this.options.socket}`);
      await sleep(100);
    }
  }

  private async answers(): Promise<boolean> {
    try {
      const answer = await this.request('GET', '/api/v1/status', undefined, 2_000);
      return answer.status === 200;
    } catch {
      return false;
    }
  }

  // ---- HTTP on the unix socket ------------------------------------------------------------------

  private request(method: string, urlPath: string, body?: unknown, timeoutMs = this.options.requestTimeoutMs ?? 120_000): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.options.socket,
          path: urlPath,
          method,
          headers: {
            host: 'darner',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const parts: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > 16 * 1024 * 1024) {
              req.destroy(new ImageFileSystemError(`daemon: ${method} ${urlPath}: answer larger than 16 MiB`));
              return;
            }
            parts.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            let parsed: unknown = {};
            if (text.trim() !== '') {
              try {
                parsed = JSON.parse(text);
              } catch {
                reject(new ImageFileSystemError(`daemon: ${method} ${urlPath}: answer is not JSON (status ${res.statusCode})`));
                return;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new ImageFileSystemError(`daemon: ${method} ${urlPath}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private unreachable(err: unknown): Error {
    if (err instanceof ImageFileSystemError) return err;
    return new ImageFileSystemError(`no darner daemon answers on ${this.options.socket}: ${(err as Error).message}`, { cause: err });
  }
}

function isNoDaemon(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

function apiError(what: string, answer: Answer): ImageFileSystemError {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } }).error;
  const detail = error && typeof error.message === 'string' ? `${error.message}${typeof error.code === 'string' ? ` [${error.code}]` : ''}` : 'no error message';
  return new ImageFileSystemError(`daemon: ${what}: ${answer.status} ${detail}`);
}

function toMount(wire: WireMount): ImageMount {
  if (!wire || typeof wire.id !== 'string' || typeof wire.mountpoint !== 'string') {
    throw new ImageFileSystemError('daemon: a mount in the answer has no id or mountpoint');
  }
  return {
    id: wire.id,
    reference: String(wire.reference ?? ''),
    mountpoint: wire.mountpoint,
    bootstrapDigest: String(wire.bootstrapDigest ?? ''),
    blobs: Array.isArray(wire.blobs) ? wire.blobs.map(String) : [],
    labels: wire.labels && typeof wire.labels === 'object' ? { ...wire.labels } : {},
  };
}
