/**
 * Manifests from containerd's content store: a pull (the CRI plugin's, kubelet's way) stores the
 * image's manifest there before it prepares the layers, so the layer lookups of the image
 * catalog read it over containerd's local socket instead of fetching it from the registry again.
 * Any failure (no containerd at the configured address, the manifest not stored) answers
 * undefined and the catalog reads the registry, as before; the catalog checks the bytes
 * against the digest.
 */
import { MAX_MANIFEST_SIZE } from '../src/oci/image-spec.js';
import { ContainerdClient } from './pull/containerd-client.js';
/** A local read takes a round trip on a unix socket; past this, the registry is the better bet. */
const READ_TIMEOUT_MS = 2000;
/** Reads manifests through containerd's socket at `address` (connected at the first read). */
export function containerdManifests(address, logger) {
    let client;
    return {
        read: async (namespace, digest) => {
            try {
                client ??= ContainerdClient.connect({ address, namespace });
                return await client.inNamespace(namespace).readContent(digest, MAX_MANIFEST_SIZE, READ_TIMEOUT_MS);
            }
            catch (err) {
                logger.debug({ address, namespace, digest, err: err.message }, 'manifest not read from containerd: reading the registry');
                return undefined;
            }
        },
        close: () => client?.close(),
    };
}
//# sourceMappingURL=containerd-content.js.map