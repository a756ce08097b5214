export class SmallObjects {
    #maxBytes;
    #objects = new Map();
    #bytes = 0;
    constructor(maxBytes) {
        this.#maxBytes = maxBytes;
    }
    get(digest) {
        const o = this.#objects.get(digest);
        if (o !== undefined) {
            this.#objects.delete(digest);
            this.#objects.set(digest, o);
        }
        return o;
    }
    put(digest, object) {
        if (object.body.length > this.#maxBytes || this.#objects.has(digest))
            return;
        this.#objects.set(digest, object);
        this.#bytes += object.body.length;
        for (const [key, o] of this.#objects) {
            if (this.#bytes <= this.#maxBytes)
                break;
            this.#objects.delete(key);
            this.#bytes -= o.body.length;
        }
    }
}
//# sourceMappingURL=small-objects.js.map