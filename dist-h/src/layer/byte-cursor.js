/**
 * Sequential reading of a byte stream given as pieces of any size (an async iterator of
 * Uint8Array): exact-size reads for headers, and pieces of up to n bytes for data, handed out as
 * views of the pieces the stream gave (no copy, except a read that spans two pieces). Pieces are
 * never reused by the cursor, so a view stays valid as long as its holder keeps it.
 */
export class ByteCursor {
    source;
    piece = new Uint8Array(0);
    at = 0;
    ended = false;
    /** Bytes handed out or skipped so far. */
    consumed = 0;
    constructor(source) {
        this.source = source;
    }
    /**
     * Exactly `n` bytes (n > 0), or null when the stream ends before the first of them. A stream
     * that ends after some of them yields the partial bytes: `result.byteLength < n`.
     */
    async read(n) {
        if (this.piece.byteLength - this.at >= n)
            return this.take(n);
        const first = await this.next(n);
        if (first === null)
            return null;
        if (first.byteLength === n)
            return first;
        const out = new Uint8Array(n);
        out.set(first, 0);
        let filled = first.byteLength;
        while (filled < n) {
            const more = await this.next(n - filled);
            if (more === null)
                return out.subarray(0, filled);
            out.set(more, filled);
            filled += more.byteLength;
        }
        return out;
    }
    /** Up to `max` bytes (max > 0) as one view, or null at the end of the stream. */
    async next(max) {
        while (this.at === this.piece.byteLength) {
            if (this.ended)
                return null;
            const { done, value } = await this.source.next();
            if (done === true) {
                this.ended = true;
                this.piece = new Uint8Array(0);
                this.at = 0;
                return null;
            }
            this.piece = value;
            this.at = 0;
        }
        return this.take(Math.min(max, this.piece.byteLength - this.at));
    }
    /** Skips `n` bytes; returns how many were there to skip (fewer only at the end of the stream). */
    async skip(n) {
        let skipped = 0;
        while (skipped < n) {
            const part = await this.next(n - skipped);
            if (part === null)
                break;
            skipped += part.byteLength;
        }
        return skipped;
    }
    take(n) {
        const view = this.piece.subarray(this.at, this.at + n);
        this.at += n;
        this.consumed += n;
        return view;
    }
}
//# sourceMappingURL=byte-cursor.js.map