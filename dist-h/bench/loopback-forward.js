/**
 * A TCP forwarder from 127.0.0.1 to a registry elsewhere, so that a reference can name the
 * registry by a loopback address (which every darner component speaks plain http to) while the
 * bytes still cross the shaped link.
 */
import { createConnection, createServer } from 'node:net';
export async function forwardFromLoopback(target) {
    const colon = target.lastIndexOf(':');
    const targetHost = target.slice(0, colon);
    const targetPort = Number(target.slice(colon + 1));
    const open = new Set();
    const server = createServer((client) => {
        const upstream = createConnection({ host: targetHost, port: targetPort });
        open.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const end = () => {
            client.destroy();
            upstream.destroy();
            open.delete(client);
            open.delete(upstream);
        };
        client.once('error', end).once('close', end);
        upstream.once('error', end).once('close', end);
    });
    await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    return {
        host: `127.0.0.1:${port}`,
        close: () => new Promise((resolve) => {
            server.close(() => resolve());
            for (const socket of open)
                socket.destroy();
        }),
    };
}
//# sourceMappingURL=loopback-forward.js.map