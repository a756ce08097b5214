/**
 * The peer server's upload slots: at most `capacity` answers send bytes at once. A plain request
 * takes one or is refused (503); a request held for in-progress chunks queues for one within its
 * wait.
 */
export class UploadSlots {
    capacity;
    active = 0;
    #queue = [];
    constructor(capacity) {
        this.capacity = capacity;
    }
    tryAcquire() {
        if (this.active >= this.capacity || this.#queue.length > 0)
            return false;
        this.active += 1;
        return true;
    }
    /** Waits for a slot until `signal` aborts; false then. */
    acquire(signal) {
        if (this.tryAcquire())
            return Promise.resolve(true);
        return new Promise((resolve) => {
            const grant = () => {
                signal.removeEventListener('abort', onAbort);
                this.active += 1;
                resolve(true);
            };
            const onAbort = () => {
                const i = this.#queue.indexOf(grant);
                if (i >= 0)
                    this.#queue.splice(i, 1);
                resolve(false);
            };
            this.#queue.push(grant);
            signal.addEventListener('abort', onAbort, { once: true });
        });
    }
    release() {
        this.active -= 1;
        const next = this.#queue.shift();
        next?.();
    }
}
//# sourceMappingURL=upload-slots.js.map