/**
 * A seed's WatchTasks stream, kept open by the scheduler client whenever it is ready: tasks are
 * checked and handed to the handler; a stream the scheduler ends is opened again after a second
 * (on whichever scheduler is in use then); NOT_FOUND (this peer is not registered there) is
 * passed to `onNotRegistered` so that the client registers again.
 */
import * as grpc from '@grpc/grpc-js';
import { log } from '../log.js';
import type { WireTask } from './proto.js';
import { toSchedulerError, type SchedulerRpc } from './scheduler-rpc.js';

export interface SchedulerTask {
  taskId: string;
  kind: 'preheat';
  imageRef: string;
  createdAt: number;
}

export interface TaskStreamDeps {
  rpc: SchedulerRpc;
  hostId: string;
  /** The scheduler in use now, and whether the client is ready (streams open only then). */
  current: () => number;
  ready: () => boolean;
  onNotRegistered: (index: number, err: Error) => void;
}

export class TaskStream {
  handler: ((task: SchedulerTask) => void | Promise<void>) | undefined;
  readonly #deps: TaskStreamDeps;
  #stream: grpc.ClientReadableStream<WireTask> | undefined;
  #cancel: (() => void) | undefined;
  #retry: NodeJS.Timeout | undefined;

  constructor(deps: TaskStreamDeps) {
    this.#deps = deps;
  }

  /** Opens the stream when there is a handler, the client is ready and none is open. */
  open(): void {
    if (this.#stream !== undefined || this.handler === undefined || !this.#deps.ready()) return;
    const index = this.#deps.current();
    const stream = this.#deps.rpc.watchTasks(index, this.#deps.hostId);
    this.#stream = stream;
    let cancelled = false;
    this.#cancel = () => {
      cancelled = true;
      stream.cancel();
    };
    stream.on('data', (wire: WireTask) => {
      const task = checkTask(wire);
      if (task === undefined || this.handler === undefined) return;
      Promise.resolve()
        .then(() => this.handler?.(task))
        .catch((err: unknown) => log.warn({ taskId: task.taskId, err: (err as Error).message }, 'task handler failed'));
    });
    const ended = (err?: grpc.ServiceError) => {
      if (this.#stream === stream) {
        this.#stream = undefined;
        this.#cancel = undefined;
      }
      if (cancelled || !this.#deps.ready()) return;
      if (err !== undefined && err.code === grpc.status.NOT_FOUND) {
        this.#deps.onNotRegistered(index, toSchedulerError('WatchTasks', this.#deps.rpc.addresses[index]!, err));
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
    stream.on('error', (err: grpc.ServiceError) => ended(err));
    stream.on('end', () => ended());
  }

  close(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
    const cancel = this.#cancel;
    this.#stream = undefined;
    this.#cancel = undefined;
    cancel?.();
  }
}

function checkTask(wire: WireTask): SchedulerTask | undefined {
  if (wire.kind !== 'preheat' || typeof wire.taskId !== 'string' || typeof wire.imageRef !== 'string' || wire.imageRef === '') {
    log.warn({ kind: wire.kind }, 'ignoring a task this daemon does not understand');
    return undefined;
  }
  return { taskId: wire.taskId, kind: 'preheat', imageRef: wire.imageRef, createdAt: Number(wire.createdUnixMs) || 0 };
}
