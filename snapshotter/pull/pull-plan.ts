import { createHash, randomBytes } from 'node:crypto';
import type { Descriptor, Index, Manifest } from '../../src/oci/image-spec.js';
import { darnerLayerLabels } from '../layer-labels.js';
import type { Labels } from '../types.js';
import { LABEL_SNAPSHOT_REF } from '../types.js';

/**
 * What a pull writes into containerd, computed without I/O: chain IDs, content refs, the labels
 * that keep pulled content alive (containerd's garbage collector follows them) and the labels
 * each layer's Prepare carries. The names and shapes are containerd 1.6's (remotes/handlers.go,
 * images/handlers.go, unpacker.go, snapshots/snapshotter.go).
 */

export const GC_REF_CONTENT = 'containerd.io/gc.ref.content';
export const GC_REF_SNAPSHOT = 'containerd.io/gc.ref.snapshot';
export const GC_EXPIRE = 'containerd.io/gc.expire';
export const UNCOMPRESSED = 'containerd.io/uncompressed';
export const DISTRIBUTION_SOURCE = 'containerd.io/distribution.source';

/** Chain IDs per the image spec: chain₀ = diff₀, chainᵢ = sha256("<chainᵢ₋₁> <diffᵢ>"). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(previous === undefined ? diffId : `sha256:${createHash('sha256').update(`${previous} ${diffId}`).digest('hex')}`);
  }
  return out;
}

/** The ingest name containerd's fetcher uses: `index-`, `manifest-`, `config-` or `layer-` plus the digest. */
export function contentRef(kind: 'index' | 'manifest' | 'config' | 'layer', digest: string): string {
  return `${kind}-${digest}`;
}

/**
 * The key a layer is prepared under while it is unpacked, in containerd's format
 * (`extract-<nanoseconds>-<base64url of 3 random bytes> <chainID>`): unique per try, and it
 * names the chain ID for whoever lists active snapshots.
 */
export function unpackKey(chainId: string, nowNanos: bigint = process.hrtime.bigint(), random: Buffer = randomBytes(3)): string {
  return `extract-${nowNanos % 1_000_000_000n}-${random.toString('base64url')} ${chainId}`;
}

/** An index's labels: one `gc.ref.content.m.<i>` per manifest it lists. */
export function indexLabels(index: Index): Labels {
  const labels: Labels = {};
  index.manifests.forEach((m, i) => {
    labels[`${GC_REF_CONTENT}.m.${i}`] = m.digest;
  });
  return labels;
}

/** A manifest's labels: its config and every layer, fetched or not (GC ignores what is absent). */
export function manifestLabels(manifest: Manifest): Labels {
  const labels: Labels = { [`${GC_REF_CONTENT}.config`]: manifest.config.digest };
  manifest.layers.forEach((l, i) => {
    labels[`${GC_REF_CONTENT}.l.${i}`] = l.digest;
  });
  return labels;
}

/** The config's label that keeps the unpacked snapshot chain alive (set once unpack is done). */
export function snapshotGcLabel(snapshotter: string, topChainId: string): Labels {
  return { [`${GC_REF_SNAPSHOT}.${snapshotter}`]: topChainId };
}

/** Where a blob came from, for cross-repository pushes (`containerd.io/distribution.source.<host>`). */
export function distributionSourceLabel(registry: string, repository: string): Labels {
  return { [`${DISTRIBUTION_SOURCE}.${registry}`]: repository };
}

/** A lease's expiry label: `containerd.io/gc.expire=<RFC 3339>`, 24 h from now as containerd's default. */
export function leaseExpiryLabel(now: Date = new Date(), ttlMs = 24 * 3600_000): Labels {
  return { [GC_EXPIRE]: new Date(now.getTime() + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

export interface LayerStep {
  index: number;
  descriptor: Descriptor;
  diffId: string;
  chainId: string;
  /** Chain ID of the layers below, '' for the first. */
  parent: string;
  /** The labels of this layer's Prepare (and of its Commit). */
  labels: Labels;
}

/**
 * One step per layer: its chain ID and parent, and its Prepare labels: the layer's
 * `containerd.io/snapshot/` annotations (as containerd's unpacker copies them), darner's layer
 * identity, and `containerd.io/snapshot.ref=<chainID>`, which lets a snapshotter answer "already
 * there" for a layer it can serve remotely.
 */
export function layerSteps(
  manifest: Manifest,
  diffIds: readonly string[],
  identity: { reference: string; manifestDigest: string; plainHttp?: boolean },
): LayerStep[] {
  const chains = chainIds(diffIds);
  return manifest.layers.map((descriptor, index) => {
    const labels: Labels = {};
    for (const [k, v] of Object.entries(descriptor.annotations ?? {})) {
      if (k.startsWith('containerd.io/snapshot/')) labels[k] = v;
    }
    Object.assign(labels, darnerLayerLabels({ ...identity, layerDigest: descriptor.digest }));
    const chainId = chains[index] as string;
    labels[LABEL_SNAPSHOT_REF] = chainId;
    return {
      index,
      descriptor,
      diffId: diffIds[index] as string,
      chainId,
      parent: index === 0 ? '' : (chains[index - 1] as string),
      labels,
    };
  });
}
