/**
 * A stand-in for the darner daemon's control API (docs/daemon-api.md) that serves images with the
 * kernel's EROFS driver instead of FUSE: on a mount it expands the image's data blobs into files
 * (`darner expand`, so it is not lazy: every blob is read whole from the registry), attaches them
 * and the given bootstrap to loop devices and runs `mount -t erofs -o device=…`. It runs in the
 * test process, on a unix socket, so it outlives a snapshotter the test kills, as the daemon does.
 *
 *   const daemon = await startErofsDaemon(socketPath);
 *   t.teardown(() => daemon.stop());          // unmounts, detaches, removes its files
 *
 * It checks the snapshotter's side of the contract: the requests it gets are recorded.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expandImage } from '../../converter/expand.js';
import { DaemonClient } from '../../src/daemon/client.js';

export interface StandInMount {
  id: string;
  reference: string;
  mountpoint: string;
  manifestDigest: string;
  bootstrapDigest: string;
  blobs: string[];
  createdAt: string;
  labels: Record<string, string>;
  loops: string[];
}

export interface ErofsDaemon {
  socket: string;
  /** The daemon's own client, talking to this stand-in. */
  client: DaemonClient;
  /** Mounts currently held. */
  readonly mounts: ReadonlyMap<string, StandInMount>;
  /** Every request received: method, path and JSON body. */
  readonly requests: Array<{ method: string; path: string; body: unknown }>;
  stop(): Promise<void>;
}

