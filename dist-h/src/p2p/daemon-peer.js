/**
 * The daemon's `[p2p]` configuration turned into a running PeerNode: token and certificate
 * files read, a stable host id (kept in the state directory), the listen address parsed.
 * P2P is off (undefined) when no scheduler is configured.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseHostPort } from './address.js';
import { PeerNode } from './peer.js';
import { UNAUTHENTICATED_PEER } from './peer-server.js';
import { envToken, readTokenFile } from './token-file.js';
const HOST_ID_FILE = 'peer-id';
/** The host id kept in `stateDir` (created on first start: host name + random suffix). */
export async function stableHostId(stateDir) {
    const file = join(stateDir, HOST_ID_FILE);
    const existing = await readFile(file, 'utf8').then((s) => s.trim(), () => '');
    if (/^[A-Za-z0-9._:-]{1,253}$/.test(existing))
        return existing;
    const base = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 200) || 'node';
    const id = `${base}-${randomBytes(4).toString('hex')}`;
    await writeFile(file, `${id}\n`, { mode: 0o644 });
    return id;
}
async function load(path) {
    try {
        return await readFile(path);
    }
    catch (err) {
        throw new ConfigError(`${path}: ${err.message}`, { cause: err });
    }
}
export async function startDaemonPeer(p, deps) {
    if (p.schedulers.length === 0)
        return undefined;
    const token = p.tokenFile !== undefined ? await readTokenFile(p.tokenFile) : envToken();
    const cert = p.tlsCert !== undefined ? await load(p.tlsCert) : undefined;
    const key = p.tlsKey !== undefined ? await load(p.tlsKey) : undefined;
    const ca = p.tlsCa !== undefined ? await load(p.tlsCa) : undefined;
    if (token === undefined && (ca === undefined || cert === undefined) && !p.insecure)
        throw new ConfigError(UNAUTHENTICATED_PEER);
    const listen = parseHostPort(p.listen, 'p2p.listen', true);
    return PeerNode.start({
        cache: deps.cache,
        fetcher: deps.fetcher,
        metrics: deps.metrics,
        hostId: p.hostId ?? (await stableHostId(deps.stateDir)),
        schedulers: p.schedulers,
        listen,
        ...(p.advertise !== undefined ? { advertise: p.advertise } : {}),
        seed: p.seed,
        ...(token !== undefined ? { token } : {}),
        insecure: p.insecure,
        ...(cert !== undefined && key !== undefined ? { tls: { cert, key, ...(ca !== undefined ? { ca } : {}) } } : {}),
        ...(ca !== undefined || cert !== undefined ? { schedulerTls: { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined && key !== undefined ? { cert, key } : {}) } } : {}),
        labels: p.labels,
        maxUploads: p.maxUploads,
        uploadBytesPerSecond: p.uploadBandwidth,
        minUploadBytesPerSecond: p.minUploadRate,
        uploadRateWindowMs: p.uploadRateWindowMs,
        downloadBytesPerSecond: p.downloadBandwidth,
        minBytesPerSecond: p.minPeerThroughput,
        resolveTimeoutMs: p.resolveTimeoutMs,
        ...(deps.pieceList !== undefined ? { pieceList: deps.pieceList } : {}),
    });
}
//# sourceMappingURL=daemon-peer.js.map