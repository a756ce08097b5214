import { buildOciImage, pushOciImage } from '../harness/oci-image.js';
import { writeTokenFile } from '../harness/p2p-cluster.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
export async function startMirrorOrigin(spec) {
    const cleanups = [];
    const stop = async () => {
        for (const fn of cleanups.reverse())
            await fn().catch(() => undefined);
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
        const mirrorConfig = () => `[mirror]\nlisten = "127.0.0.1:0"\npiece_size = ${spec.pieceSize}\nplain_http = ["${proxy.host}"]\n`;
        return { registry, proxy, image, tokenFile, mirrorConfig, stop };
    }
    catch (err) {
        await stop();
        throw err;
    }
}
//# sourceMappingURL=mirror-origin.js.map