/**
 * A delaying TCP proxy: every byte a client sends reaches the target `delayMs` later, and every
 * byte the target answers reaches the client `delayMs` later. One of the two ways the network
 * harness adds latency (the kernel here has no netem); see docs/benchmarking.md.
 *
 * Each direction is a `DelayedPipe`: chunks are forwarded exactly as they were read, in order,
 * each when its own deadline (arrival + delay) has passed. Backpressure is kept: the source is
 * paused while more than `highWaterBytes` wait in the pipe or while the destination's socket
 * buffer is full, so a slow reader slows the writer as it would without the proxy. End of
 * stream travels with the same delay (half-close is forwarded); an error or reset on either
 * side destroys both.
 */
import { createConnection, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
/** One direction of a proxied connection: `from`'s data is written to `to` after `delayMs`. */
export class DelayedPipe {
    from;
    to;
    delayMs;
    highWaterBytes;
    queue = [];
    head = 0;
    queuedBytes = 0;
    timer;
    waitingForDrain = false;
    paused = false;
    finished = false;
    forwarded = 0;
    constructor(from, to, delayMs, highWaterBytes) {
        this.from = from;
        this.to = to;
        this.delayMs = delayMs;
        this.highWaterBytes = highWaterBytes;
        from.on('data', (chunk) => {
            this.queue.push({ chunk, due: performance.now() + this.delayMs });
            this.queuedBytes += chunk.length;
            if (this.queuedBytes > this.highWaterBytes)
                this.pause();
            this.schedule();
        });
        from.on('end', () => {
            this.queue.push({ chunk: null, due: performance.now() + this.delayMs });
            this.schedule();
        });
        to.on('drain', () => {
            this.waitingForDrain = false;
            this.flush();
        });
    }
    /** Stops timers; pending data is dropped (the connection is being torn down). */
    dispose() {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.finished = true;
    }
    pause() {
        if (!this.paused) {
            this.paused = true;
            this.from.pause();
        }
    }
    maybeResume() {
        if (this.paused && !this.waitingForDrain && this.queuedBytes <= this.highWaterBytes / 2) {
            this.paused = false;
            this.from.resume();
        }
    }
    schedule() {
        if (this.timer !== undefined || this.waitingForDrain || this.finished)
            return;
        const next = this.queue[this.head];
        if (next === undefined)
            return;
        const wait = Math.max(0, next.due - performance.now());
        this.timer = setTimeout(() => {
            this.timer = undefined;
            this.flush();
        }, wait);
    }
    flush() {
        if (this.finished)
            return;
        const now = performance.now();
        while (!this.waitingForDrain) {
            const item = this.queue[this.head];
            // Timers may fire up to a millisecond early or late; forward what is due within 0.5 ms.
            if (item === undefined || item.due > now + 0.5)
                break;
            this.head += 1;
            if (item.chunk === null) {
                this.finished = true;
                this.to.end();
                break;
            }
            this.queuedBytes -= item.chunk.length;
            this.forwarded += item.chunk.length;
            if (!this.to.write(item.chunk)) {
                this.waitingForDrain = true;
                this.pause();
            }
        }
        // Compact the array now and then instead of shifting it on every chunk.
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
            this.queue = this.queue.slice(this.head);
            this.head = 0;
        }
        this.maybeResume();
        this.schedule();
    }
}
export async function startDelayProxy(options) {
    const highWater = options.highWaterBytes ?? 8 << 20;
    const sockets = new Set();
    const pipes = new Set();
    let bytesUpClosed = 0;
    let bytesDownClosed = 0;
    let connections = 0;
    const live = [];
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
        connections += 1;
        const upstream = createConnection({ host: options.targetHost, port: options.targetPort, allowHalfOpen: true, noDelay: true });
        sockets.add(client);
        sockets.add(upstream);
        const up = new DelayedPipe(client, upstream, options.delayMs, highWater);
        const down = new DelayedPipe(upstream, client, options.delayMs, highWater);
        const pair = { up, down };
        live.push(pair);
        pipes.add(up).add(down);
        // Data read from the client before the upstream connects waits in the pipe (net.Socket
        // buffers writes issued while connecting).
        let closed = 0;
        const onClose = () => {
            closed += 1;
            if (closed < 2)
                return;
            up.dispose();
            down.dispose();
            pipes.delete(up);
            pipes.delete(down);
            bytesUpClosed += up.forwarded;
            bytesDownClosed += down.forwarded;
            live.splice(live.indexOf(pair), 1);
        };
        // An error or reset on either side ends both (half-closes arrive as 'end', not errors).
        const fail = () => {
            client.destroy();
            upstream.destroy();
        };
        client.on('error', fail);
        upstream.on('error', fail);
        client.on('close', () => {
            sockets.delete(client);
            // The client is gone: nothing queued for it can be delivered any more.
            upstream.destroy();
            onClose();
        });
        upstream.on('close', () => {
            // The target is done; what is queued for the client still arrives, then the delayed end.
            sockets.delete(upstream);
            onClose();
        });
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.listenPort ?? 0, options.listenHost, () => resolve());
    });
    const { port } = server.address();
    let closing;
    return {
        host: `${options.listenHost}:${port}`,
        port,
        get bytesUp() {
            return bytesUpClosed + live.reduce((s, p) => s + p.up.forwarded, 0);
        },
        get bytesDown() {
            return bytesDownClosed + live.reduce((s, p) => s + p.down.forwarded, 0);
        },
        get connections() {
            return connections;
        },
        close() {
            closing ??= new Promise((resolve) => {
                for (const pipe of pipes)
                    pipe.dispose();
                for (const socket of sockets)
                    socket.destroy();
                server.close(() => resolve());
            });
            return closing;
        },
    };
}
//# sourceMappingURL=delay-proxy.js.map