/**
 * Fetch slots, pure (no timers, no I/O): at most `capacity` fetches run at once; waiting demand
 * fetches (a reader is blocked on them) always start before waiting prefetches, and prefetches
 * never hold more than `prefetchCapacity` slots, so a demand fetch never waits for more than the
 * demand fetches ahead of it. A queued prefetch that a reader starts waiting on is boosted to
 * demand.
 */
export class SlotQueue {
    capacity;
    prefetchCapacity;
    #running = new Map();
    #runningPrefetch = 0;
    #demand = [];
    #prefetch = [];
    constructor(capacity, prefetchCapacity = Math.max(1, capacity - 1)) {
        this.capacity = capacity;
        this.prefetchCapacity = Math.min(prefetchCapacity, capacity);
    }
    get running() {
        return this.#running.size;
    }
    get queued() {
        return this.#demand.length + this.#prefetch.length;
    }
    submit(task) {
        (task.priority === 'demand' ? this.#demand : this.#prefetch).push(task);
        this.#pump();
    }
    /** Makes a queued or running task a demand task (a reader waits on it). */
    boost(task) {
        if (task.priority === 'demand')
            return;
        task.priority = 'demand';
        const i = this.#prefetch.indexOf(task);
        if (i !== -1) {
            this.#prefetch.splice(i, 1);
            this.#demand.push(task);
            this.#pump();
        }
    }
    /** Removes a task that has not started; false when it was not queued. */
    cancel(task) {
        for (const queue of [this.#demand, this.#prefetch]) {
            const i = queue.indexOf(task);
            if (i !== -1) {
                queue.splice(i, 1);
                return true;
            }
        }
        return false;
    }
    /** Frees the slot of a started task (idempotent). */
    release(task) {
        const as = this.#running.get(task);
        if (as === undefined)
            return;
        this.#running.delete(task);
        if (as === 'prefetch')
            this.#runningPrefetch -= 1;
        this.#pump();
    }
    #pump() {
        while (this.#running.size < this.capacity) {
            let task = this.#demand.shift();
            if (task === undefined && this.#runningPrefetch < this.prefetchCapacity)
                task = this.#prefetch.shift();
            if (task === undefined)
                return;
            this.#running.set(task, task.priority);
            if (task.priority === 'prefetch')
                this.#runningPrefetch += 1;
            task.start();
        }
    }
}
//# sourceMappingURL=slot-queue.js.map