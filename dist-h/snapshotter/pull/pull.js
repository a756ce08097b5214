import { Readable } from 'node:stream';
import { RegistryClient } from '../../src/blob/registry.js';
import { AlreadyExistsError, DigestMismatchError, InvalidManifestError, NotFoundError, UnsupportedError, UsageError } from '../../src/errors.js';
import { log } from '../../src/log.js';
import { MAX_CONFIG_SIZE, checkManifestMatchesConfig, parseImageConfig, parseManifestOrIndex, } from '../../src/oci/image-spec.js';
import { isDataBlobLayer } from '../../src/oci/layer-kind.js';
import { parsePlatformFlag, selectManifest } from '../../src/oci/platform.js';
import { formatRegistryName, parseReference } from '../../src/oci/reference.js';
import { ContainerdClient } from './containerd-client.js';
import { ingestBlob } from './content-ingest.js';
import { UNCOMPRESSED, contentRef, distributionSourceLabel, indexLabels, layerSteps, leaseExpiryLabel, manifestLabels, snapshotGcLabel, unpackKey, } from './pull-plan.js';
/** Layer Prepare tries, as containerd's unpacker makes them (a vanished target is retried). */
const PREPARE_ATTEMPTS = 3;
export async function pullImage(reference, options) {
    const ref = registryReference(reference);
    const name = formatRegistryName(ref);
    const registry = new RegistryClient(ref.registry, options.registry ?? {});
    // The registry's first answer is on the critical path: ask for it first, and take the lease
    // meanwhile.
    const top = registry.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
    top.catch(() => undefined);
    const client = ContainerdClient.connect({ address: options.address, namespace: options.namespace });
    try {
        const leaseId = await client.createLease(leaseExpiryLabel());
        const leased = client.withLease(leaseId);
        try {
            return await pullUnderLease(ref, name, registry, leased, options, await top);
        }
        finally {
            // Whatever the outcome: what the image references is now kept by the image itself.
            await client.deleteLease(leaseId).catch((err) => log.warn({ err, lease: leaseId }, 'could not delete the pull lease'));
        }
    }
    finally {
        client.close();
        await registry.close();
    }
}
async function pullUnderLease(ref, name, registry, client, options, top) {
    const emit = options.onEvent ?? (() => undefined);
    const source = distributionSourceLabel(ref.registry, ref.repository);
    const storeDocument = async (kind, desc, bytes, labels) => {
        const result = await ingestBlob(client, contentRef(kind, desc.digest), desc, async () => Readable.from([bytes]));
        await client.updateContentLabels(desc.digest, { ...labels, ...source });
        emit({ type: 'content', kind, digest: desc.digest, stored: result !== 'exists' });
    };
    // Resolve: the top document, then (for an index) the platform's manifest.
    const topDoc = parseDocument(top.bytes, top.mediaType, name);
    const target = { mediaType: topDoc.mediaType, digest: top.digest, size: top.bytes.length };
    emit({ type: 'resolved', name, digest: top.digest, mediaType: topDoc.mediaType });
    let manifest;
    let manifestDesc;
    if (topDoc.kind === 'index') {
        const chosen = selectManifest(topDoc.index, options.platform !== undefined ? parsePlatformFlag(options.platform) : undefined);
        const child = await registry.getManifest(ref.repository, chosen.digest);
        const childDoc = parseDocument(child.bytes, child.mediaType || chosen.mediaType, `${name}@${chosen.digest}`);
        if (childDoc.kind !== 'manifest')
            throw new InvalidManifestError(`${name}: ${chosen.digest} is an index inside an index, which darner pull does not follow`);
        manifest = childDoc.manifest;
        manifestDesc = { digest: child.digest, size: child.bytes.length, bytes: child.bytes };
        await storeDocument('index', target, top.bytes, indexLabels(topDoc.index));
    }
    else {
        manifest = topDoc.manifest;
        manifestDesc = { digest: top.digest, size: top.bytes.length, bytes: top.bytes };
    }
    const configBytes = await registry.getBlob(ref.repository, manifest.config.digest, { size: manifest.config.size, maxSize: MAX_CONFIG_SIZE });
    let diffIds;
    try {
        const config = parseImageConfig(configBytes);
        checkManifestMatchesConfig(manifest, config);
        diffIds = config.rootfs.diff_ids;
    }
    catch (err) {
        if (err instanceof InvalidManifestError)
            throw err;
        throw new InvalidManifestError(`${name}: config ${manifest.config.digest}: ${err.message}`);
    }
    await storeDocument('manifest', manifestDesc, manifestDesc.bytes, manifestLabels(manifest));
    options.onManifest?.({
        registry: ref.registry,
        repository: ref.repository,
        ...(ref.digest === undefined && topDoc.kind === 'manifest' ? { tag: ref.tag ?? 'latest' } : {}),
        bytes: manifestDesc.bytes,
    });
    await storeDocument('config', manifest.config, configBytes, {});
    // Unpack, bottom up.
    const steps = layerSteps(manifest, diffIds, {
        reference: name,
        manifestDigest: manifestDesc.digest,
        plainHttp: options.registry?.plainHttp === true,
    });
    const layers = [];
    for (const step of steps) {
        const { result, fetchedBytes } = await unpackLayer(step, ref, registry, client, options.snapshotter);
        layers.push({ digest: step.descriptor.digest, chainId: step.chainId, result, fetchedBytes });
        emit({ type: 'layer', index: step.index, count: steps.length, digest: step.descriptor.digest, chainId: step.chainId, result, fetchedBytes });
    }
    const topChainId = steps[steps.length - 1]?.chainId ?? '';
    if (topChainId !== '')
        await client.updateContentLabels(manifest.config.digest, snapshotGcLabel(options.snapshotter, topChainId));
    // The image record last: only a complete pull is visible under the name.
    try {
        await client.createImage({ name, target });
    }
    catch (err) {
        if (!(err instanceof AlreadyExistsError))
            throw err;
        await client.updateImage({ name, target });
    }
    return {
        name,
        target,
        manifestDigest: manifestDesc.digest,
        topChainId,
        layers,
        fetchedBytes: layers.reduce((n, l) => n + l.fetchedBytes, 0),
    };
}
/** One layer: present, remote (ALREADY_EXISTS from Prepare), or fetched, applied and committed. */
async function unpackLayer(step, ref, registry, client, snapshotter) {
    if (await snapshotExists(client, snapshotter, step.chainId))
        return { result: 'present', fetchedBytes: 0 };
    for (let attempt = 1;; attempt++) {
        const key = unpackKey(step.chainId);
        let mounts;
        try {
            mounts = await client.prepareSnapshot(snapshotter, key, step.parent, step.labels);
        }
        catch (err) {
            if (!(err instanceof AlreadyExistsError))
                throw err;
            // The snapshotter has (or just made) the layer: containerd recorded it under the chain ID.
            if (await snapshotExists(client, snapshotter, step.chainId))
                return { result: 'remote', fetchedBytes: 0 };
            if (attempt >= PREPARE_ATTEMPTS)
                throw err;
            continue;
        }
        try {
            const desc = step.descriptor;
            if (isDataBlobLayer(desc)) {
                // A data blob is not a tar: only a snapshotter serving darner images remotely can take it.
                throw new UnsupportedError(`layer ${desc.digest} is a darner data blob, and snapshotter "${snapshotter}" did not take it as a remote layer ` +
                    '(pull darner images with the darner snapshotter, remote_snapshots on)');
            }
            const written = await ingestBlob(client, contentRef('layer', desc.digest), desc, () => registry.openBlob(ref.repository, desc.digest, { size: desc.size }));
            const applied = await client.applyDiff(wireDescriptor(desc), mounts);
            if (applied.digest !== step.diffId) {
                throw new DigestMismatchError(`layer ${desc.digest} (uncompressed)`, step.diffId, applied.digest);
            }
            try {
                await client.commitSnapshot(snapshotter, step.chainId, key, step.labels);
            }
            catch (err) {
                if (!(err instanceof AlreadyExistsError))
                    throw err;
                // Someone else committed the same layer meanwhile: theirs stands, ours goes.
                await client.removeSnapshot(snapshotter, key).catch(() => undefined);
            }
            await client.updateContentLabels(desc.digest, { [UNCOMPRESSED]: step.diffId });
            return { result: 'unpacked', fetchedBytes: written === 'exists' ? 0 : written };
        }
        catch (err) {
            await client.removeSnapshot(snapshotter, key).catch(() => undefined);
            throw err;
        }
    }
}
async function snapshotExists(client, snapshotter, key) {
    try {
        await client.statSnapshot(snapshotter, key);
        return true;
    }
    catch (err) {
        if (err instanceof NotFoundError)
            return false;
        throw err;
    }
}
function registryReference(input) {
    const ref = parseReference(input);
    if (ref.transport !== 'docker')
        throw new UsageError(`darner pull takes a registry reference (HOST/REPO[:TAG|@DIGEST]), not ${input}`);
    return ref;
}
function parseDocument(bytes, mediaType, where) {
    try {
        return parseManifestOrIndex(bytes, mediaType || undefined);
    }
    catch (err) {
        throw new InvalidManifestError(`${where}: ${err.message}`);
    }
}
function wireDescriptor(desc) {
    return { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: desc.annotations ?? {} };
}
//# sourceMappingURL=pull.js.map