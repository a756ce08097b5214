import { log } from '../log.js';
export class Announcer {
    cache;
    scheduler;
    /** blob id → offsets announced (so a removed blob can be withdrawn chunk by chunk). */
    #held = new Map();
    #unsubscribe;
    constructor(cache, scheduler) {
        this.cache = cache;
        this.scheduler = scheduler;
        this.#unsubscribe = cache.onChange((event) => this.#onChange(event));
    }
    /** Subscribes to the cache, then learns what it already holds. */
    static async start(cache, scheduler) {
        const announcer = new Announcer(cache, scheduler);
        for await (const { blobId, offsets } of cache.heldChunks()) {
            let set = announcer.#held.get(blobId);
            if (set === undefined)
                announcer.#held.set(blobId, (set = new Set()));
            for (const o of offsets)
                set.add(o);
        }
        return announcer;
    }
    #onChange(event) {
        try {
            if (event.type === 'ready') {
                let set = this.#held.get(event.blobId);
                if (set === undefined)
                    this.#held.set(event.blobId, (set = new Set()));
                for (const o of event.offsets)
                    set.add(o);
                this.scheduler.announce(event.blobId, event.offsets);
            }
            else if (event.type === 'invalidated') {
                const set = this.#held.get(event.blobId);
                for (const o of event.offsets)
                    set?.delete(o);
                this.scheduler.withdraw(event.blobId, event.offsets);
            }
            else {
                const set = this.#held.get(event.blobId);
                this.#held.delete(event.blobId);
                if (set !== undefined && set.size > 0)
                    this.scheduler.withdraw(event.blobId, [...set]);
            }
        }
        catch (err) {
            log.error({ err: err.message, event: event.type }, 'p2p: could not queue an announcement');
        }
    }
    close() {
        this.#unsubscribe();
    }
}
//# sourceMappingURL=announcer.js.map