import { Readable } from 'node:stream';
import { RegistryClient, type RegistryClientOptions } from '../../src/blob/registry.js';
import { AlreadyExistsError, DigestMismatchError, InvalidManifestError, NotFoundError, UnsupportedError, UsageError } from '../../src/errors.js';
import { log } from '../../src/log.js';
import {
  MAX_CONFIG_SIZE,
  checkManifestMatchesConfig,
  parseImageConfig,
  parseManifestOrIndex,
  type Descriptor,
  type Manifest,
} from '../../src/oci/image-spec.js';
import { MAX_BOOTSTRAP_LAYER_BYTES, findBootstrapLayerIndex } from '../../src/image/bootstrap-layer.js';
import { isDataBlobLayer } from '../../src/oci/layer-kind.js';
import { parsePlatformFlag, selectManifest } from '../../src/oci/platform.js';
import { formatRegistryName, parseReference, type RegistryReference } from '../../src/oci/reference.js';
import { ContainerdClient, type WireDescriptor } from './containerd-client.js';
import { ingestBlob } from './content-ingest.js';
import {
  UNCOMPRESSED,
  contentRef,
  distributionSourceLabel,
  indexLabels,
  layerSteps,
  leaseExpiryLabel,
  manifestLabels,
  snapshotGcLabel,
  unpackKey,
  type LayerStep,
} from './pull-plan.js';

/**
 * `darner pull`: containerd's pull-and-unpack sequence (client.Pull with WithPullUnpack, as
 * `ctr-remote images rpull` runs it), driven over containerd's gRPC API:
 *
 *  1. take a lease, so nothing written is garbage-collected before the image exists;
 *  2. resolve the reference at the registry; store the index (if any), the platform manifest and
 *     the config in containerd's content store, labelled so that GC follows
 *     image → index → manifest → config and layers;
 *  3. per layer, bottom up: skip it if its chain ID is already a snapshot; else Prepare it with
 *     labels naming the layer (`containerd.io/snapshot.ref=<chainID>` plus darner's layer
 *     identity and the layer's annotations). A snapshotter that serves the layer remotely (darner
 *     does, for a darner image's data blobs) answers ALREADY_EXISTS and the blob is never
 *     fetched. Otherwise fetch the blob into content, Diff.Apply it onto the mounts, check the
 *     diff ID, and Commit under the chain ID;
 *  4. label the config with `containerd.io/gc.ref.snapshot.<snapshotter>=<top chainID>`;
 *  5. create (or update) the image record; 6. delete the lease.
 *
 * After it, `ctr run --snapshotter <name> REF …` finds the image unpacked (it Stats the top
 * chain ID) and only asks the snapshotter for the container's own snapshot.
 */

export interface PullOptions {
  /** containerd's socket. */
  address: string;
  /** containerd namespace. */
  namespace: string;
  /** The snapshotter to unpack into. */
  snapshotter: string;
  /** `os/arch[/variant]` for multi-platform images (default: the host's). */
  platform?: string;
  /** Registry access: plain http, credentials (else the docker config), timeouts. */
  registry?: RegistryClientOptions;
  /** Told about each step, for progress output. */
  onEvent?: (event: PullEvent) => void;
  /**
   * Given the platform manifest's bytes (verified) before any layer is prepared: a pull running
   * inside the snapshotter hands them to its image catalog, so the layers' Prepares and the image
   * mount read no manifest from the registry again.
   */
  onManifest?: (manifest: { registry: string; repository: string; tag?: string; bytes: Buffer }) => void;
  /**
   * Given a darner image's bootstrap layer as soon as it is read (checked against the manifest's
   * digest), while containerd is still unpacking: a pull inside the snapshotter mounts the image
   * from it at once. Only asked for when the image is not unpacked yet; the layer's bytes are
   * then the ones containerd unpacks too (read once).
   */
  onBootstrapLayer?: (layer: BootstrapLayerInHand) => void;
}

/** A darner image's bootstrap layer read during a pull. */
export interface BootstrapLayerInHand {
  /** The image pinned to its manifest: `host/repo@sha256:…`. */
  image: string;
  plainHttp: boolean;
  /** The layer as stored (compressed tar), its sha256 checked against the manifest. */
  bytes: Buffer;
  /** The config's diff_id for it (the digest of the uncompressed tar). */
  diffId: string;
}

export type PullEvent =
  | { type: 'resolved'; name: string; digest: string; mediaType: string }
  | { type: 'content'; kind: 'index' | 'manifest' | 'config'; digest: string; stored: boolean }
  | { type: 'layer'; index: number; count: number; digest: string; chainId: string; result: LayerResult; fetchedBytes: number };

/**
 * What happened to a layer: `present` (its chain ID was already a snapshot), `remote` (the
 * snapshotter answered ALREADY_EXISTS: served lazily, not fetched) or `unpacked` (fetched and
 * applied).
 */
export type LayerResult = 'present' | 'remote' | 'unpacked';

