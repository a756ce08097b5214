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
import { fdKeeper } from '../native.js';
import { spawnDetached } from '../util/detached.js';
const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
/** The keeper's socket for a config: `[failover] keeper_socket` or `<state_dir>/fd-keeper.sock`. */
export function keeperSocketOf(config) {
    return config.failover.keeperSocket ?? join(config.stateDir, 'fd-keeper.sock');
}
/** The fds the keeper holds, taken into this process; undefined when no keeper answers. */
function tryTakeAll(socket) {
    try {
        return fdKeeper.takeAll(socket);
    }
    catch (err) {
        const code = err.code;
        if (code === 'ENOENT' || code === 'ECONNREFUSED')
            return undefined;
        throw err;
    }
}
/** How long a daemon waits for an external keeper that starts beside it (a unit or container started at the same moment). */
const EXTERNAL_KEEPER_WAIT_MS = 10_000;
async function connectExternal(socket) {
    const deadline = Date.now() + EXTERNAL_KEEPER_WAIT_MS;
    let kept;
    while ((kept = tryTakeAll(socket)) === undefined) {
        if (Date.now() > deadline)
            throw new TakeoverError(`no fd keeper answers on ${socket} ([failover] keeper = "external"): start it first (darner fd-keeper --socket ${socket})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return connectionOf(socket, kept, false);
}
/**
 * Connects to the keeper, starting one when the mode is spawn and none answers. Throws
 * TakeoverError when an external keeper does not answer or a spawned one never does.
 */
export async function connectKeeper(socket, mode, timeoutMs = 30_000) {
    let kept = tryTakeAll(socket);
    let fresh = false;
    if (kept === undefined) {
        if (mode === 'external')
            return connectExternal(socket);
        fresh = true;
        const child = spawnDetached(process.execPath, [CLI_MAIN, 'fd-keeper', '--socket', socket], { logFile: `${socket}.log` });
        const deadline = Date.now() + timeoutMs;
        while ((kept = tryTakeAll(socket)) === undefined) {
            const exit = child.exitReason();
            if (exit !== undefined || Date.now() > deadline)
                throw new TakeoverError(`the fd keeper started on ${socket} does not answer (${exit ?? 'timed out'}; log: ${socket}.log)`);
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        log.info({ socket, pid: child.pid }, 'fd keeper started');
    }
    return connectionOf(socket, kept, fresh);
}
function connectionOf(socket, kept, fresh) {
    const byName = new Map(kept.map((k) => [k.name, k.fd]));
    return {
        socket,
        fresh,
        has: (name) => byName.has(name),
        drop(name) {
            const fd = byName.get(name);
            if (fd !== undefined)
                fdKeeper.closeFd(fd);
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
export function dropKept(socket, name) {
    try {
        fdKeeper.drop(socket, name);
    }
    catch (err) {
        log.warn({ socket, name, err: err.message }, 'the fd keeper did not drop a connection');
    }
}
/** Asks the keeper to exit when it holds nothing (after a clean stop unmounted everything). */
export function quitKeeperIfEmpty(socket) {
    try {
        if (fdKeeper.quit(socket))
            log.info({ socket }, 'fd keeper stopped');
    }
    catch {
        // None answers: nothing to stop.
    }
}
/**
 * `darner fd-keeper`: runs the keeper in this process until a quit finds it empty. Its pid is
 * written beside the socket (`<socket>.pid`). Refuses when a keeper already answers there.
 */
export function runKeeper(socket) {
    const kept = tryTakeAll(socket);
    if (kept !== undefined) {
        for (const k of kept)
            fdKeeper.closeFd(k.fd);
        throw new TakeoverError(`an fd keeper already answers on ${socket}`);
    }
    mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
    // Nothing answers: a socket file left there is stale.
    if (existsSync(socket))
        rmSync(socket, { force: true });
    writeFileSync(`${socket}.pid`, `${process.pid}\n`);
    fdKeeper.run(socket);
}
//# sourceMappingURL=fd-keeper.js.map