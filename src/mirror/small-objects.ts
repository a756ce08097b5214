/**
 * Manifests and small blobs (image configs) the mirror keeps in memory by digest, each checked
 * against its digest before it is kept: oldest out first beyond `maxBytes`.
 */
export interface SmallObject {
  body: Buffer;
  contentType: string;
}

export class SmallObjects {
  readonly #maxBytes: number;
  readonly #objects = new Map<string, SmallObject>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(digest: string): SmallObject | undefined {
    const o = this.#objects.get(digest);
    if (o !== undefined) {
      this.#objects.delete(digest);
      this.#objects.set(digest, o);
    }
    return o;
  }

  put(digest: string, object: SmallObject): void {
    if (object.body.length > this.#maxBytes || this.#objects.has(digest)) return;
    this.#objects.set(digest, object);
    this.#bytes += object.body.length;
    for (const [key, o] of this.#objects) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#objects.delete(key);
      this.#bytes -= o.body.length;
    }
  }
}
