export class DeadlineExpiredError extends Error {
    code = 'DEADLINE_EXPIRED';
    constructor(ms) {
        super(`deadline of ${ms} ms passed`);
        this.name = 'DeadlineExpiredError';
    }
}
export function deadline(ms, ...others) {
    const controller = new AbortController();
    let expired = false;
    const aborted = others.find((other) => other.aborted);
    if (aborted !== undefined) {
        controller.abort(aborted.reason);
        return { signal: controller.signal, expired, dispose: () => undefined };
    }
    const onAbort = (event) => {
        dispose();
        controller.abort(event.target.reason);
    };
    const dispose = () => {
        clearTimeout(timer);
        for (const other of others)
            other.removeEventListener('abort', onAbort);
    };
    const timer = setTimeout(() => {
        expired = true;
        dispose();
        controller.abort(new DeadlineExpiredError(ms));
    }, ms);
    for (const other of others)
        other.addEventListener('abort', onAbort, { once: true });
    return {
        signal: controller.signal,
        get expired() {
            return expired;
        },
        dispose,
    };
}
//# sourceMappingURL=deadline.js.map