/** An async mutex: `run(fn)` calls fn after every earlier run has settled, one at a time. */
export class Mutex {
    #tail = Promise.resolve();
    run(fn) {
        const result = this.#tail.then(fn);
        // The next run waits for this one whatever its outcome.
        this.#tail = result.catch(() => undefined);
        return result;
    }
}
//# sourceMappingURL=mutex.js.map