export async function startErofsDaemon(socket: string): Promise<ErofsDaemon> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-erofsd-'));
  const mounts = new Map<string, StandInMount>();
  const requests: ErofsDaemon['requests'] = [];
  /** reference → its expanded blob files ("the cache"). */
  const expanded = new Map<string, Promise<string[]>>();

  const devicesOf = (reference: string): Promise<string[]> => {
    let pending = expanded.get(reference);
    if (!pending) {
      const dir = path.join(work, createHash('sha256').update(reference).digest('hex').slice(0, 16));
      pending = expandImage(reference, dir).then((r) => r.devices);
      expanded.set(reference, pending);
    }
    return pending;
  };

  const mount = async (body: { reference: string; mountpoint: string; bootstrap: string; labels?: Record<string, string> }): Promise<[number, StandInMount]> => {
    const existing = [...mounts.values()].find((m) => m.mountpoint === body.mountpoint);
    const bootstrapDigest = `sha256:${createHash('sha256').update(fs.readFileSync(body.bootstrap)).digest('hex')}`;
    if (existing) {
      if (existing.bootstrapDigest === bootstrapDigest) return [200, existing];
      throw Object.assign(new Error(`mountpoint ${body.mountpoint} holds another image`), { status: 409, code: 'MOUNTPOINT_BUSY' });
    }
    const devices = await devicesOf(body.reference);
    const loops: string[] = [];
    try {
      for (const file of [...devices, body.bootstrap]) {
        loops.push(execFileSync('losetup', ['-f', '--show', '-r', file], { encoding: 'utf8' }).trim());
      }
      fs.mkdirSync(body.mountpoint, { recursive: true });
      const boot = loops[loops.length - 1] as string;
      const options = ['ro', ...loops.slice(0, -1).map((d) => `device=${d}`)].join(',');
      execFileSync('mount', ['-t', 'erofs', '-o', options, boot, body.mountpoint]);
    } catch (err) {
      for (const loop of loops) execFileSync('losetup', ['-d', loop]);
      throw err;
    }
    const m: StandInMount = {
      id: `m-${randomBytes(6).toString('hex')}`,
      reference: body.reference,
      mountpoint: body.mountpoint,
      manifestDigest: body.reference.includes('@') ? body.reference.slice(body.reference.indexOf('@') + 1) : '',
      bootstrapDigest,
      blobs: devices.map((d) => path.basename(d)),
      createdAt: new Date().toISOString(),
      labels: body.labels ?? {},
      loops,
    };
    mounts.set(m.id, m);
    return [201, m];
  };

  const unmount = (m: StandInMount): void => {
    execFileSync('umount', ['-l', m.mountpoint]);
    for (const loop of m.loops) {
      try {
        execFileSync('losetup', ['-d', loop]);
      } catch {
        // already detached
      }
    }
    mounts.delete(m.id);
  };

  /** The expanded blobs, as the daemon's cache listing shows its blobs. */
  const cacheListing = async (): Promise<Array<{ id: string; uncompressedSize: number; cachedBytes: number; referenced: boolean; reference: string; file: string }>> => {
    const used = new Set([...mounts.values()].map((m) => m.reference));
    const out = [];
    for (const [reference, files] of expanded) {
      for (const file of await files) {
        const size = fs.statSync(file).size;
        out.push({ id: path.basename(file), uncompressedSize: size, cachedBytes: size, referenced: used.has(reference), reference, file });
      }
    }
    return out;
  };

  /** Drops the expansions no mount uses, unless one of their blobs is in `keep`. */
  const gc = async (keep: Set<string>): Promise<{ removed: string[]; freedBytes: number }> => {
    const removed: string[] = [];
    let freedBytes = 0;
    for (const blob of await cacheListing()) {
      if (blob.referenced || keep.has(blob.id)) continue;
      removed.push(blob.id);
      freedBytes += blob.cachedBytes;
      fs.rmSync(blob.file, { force: true });
      expanded.delete(blob.reference);
    }
    return { removed, freedBytes };
  };

  const wire = (m: StandInMount): Omit<StandInMount, 'loops'> => {
    const { loops: _loops, ...rest } = m;
    return rest;
  };

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://darner');
      const text = Buffer.concat(parts).toString('utf8');
      const body: unknown = text ? JSON.parse(text) : undefined;
      requests.push({ method: req.method ?? '', path: url.pathname, body });
      const send = (status: number, value?: unknown): void => {
        const out = value === undefined ? '' : JSON.stringify(value);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      };
      const fail = (err: unknown): void => {
        const e = err as { status?: number; code?: string; message?: string };
        send(e.status ?? 500, { error: { code: e.code ?? 'MOUNT_FAILED', message: e.message ?? String(err) } });
      };
      if (req.method === 'GET' && url.pathname === '/api/v1/status') {
        send(200, { version: 'erofs-stand-in', pid: process.pid, mounts: mounts.size });
      } else if (req.method === 'GET' && url.pathname === '/api/v1/mounts') {
        send(200, { mounts: [...mounts.values()].map(wire) });
      } else if (req.method === 'POST' && url.pathname === '/api/v1/mounts') {
        mount(body as Parameters<typeof mount>[0]).then(([status, m]) => send(status, { mount: wire(m) }), fail);
      } else if (req.method === 'DELETE' && url.pathname.startsWith('/api/v1/mounts/')) {
        const m = mounts.get(decodeURIComponent(url.pathname.slice('/api/v1/mounts/'.length)));
        if (!m) send(404, { error: { code: 'NOT_FOUND', message: 'no such mount' } });
        else {
          try {
            unmount(m);
            send(204);
          } catch (err) {
            fail(err);
          }
        }
      } else if (req.method === 'GET' && url.pathname === '/api/v1/cache') {
        cacheListing().then((blobs) => send(200, { blobs, totalBytes: blobs.reduce((n, b) => n + b.cachedBytes, 0) }), fail);
      } else if (req.method === 'POST' && url.pathname === '/api/v1/cache/gc') {
        gc(new Set((body as { keep?: string[] } | undefined)?.keep ?? [])).then(send.bind(null, 200), fail);
      } else {
        send(404, { error: { code: 'NOT_FOUND', message: `${req.method} ${url.pathname}` } });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, resolve);
  });

  let stopped: Promise<void> | undefined;
  const client = new DaemonClient(socket);
  return {
    socket,
    client,
    mounts,
    requests,
    stop: () =>
      (stopped ??= (async () => {
        await client.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        for (const m of [...mounts.values()]) {
          try {
            unmount(m);
          } catch {
            // best effort
          }
        }
        fs.rmSync(work, { recursive: true, force: true });
        fs.rmSync(socket, { force: true });
      })()),
  };
}