export interface PullResult {
  /** The image name in containerd (`host/repo:tag`). */
  name: string;
  /** What the image record points at (the index when the reference named one). */
  target: WireDescriptor;
  manifestDigest: string;
  /** Chain ID of the whole image: what `ctr run` Stats. */
  topChainId: string;
  layers: Array<{ digest: string; chainId: string; result: LayerResult; fetchedBytes: number }>;
  /** Layer bytes fetched from the registry. */
  fetchedBytes: number;
}

/** Layer Prepare tries, as containerd's unpacker makes them (a vanished target is retried). */
const PREPARE_ATTEMPTS = 3;

export async function pullImage(reference: string, options: PullOptions): Promise<PullResult> {
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
    } finally {
      // Whatever the outcome: what the image references is now kept by the image itself.
      await client.deleteLease(leaseId).catch((err: unknown) => log.warn({ err, lease: leaseId }, 'could not delete the pull lease'));
    }
  } finally {
    client.close();
    await registry.close();
  }
}

async function pullUnderLease(
  ref: RegistryReference,
  name: string,
  registry: RegistryClient,
  client: ContainerdClient,
  options: PullOptions,
  top: { bytes: Buffer; digest: string; mediaType: string },
): Promise<PullResult> {
  const emit = options.onEvent ?? (() => undefined);
  const source = distributionSourceLabel(ref.registry, ref.repository);
  const storeDocument = async (kind: 'index' | 'manifest' | 'config', desc: { digest: string; size: number }, bytes: Buffer, labels: Record<string, string>): Promise<void> => {
    const result = await ingestBlob(client, contentRef(kind, desc.digest), desc, async () => Readable.from([bytes]));
    await client.updateContentLabels(desc.digest, { ...labels, ...source });
    emit({ type: 'content', kind, digest: desc.digest, stored: result !== 'exists' });
  };

  // Resolve: the top document, then (for an index) the platform's manifest.
  const topDoc = parseDocument(top.bytes, top.mediaType, name);
  const target: WireDescriptor = { mediaType: topDoc.mediaType, digest: top.digest, size: top.bytes.length };
  emit({ type: 'resolved', name, digest: top.digest, mediaType: topDoc.mediaType });

  let manifest: Manifest;
  let manifestDesc: { digest: string; size: number; bytes: Buffer };
  if (topDoc.kind === 'index') {
    const chosen = selectManifest(topDoc.index, options.platform !== undefined ? parsePlatformFlag(options.platform) : undefined);
    const child = await registry.getManifest(ref.repository, chosen.digest);
    const childDoc = parseDocument(child.bytes, child.mediaType || chosen.mediaType, `${name}@${chosen.digest}`);
    if (childDoc.kind !== 'manifest') throw new InvalidManifestError(`${name}: ${chosen.digest} is an index inside an index, which darner pull does not follow`);
    manifest = childDoc.manifest;
    manifestDesc = { digest: child.digest, size: child.bytes.length, bytes: child.bytes };
    await storeDocument('index', target, top.bytes, indexLabels(topDoc.index));
  } else {
    manifest = topDoc.manifest;
    manifestDesc = { digest: top.digest, size: top.bytes.length, bytes: top.bytes };
  }

  const configBytes = await registry.getBlob(ref.repository, manifest.config.digest, { size: manifest.config.size, maxSize: MAX_CONFIG_SIZE });
  let diffIds: string[];
  try {
    const config = parseImageConfig(configBytes);
    checkManifestMatchesConfig(manifest, config);
    diffIds = config.rootfs.diff_ids;
  } catch (err) {
    if (err instanceof InvalidManifestError) throw err;
    throw new InvalidManifestError(`${name}: config ${manifest.config.digest}: ${(err as Error).message}`);
  }
  options.onManifest?.({
    registry: ref.registry,
    repository: ref.repository,
    ...(ref.digest === undefined && topDoc.kind === 'manifest' ? { tag: ref.tag ?? 'latest' } : {}),
    bytes: manifestDesc.bytes,
  });
  const steps = layerSteps(manifest, diffIds, {
    reference: name,
    manifestDigest: manifestDesc.digest,
    plainHttp: options.registry?.plainHttp === true,
  });
  // Before the documents are stored: the image mount waits on nothing but the bootstrap layer.
  const early = await readBootstrapEarly(manifest, diffIds, steps, ref, manifestDesc.digest, registry, client, options);
  await storeDocument('manifest', manifestDesc, manifestDesc.bytes, manifestLabels(manifest));
  await storeDocument('config', manifest.config, configBytes, {});

  // Unpack, bottom up.
  const layers: PullResult['layers'] = [];
  for (const step of steps) {
    const inHand = early?.index === step.index ? early.bytes : undefined;
    const { result, fetchedBytes } = await unpackLayer(step, ref, registry, client, options.snapshotter, inHand);
    layers.push({ digest: step.descriptor.digest, chainId: step.chainId, result, fetchedBytes });
    emit({ type: 'layer', index: step.index, count: steps.length, digest: step.descriptor.digest, chainId: step.chainId, result, fetchedBytes });
  }
  const topChainId = steps[steps.length - 1]?.chainId ?? '';
  if (topChainId !== '') await client.updateContentLabels(manifest.config.digest, snapshotGcLabel(options.snapshotter, topChainId));

  // The image record last: only a complete pull is visible under the name.
  try {
    await client.createImage({ name, target });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
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

/**
 * Starts reading a darner image's bootstrap layer now, ahead of its turn in the unpack, and hands
 * it to `onBootstrapLayer` as soon as it is in: the image is mounted while containerd unpacks the
 * layers below. Nothing is read when no one asks, the image is not a darner image, or its top
 * snapshot exists already (the image is unpacked: the layer is not needed).
 */
async function readBootstrapEarly(
  manifest: Manifest,
  diffIds: readonly string[],
  steps: readonly LayerStep[],
  ref: RegistryReference,
  manifestDigest: string,
  registry: RegistryClient,
  client: ContainerdClient,
  options: PullOptions,
): Promise<{ index: number; bytes: Promise<Buffer> } | undefined> {
  const hand = options.onBootstrapLayer;
  const index = findBootstrapLayerIndex(manifest);
  const layer = manifest.layers[index];
  const top = steps[steps.length - 1];
  if (hand === undefined || layer === undefined || top === undefined || layer.size > MAX_BOOTSTRAP_LAYER_BYTES) return undefined;
  if (await snapshotExists(client, options.snapshotter, top.chainId)) return undefined;
  const bytes = registry.getBlob(ref.repository, layer.digest, { size: layer.size, maxSize: MAX_BOOTSTRAP_LAYER_BYTES });
  bytes.then(
    (b) => hand({ image: `${ref.registry}/${ref.repository}@${manifestDigest}`, plainHttp: options.registry?.plainHttp === true, bytes: b, diffId: diffIds[index]! }),
    () => undefined, // the unpack of the layer reports it
  );
  return { index, bytes };
}

/**
 * One layer: present, remote (ALREADY_EXISTS from Prepare), or fetched, applied and committed.
 * `inHand`: the layer's bytes, already being read (checked against its digest).
 */
async function unpackLayer(
  step: LayerStep,
  ref: RegistryReference,
  registry: RegistryClient,
  client: ContainerdClient,
  snapshotter: string,
  inHand?: Promise<Buffer>,
): Promise<{ result: LayerResult; fetchedBytes: number }> {
  if (await snapshotExists(client, snapshotter, step.chainId)) return { result: 'present', fetchedBytes: 0 };
  for (let attempt = 1; ; attempt++) {
    const key = unpackKey(step.chainId);
    let mounts;
    try {
      mounts = await client.prepareSnapshot(snapshotter, key, step.parent, step.labels);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      // The snapshotter has (or just made) the layer: containerd recorded it under the chain ID.
      if (await snapshotExists(client, snapshotter, step.chainId)) return { result: 'remote', fetchedBytes: 0 };
      if (attempt >= PREPARE_ATTEMPTS) throw err;
      continue;
    }
    try {
      const desc = step.descriptor;
      if (isDataBlobLayer(desc)) {
        // A data blob is not a tar: only a snapshotter serving darner images remotely can take it.
        throw new UnsupportedError(
          `layer ${desc.digest} is a darner data blob, and snapshotter "${snapshotter}" did not take it as a remote layer ` +
            '(pull darner images with the darner snapshotter, remote_snapshots on)',
        );
      }
      const written = await ingestBlob(client, contentRef('layer', desc.digest), desc, async () =>
        inHand !== undefined ? Readable.from([await inHand]) : registry.openBlob(ref.repository, desc.digest, { size: desc.size }),
      );
      const applied = await client.applyDiff(wireDescriptor(desc), mounts);
      if (applied.digest !== step.diffId) {
        throw new DigestMismatchError(`layer ${desc.digest} (uncompressed)`, step.diffId, applied.digest);
      }
      try {
        await client.commitSnapshot(snapshotter, step.chainId, key, step.labels);
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
        // Someone else committed the same layer meanwhile: theirs stands, ours goes.
        await client.removeSnapshot(snapshotter, key).catch(() => undefined);
      }
      await client.updateContentLabels(desc.digest, { [UNCOMPRESSED]: step.diffId });
      return { result: 'unpacked', fetchedBytes: written === 'exists' ? 0 : written };
    } catch (err) {
      await client.removeSnapshot(snapshotter, key).catch(() => undefined);
      throw err;
    }
  }
}

async function snapshotExists(client: ContainerdClient, snapshotter: string, key: string): Promise<boolean> {
  try {
    await client.statSnapshot(snapshotter, key);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

function registryReference(input: string): RegistryReference {
  const ref = parseReference(input);
  if (ref.transport !== 'docker') throw new UsageError(`darner pull takes a registry reference (HOST/REPO[:TAG|@DIGEST]), not ${input}`);
  return ref;
}

function parseDocument(bytes: Buffer, mediaType: string, where: string): ReturnType<typeof parseManifestOrIndex> {
  try {
    return parseManifestOrIndex(bytes, mediaType || undefined);
  } catch (err) {
    throw new InvalidManifestError(`${where}: ${(err as Error).message}`);
  }
}

function wireDescriptor(desc: Descriptor): WireDescriptor {
  return { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: desc.annotations ?? {} };
}
