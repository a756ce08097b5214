/**
 * What an image reader (image-reader.ts) needs from the daemon-wide fetch engine
 * (fetch-engine.ts), and nothing more: the engine implements ReaderEngine and opens readers; a
 * reader knows the engine only through this interface, so the dependency points one way.
 */
import { setMaxListeners } from 'node:events';
/**
 * An AbortController whose signal may have any number of listeners: every running fetch and
 * waiting read listens to its reader's and the engine's signal.
 */
export function unlimitedController() {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
}
//# sourceMappingURL=engine-port.js.map