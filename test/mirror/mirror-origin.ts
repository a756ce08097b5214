import { buildOciImage, pushOciImage, type BuiltImage, type ImageSpec } from '../harness/oci-image.js';
import { writeTokenFile } from '../harness/p2p-cluster.js';
import { startCountingProxy, startRegistry, type ProxyHandle, type RegistryHandle } from '../harness/registry.js';

/**
 * What the registry-mirror tests pull from: Debian's registry with one plain image pushed to it,
 * behind the counting proxy (the origin the mirrors are pointed at), and the P2P token file.
 */
export interface MirrorOrigin {
  registry: RegistryHandle;
  proxy: ProxyHandle;
  image: BuiltImage;
  tokenFile: { path: string; remove(): Promise<void> };
  /** A daemon config with the mirror on a free loopback port, `pieceSize` pieces, plain HTTP to the proxy. */
  mirrorConfig(): string;
  /** Stops and removes all of it; errors are ignored (a test's end). */
  stop(): Promise<void>;
}

export async function startMirrorOrigin(spec: { image: ImageSpec; repo: string; token: string; pieceSize: number }): Promise<MirrorOrigin> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    const image = await buildOciImage(spec.image);
    await pushOciImage(image, `docker://${registry.host}/${spec.repo}:1`, { plainHttp: true });
    const proxy = await startCountingProxy(registry.host);
    cleanups.push(() => proxy.stop());
    const tokenFile = await writeTokenFile(spec.token);
    cleanups.push(() => tokenFile.remove());
    const mirrorConfig = (): string => `[mirror]\nlisten = "127.0.0.1:0"\npiece_size = ${spec.pieceSize}\nplain_http = ["${proxy.host}"]\n`;
    return { registry, proxy, image, tokenFile, mirrorConfig, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
