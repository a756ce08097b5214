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
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface DelayProxyOptions {
  /** Address to listen on (e.g. the root end of a shaped link, reachable from switch hosts too). */
  listenHost: string;
  /** Port to listen on (default: a free one). */
  listenPort?: number;
  targetHost: string;
  targetPort: number;
  /** One-way delay added in each direction. */
  delayMs: number;
  /** Bytes a direction may hold before it pauses its source (default 8 MiB). */
  highWaterBytes?: number;
}

export interface DelayProxy {
  /** `ip:port` clients connect to. */
  host: string;
  port: number;
  /** Bytes forwarded so far, client→target and target→client. */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Closes the listener and destroys open connections. Idempotent. */
  close(): Promise<void>;
}

/** One direction of a proxied connection: `from`'s data is written to `to` after `delayMs`. */
export class DelayedPipe {
  private queue: Array<{ chunk: Buffer | null; due: number }> = [];
  private head = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;
  private paused = false;
  private finished = false;
  forwarded = 0;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly delayMs: number,
    private readonly highWaterBytes: number,
  ) {
    from.on('data', (chunk: Buffer) => {
      this.queue.push({ chunk, due: performance.now() + this.delayMs });
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > this.highWaterBytes) this.pause();
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
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.finished = true;
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.from.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && !this.waitingForDrain && this.queuedBytes <= this.highWaterBytes / 2) {
      this.paused = false;
      this.from.resume();
    }
  }

  private schedule(): void {
    if (this.timer !== undefined || this.waitingForDrain || this.finished) return;
    const next = this.queue[this.head];
    if (next === undefined) return;
    const wait = Math.max(0, next.due - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (this.finished) return;
    const now = performance.now();
    while (!this.waitingForDrain) {
      const item = this.queue[this.head];
      // Timers may fire up to a millisecond early or late; forward what is due within 0.5 ms.
      if (item === undefined || item.due > now + 0.5) break;
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

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const highWater = options.highWaterBytes ?? 8 << 20;
  const sockets = new Set<Socket>();
  const pipes = new Set<DelayedPipe>();
  let bytesUpClosed = 0;
  let bytesDownClosed = 0;
  let connections = 0;
  const live: Array<{ up: DelayedPipe; down: DelayedPipe }> = [];

  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
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
    const onClose = (): void => {
      closed += 1;
      if (closed < 2) return;
      up.dispose();
      down.dispose();
      pipes.delete(up);
      pipes.delete(down);
      bytesUpClosed += up.forwarded;
      bytesDownClosed += down.forwarded;
      live.splice(live.indexOf(pair), 1);
    };
    // An error or reset on either side ends both (half-closes arrive as 'end', not errors).
    const fail = (): void => {
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, options.listenHost, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
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
      closing ??= new Promise<void>((resolve) => {
        for (const pipe of pipes) pipe.dispose();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
