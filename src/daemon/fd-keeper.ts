/**
 * The daemon's side of the fd keeper (native/src/fdkeeper.rs): the process that holds every
 * /dev/fuse fd of the daemon's blob devices while no daemon runs, so that a crash or an upgrade
 * does not end the FUSE connections under running containers (docs/failover.md).
 *
 * With `[failover] keeper = "spawn"` the daemon starts `darner fd-keeper` itself (detached, its
 * own session: a SIGKILL of the daemon does not reach it) when none answers; with "external" one
 * runs beside the daemon (its own systemd unit, or a container of the DaemonSet's pod).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TakeoverError } from '../errors.js';
import { log } from '../log.js';
import { fdKeeper, type KeptFd } from '../native.js';
import { spawnDetached } from '../util/detached.js';
import type { DaemonConfig, KeeperMode } from './config.js';

const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** The keeper's socket for a config: `[failover] keeper_socket` or `<state_dir>/fd-keeper.sock`. */
export function keeperSocketOf(config: Pick<DaemonConfig, 'stateDir' | 'failover'>): string {
  return config.failover.keeperSocket ?? join(config.stateDir, 'fd-keeper.sock');
}

/** The fds the keeper holds, taken into this process; undefined when no keeper answers. */
function tryTakeAll(socket: string): KeptFd[] | undefined {
  try {
    return fdKeeper.takeAll(socket);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') return undefined;
    throw err;
  }
}

/** The keeper the daemon hands its fds to, and the fds an earlier daemon left with it. */
export interface KeeperConnection {
  socket: string;
  /** True when the keeper holds a connection under `name` (a blob-device mount's id). */
  has(name: string): boolean;
  /** The kept fd of `name`, now open in this process and owned by the caller. */
  take(name: string): number | undefined;
  /** Closes the kept fd of `name` (if not taken) and has the keeper drop its copy. */
  drop(name: string): void;
  /** Closes the kept fds nobody took, and has the keeper drop them: their mounts are gone. */
  dropUntaken(): void;
  /** True when the keeper was not running (nothing to take over): a fresh start. */
  readonly fresh: boolean;
}

/** How long a daemon waits for an external keeper that starts beside it (a unit or container started at the same moment). */
const EXTERNAL_KEEPER_WAIT_MS = 10_000;

async function connectExternal(socket: string): Promise<KeeperConnection> {
  const deadline = Date.now() + EXTERNAL_KEEPER_WAIT_MS;
  let kept: KeptFd[] | undefined;
  while ((kept = tryTakeAll(socket)) === undefined) {
    if (Date.now() > deadline) throw new TakeoverError(`no fd keeper answers on ${socket} ([failover] keeper = "external"): start it first (darner fd-keeper --socket ${socket})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return connectionOf(socket, kept, false);
}

/**
 * Connects to the keeper, starting one when the mode is spawn and none answers. Throws
 * TakeoverError when an external keeper does not answer or a spawned one never does.
 */
export async function connectKeeper(socket: string, mode: Exclude<KeeperMode, 'off'>, timeoutMs = 30_000): Promise<KeeperConnection> {
  let kept = tryTakeAll(socket);
  let fresh = false;
  if (kept === undefined) {
    if (mode === 'external') return connectExternal(socket);
    fresh = true;
    const child = spawnDetached(process.execPath, [CLI_MAIN, 'fd-keeper', '--socket', socket], { logFile: `${socket}.log` });
    const deadline = Date.now() + timeoutMs;
    while ((kept = tryTakeAll(socket)) === undefined) {
      const exit = child.exitReason();
      if (exit !== undefined || Date.now() > deadline) throw new TakeoverError(`the fd keeper started on ${socket} does not answer (${exit ?? 'timed out'}; log: ${socket}.log)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    log.info({ socket, pid: child.pid }, 'fd keeper started');
  }
  return connectionOf(socket, kept, fresh);
}

function connectionOf(socket: string, kept: KeptFd[], fresh: boolean): KeeperConnection {
  const byName = new Map(kept.map((k) => [k.name, k.fd]));
  return {
    socket,
    fresh,
    has: (name) => byName.has(name),
    drop(name) {
      const fd = byName.get(name);
      if (fd !== undefined) fdKeeper.closeFd(fd);
      byName.delete(name);
      dropKept(socket, name);
    },
    take(name) {
      const fd = byName.get(name);
      byName.delete(name);
      return fd;
    },
    dropUntaken() {
      for (const [name, fd] of byName) {
        fdKeeper.closeFd(fd);
        dropKept(socket, name);
      }
      byName.clear();
    },
  };
}

/** Has the keeper close the fd kept under `name`; a keeper that is gone has nothing to close. */
export function dropKept(socket: string, name: string): void {
  try {
    fdKeeper.drop(socket, name);
  } catch (err) {
    log.warn({ socket, name, err: (err as Error).message }, 'the fd keeper did not drop a connection');
  }
}

/** Asks the keeper to exit when it holds nothing (after a clean stop unmounted everything). */
export function quitKeeperIfEmpty(socket: string): void {
  try {
    if (fdKeeper.quit(socket)) log.info({ socket }, 'fd keeper stopped');
  } catch {
    // None answers: nothing to stop.
  }
}

/**
 * `darner fd-keeper`: runs the keeper in this process until a quit finds it empty. Its pid is
 * written beside the socket (`<socket>.pid`). Refuses when a keeper already answers there.
 */
export function runKeeper(socket: string): void {
  const kept = tryTakeAll(socket);
  if (kept !== undefined) {
    for (const k of kept) fdKeeper.closeFd(k.fd);
    throw new TakeoverError(`an fd keeper already answers on ${socket}`);
  }
  mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
  // Nothing answers: a socket file left there is stale.
  if (existsSync(socket)) rmSync(socket, { force: true });
  writeFileSync(`${socket}.pid`, `${process.pid}\n`);
  fdKeeper.run(socket);
}
