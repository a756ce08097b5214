/**
 * An AbortSignal that aborts after `ms`, or as soon as one of `others` aborts, with a timer that
 * holds it. A signal made with AbortSignal.any over AbortSignal.timeout is held only weakly in
 * Node 20: once nothing but a request's listener refers to it, it can be collected before its
 * deadline and then never aborts, leaving a stalled request in flight. dispose() clears the timer
 * and the listeners once the work is over.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True once the time ran out (not when one of the other signals aborted). */
  readonly expired: boolean;
  dispose(): void;
}

export class DeadlineExpiredError extends Error {
  readonly code = 'DEADLINE_EXPIRED';
  constructor(ms: number) {
    super(`deadline of ${ms} ms passed`);
    this.name = 'DeadlineExpiredError';
  }
}

export function deadline(ms: number, ...others: AbortSignal[]): Deadline {
  const controller = new AbortController();
  let expired = false;
  const aborted = others.find((other) => other.aborted);
  if (aborted !== undefined) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, expired, dispose: () => undefined };
  }
  const onAbort = (event: Event): void => {
    dispose();
    controller.abort((event.target as AbortSignal).reason);
  };
  const dispose = (): void => {
    clearTimeout(timer);
    for (const other of others) other.removeEventListener('abort', onAbort);
  };
  const timer = setTimeout(() => {
    expired = true;
    dispose();
    controller.abort(new DeadlineExpiredError(ms));
  }, ms);
  for (const other of others) other.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    dispose,
  };
}
