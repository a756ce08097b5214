import * as grpc from '@grpc/grpc-js';
import { BadRequestError, DarnerError } from '../../src/errors.js';
import { log as rootLog, type Logger } from '../../src/log.js';
import type { ImageCatalog } from '../image-catalog.js';
import { loadContainerdApi } from './containerd-client.js';
import { pullImage, type BootstrapLayerInHand, type PullOptions } from './pull.js';
import { CODE_TRAILER, MAX_PULL_MESSAGE, PULL_PATH, parsePullCall, type PullMessage } from './pull-wire.js';

/**
 * The pull RPC served on the snapshotter's socket next to containerd's snapshot API
 * (pull-wire.ts for the wire). The pull runs in this long-lived process: no cold start before
 * its first registry request, and the manifest it reads goes straight into the image catalog,
 * so the layers' Prepares and the image mount at the bootstrap's Commit read none again.
 */

export interface PullServiceOptions {
  /** The catalog of a snapshotter serving darner images; absent: nothing to hand over. */
  images?: ImageCatalog;
  /**
   * Mounts a darner image from its bootstrap layer as soon as the pull has read it (DarnerLayers),
   * while containerd unpacks; resolves when mounted. A failure is logged: the bootstrap's Commit
   * mounts the image the usual way.
   */
  mountFromBootstrapLayer?: (layer: BootstrapLayerInHand) => Promise<void>;
  /** The snapshotter's docker config for registry credentials (undefined: the default one). */
  dockerConfigPath?: string;
  logger?: Logger;
}

const json = {
  serialize: (value: unknown): Buffer => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer): unknown => {
    if (bytes.length > MAX_PULL_MESSAGE) return { invalid: `a request of ${bytes.length} bytes is too large` };
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      return { invalid: 'the request is not JSON' };
    }
  },
};

export function pullServiceDefinition(): grpc.ServiceDefinition {
  return {
    Pull: {
      path: PULL_PATH,
      requestStream: false,
      responseStream: true,
      requestSerialize: json.serialize,
      requestDeserialize: json.deserialize,
      responseSerialize: json.serialize,
      responseDeserialize: json.deserialize,
    },
  };
}

export function pullServiceImplementation(options: PullServiceOptions = {}): grpc.UntypedServiceImplementation {
  const log = (options.logger ?? rootLog).child({ component: 'pull-service' });
  // Off the first pull's critical path (a failure here fails that pull with the same error).
  setImmediate(() => {
    try {
      loadContainerdApi();
    } catch (err) {
      log.warn({ err }, "cannot load containerd's API definitions");
    }
  });
  const pull: grpc.handleServerStreamingCall<unknown, PullMessage> = (call) => {
    const fail = (err: unknown): void => {
      const metadata = new grpc.Metadata();
      metadata.set(CODE_TRAILER, err instanceof DarnerError ? err.code : 'INTERNAL');
      const code = err instanceof BadRequestError ? grpc.status.INVALID_ARGUMENT : grpc.status.UNKNOWN;
      const details = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
      call.emit('error', { code, details, metadata });
    };
    let pullOptions: PullOptions;
    let reference: string;
    try {
      const request = call.request as { invalid?: unknown };
      if (typeof request === 'object' && request !== null && typeof request.invalid === 'string') throw new BadRequestError(request.invalid);
      const req = parsePullCall(request);
      reference = req.reference;
      pullOptions = {
        address: req.address,
        namespace: req.namespace,
        snapshotter: req.snapshotter,
        ...(req.platform !== undefined ? { platform: req.platform } : {}),
        registry: {
          ...(req.plainHttp ? { plainHttp: true } : {}),
          ...(req.credentials ? { username: req.credentials.username, password: req.credentials.password } : {}),
          ...(options.dockerConfigPath !== undefined ? { dockerConfigPath: options.dockerConfigPath } : {}),
        },
        onEvent: (event) => call.write({ event }),
      };
      const images = options.images;
      if (images) pullOptions.onManifest = (m) => images.remember(m.registry, m.repository, m.bytes, m.tag);
      const mountEarly = options.mountFromBootstrapLayer;
      if (mountEarly) {
        pullOptions.onBootstrapLayer = (layer) =>
          void mountEarly(layer).catch((err: unknown) => log.warn({ err, image: layer.image }, 'cannot mount the image from its bootstrap layer yet; its Commit mounts it'));
      }
    } catch (err) {
      fail(err);
      return;
    }
    log.info({ reference, snapshotter: pullOptions.snapshotter, namespace: pullOptions.namespace }, 'pull');
    pullImage(reference, pullOptions).then(
      (result) => {
        call.write({ result });
        call.end();
        log.info({ reference, layers: result.layers.length, fetchedBytes: result.fetchedBytes }, 'pulled');
      },
      (err: unknown) => {
        log.warn({ err, reference }, 'pull failed');
        fail(err);
      },
    );
  };
  return { Pull: pull };
}
