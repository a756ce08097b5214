import { syntheticBlob } from './synthetic-blob.js';
/** The blob crash-writer writes: 256 chunks of 4–36 KiB. */
export function crashBlob() {
    return syntheticBlob(Array.from({ length: 256 }, (_, i) => 4096 + ((i * 7919) % 32768)), 42);
}
export const CRASH_BATCH = 8;
//# sourceMappingURL=crash-blob.js.map