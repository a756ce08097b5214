/**
 * The state after a poll (`now` null: no daemon answered) and the event it makes, if any. A new
 * pid is a replacement even when polls in between saw no daemon (a crash and its restart).
 */
export function observeDaemon(state, now) {
    if (now === null) {
        const event = state.answering && state.lastSeen ? { kind: 'down', pid: state.lastSeen.pid } : undefined;
        return { state: { lastSeen: state.lastSeen, answering: false }, ...(event ? { event } : {}) };
    }
    const next = { lastSeen: now, answering: true };
    if (state.lastSeen === undefined)
        return { state: next, event: { kind: 'up', pid: now.pid } };
    if (state.lastSeen.pid !== now.pid) {
        const f = now.failover ?? { taken: 0, lost: 0, failed: 0 };
        return { state: next, event: { kind: 'replaced', fromPid: state.lastSeen.pid, toPid: now.pid, taken: f.taken, lost: f.lost, failed: f.failed } };
    }
    return { state: next, ...(state.answering ? {} : { event: { kind: 'up', pid: now.pid } }) };
}
/** How a replacement went: every mount taken over, or some lost or failed. */
export function takeoverResult(event) {
    return event.lost + event.failed > 0 ? 'lost' : 'taken';
}
export class DaemonWatch {
    options;
    state = { lastSeen: undefined, answering: false };
    timer;
    polling;
    constructor(options) {
        this.options = options;
    }
    start() {
        this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
        this.timer.unref();
        void this.poll();
    }
    /** One poll (a poll still running is not started twice). */
    poll() {
        this.polling ??= (async () => {
            const now = await this.options.status().catch(() => null);
            const { state, event } = observeDaemon(this.state, now);
            this.state = state;
            if (event !== undefined)
                this.options.onEvent(event);
        })().finally(() => {
            this.polling = undefined;
        });
        return this.polling;
    }
    async close() {
        if (this.timer !== undefined)
            clearInterval(this.timer);
        await this.polling;
    }
}
/** The watch's log lines: a replacement names both daemons and what the new one took back. */
export function logDaemonEvent(log, event) {
    if (event.kind === 'up')
        log.info({ pid: event.pid }, 'the daemon answers');
    else if (event.kind === 'down')
        log.warn({ pid: event.pid }, 'the daemon does not answer; its mounts wait for the next one to take them over');
    else if (takeoverResult(event) === 'taken')
        log.info(event, 'a new daemon took the mounts over');
    else
        log.error(event, 'a new daemon could not take every mount over: the containers of lost mounts read EIO');
}
//# sourceMappingURL=daemon-watch.js.map