/**
 * A seed's WatchTasks stream, kept open by the scheduler client whenever it is ready: tasks are
 * checked and handed to the handler; a stream the scheduler ends is opened again after a second
 * (on whichever scheduler is in use then); NOT_FOUND (this peer is not registered there) is
 * passed to `onNotRegistered` so that the client registers again. The handler's outcome (or its
 * error, as a failure) is reported back with ReportTask, so that an operator waiting on the task
 * learns it; the report is retried a few times across the scheduler addresses, then given up
 * (the outcome is also in this node's log).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { log } from '../log.js';
import { toSchedulerError } from './scheduler-rpc.js';
const REPORT_ATTEMPTS = 3;
const REPORT_TIMEOUT_MS = 5000;
const REPORT_PAUSE_MS = 1000;
export class TaskStream {
    handler;
    #deps;
    #stream;
    #cancel;
    #retry;
    constructor(deps) {
        this.#deps = deps;
    }
    /** Opens the stream when there is a handler, the client is ready and none is open. */
    open() {
        if (this.#stream !== undefined || this.handler === undefined || !this.#deps.ready())
            return;
        const index = this.#deps.current();
        const stream = this.#deps.rpc.watchTasks(index, this.#deps.hostId);
        this.#stream = stream;
        let cancelled = false;
        this.#cancel = () => {
            cancelled = true;
            stream.cancel();
        };
        stream.on('data', (wire) => {
            const task = checkTask(wire);
            if (task === undefined || this.handler === undefined)
                return;
            Promise.resolve()
                .then(() => this.handler?.(task))
                .catch((err) => {
                log.warn({ taskId: task.taskId, err: err.message }, 'task handler failed');
                return { ok: false, reason: err.message };
            })
                .then((outcome) => (outcome !== undefined ? this.#report(task, outcome) : undefined))
                .catch(() => undefined);
        });
        const ended = (err) => {
            if (this.#stream === stream) {
                this.#stream = undefined;
                this.#cancel = undefined;
            }
            if (cancelled || !this.#deps.ready())
                return;
            if (err !== undefined && err.code === grpc.status.NOT_FOUND) {
                this.#deps.onNotRegistered(index, toSchedulerError('WatchTasks', this.#deps.rpc.addresses[index], err));
                return;
            }
            // The scheduler went away or restarted the stream: watch again shortly, wherever we are connected.
            if (this.#retry === undefined) {
                this.#retry = setTimeout(() => {
                    this.#retry = undefined;
                    this.open();
                }, 1000);
                this.#retry.unref();
            }
        };
        stream.on('error', (err) => ended(err));
        stream.on('end', () => ended());
    }
    async #report(task, outcome) {
        const request = {
            hostId: this.#deps.hostId,
            taskId: task.taskId,
            imageRef: task.imageRef,
            ok: outcome.ok,
            reason: outcome.ok ? '' : (outcome.reason ?? ''),
        };
        for (let attempt = 1;; attempt++) {
            try {
                await this.#deps.rpc.callAny('ReportTask', request, REPORT_TIMEOUT_MS, this.#deps.current());
                return;
            }
            catch (err) {
                if (attempt >= REPORT_ATTEMPTS) {
                    log.warn({ taskId: task.taskId, err: err.message }, 'could not report the task outcome to the scheduler');
                    return;
                }
                await sleep(REPORT_PAUSE_MS);
            }
        }
    }
    close() {
        if (this.#retry !== undefined)
            clearTimeout(this.#retry);
        this.#retry = undefined;
        const cancel = this.#cancel;
        this.#stream = undefined;
        this.#cancel = undefined;
        cancel?.();
    }
}
function checkTask(wire) {
    if (wire.kind !== 'preheat' || typeof wire.taskId !== 'string' || typeof wire.imageRef !== 'string' || wire.imageRef === '') {
        log.warn({ kind: wire.kind }, 'ignoring a task this daemon does not understand');
        return undefined;
    }
    const digest = typeof wire.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(wire.digest) ? { digest: wire.digest } : {};
    return { taskId: wire.taskId, kind: 'preheat', imageRef: wire.imageRef, createdAt: Number(wire.createdUnixMs) || 0, ...digest };
}
//# sourceMappingURL=task-stream.js.map