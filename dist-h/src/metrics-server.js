/**
 * The small HTTP server every darner process uses to expose its Prometheus registry:
 * GET /metrics (the registry's text format) and GET /healthz (liveness); 404 otherwise.
 */
import { createServer } from 'node:http';
/** Serves `registry` on host:port; resolves once listening (port 0 picks a free one). */
export async function serveMetrics(registry, host, port) {
    const server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (req.method === 'GET' && path === '/metrics') {
            registry.metrics().then((body) => {
                res.writeHead(200, { 'content-type': registry.contentType });
                res.end(body);
            }, (err) => {
                res.writeHead(500, { 'content-type': 'text/plain' });
                res.end(`${err instanceof Error ? err.message : String(err)}\n`);
            });
        }
        else if (req.method === 'GET' && path === '/healthz') {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('ok\n');
        }
        else {
            res.writeHead(404, { 'content-type': 'text/plain' });
            res.end('not found\n');
        }
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    return server;
}
//# sourceMappingURL=metrics-server.js.map