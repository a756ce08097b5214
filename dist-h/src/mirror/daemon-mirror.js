import { parseHostPort } from '../p2p/address.js';
import { PlainBlobFetcher } from './blob-fetch.js';
import { mirrorMetrics } from './metrics.js';
import { MirrorServer } from './server.js';
export async function startMirror(c, deps) {
    if (c.listen === undefined)
        return undefined;
    const { host, port } = parseHostPort(c.listen, 'mirror.listen', true);
    const metrics = mirrorMetrics(deps.metrics);
    const fetcher = new PlainBlobFetcher({
        cache: deps.cache,
        pieceLists: deps.pieceLists,
        pieceSize: c.pieceSize,
        metrics,
        ...(deps.peer !== undefined ? { peer: { source: deps.peer.source, scheduler: deps.peer.scheduler, client: deps.peer.client } } : {}),
    });
    return MirrorServer.start({
        host,
        port,
        fetcher,
        metrics,
        plainHttp: c.plainHttp,
        defaultRegistry: c.defaultRegistry,
        smallBlobBytes: 1 << 20,
        memoryBytes: 64 << 20,
    });
}
//# sourceMappingURL=daemon-mirror.js.map