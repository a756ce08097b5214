import { humanBytes } from '../../src/format-bytes.js';
import { UsageError } from '../../src/errors.js';
import { setLogLevel } from '../../src/log.js';
import { examples, hiddenAlias } from '../../src/util/cli-options.js';
import { splitUserPassword } from '../../src/util/pairs.js';
/**
 * `darner pull [--address SOCKET] [--namespace NS] [--snapshotter NAME] [--plain-http]
 * [--user USER:PASS] [--platform P] [--snapshotter-address SOCKET] [--local] REF`: pulls an image
 * into containerd and unpacks it into a snapshotter, leaving darner data layers to the darner
 * snapshotter (never downloaded). Flag names are ctr's; the defaults too, except the snapshotter
 * (darner). The pull runs inside the darner snapshotter when one answers on its socket (its pull
 * RPC: remote-pull.ts), else (or with --local) in this process (pull.ts). Either is imported
 * when the verb runs, so that `darner` starts quickly whatever it is asked to do.
 */
export const DEFAULT_CONTAINERD_ADDRESS = '/run/containerd/containerd.sock';
export const DEFAULT_SNAPSHOTTER_ADDRESS = '/run/darner/snapshotter.sock';
export function register(program) {
    const command = program
        .command('pull')
        .description('pull an image into containerd, leaving darner data layers to the darner snapshotter (lazy)')
        .argument('<ref>', 'image reference: HOST/REPO[:TAG|@DIGEST] (docker:// optional)')
        .option('-a, --address <socket>', `containerd socket (default: $CONTAINERD_ADDRESS or ${DEFAULT_CONTAINERD_ADDRESS})`)
        .option('-n, --namespace <ns>', 'containerd namespace (default: $CONTAINERD_NAMESPACE or "default")')
        .option('--snapshotter <name>', 'snapshotter to unpack into', 'darner')
        .option('--plain-http', 'speak plain http to a registry that is not on loopback')
        .option('--creds <user:password>', 'registry credentials (default: the docker config)')
        .option('--platform <os/arch[/variant]>', "image to pick from a multi-platform index (default: this host's)")
        .option('-q, --quiet', 'print nothing but errors')
        .option('--snapshotter-address <socket>', `the darner snapshotter's socket, where the pull runs (default: $DARNER_SNAPSHOTTER_ADDRESS or ${DEFAULT_SNAPSHOTTER_ADDRESS})`)
        .option('--local', 'pull in this process, not inside the darner snapshotter')
        .action(async (reference, flags) => {
        // A one-shot command ends in one line: the registry's retries are the daemon's business to log.
        setLogLevel('error');
        const registry = {};
        if (flags.plainHttp)
            registry.plainHttp = true;
        if (flags.creds !== undefined) {
            const credentials = splitUserPassword(flags.creds);
            if (credentials === undefined)
                throw new UsageError('--creds must be USER:PASSWORD');
            registry.username = credentials.username;
            registry.password = credentials.password;
        }
        const print = flags.quiet ? () => undefined : (line) => void process.stdout.write(`${line}\n`);
        const started = Date.now();
        const target = {
            address: flags.address ?? process.env.CONTAINERD_ADDRESS ?? DEFAULT_CONTAINERD_ADDRESS,
            namespace: flags.namespace ?? process.env.CONTAINERD_NAMESPACE ?? 'default',
            snapshotter: flags.snapshotter,
            ...(flags.platform !== undefined ? { platform: flags.platform } : {}),
        };
        const onEvent = (event) => {
            print(describeEvent(event));
        };
        let result;
        if (!flags.local) {
            const { pullThroughSnapshotter } = await import('./remote-pull.js');
            const socket = flags.snapshotterAddress ?? process.env.DARNER_SNAPSHOTTER_ADDRESS ?? DEFAULT_SNAPSHOTTER_ADDRESS;
            result = await pullThroughSnapshotter(socket.replace(/^unix:(\/\/)?/, ''), {
                reference,
                ...target,
                ...(registry.plainHttp ? { plainHttp: true } : {}),
                ...(registry.username !== undefined ? { credentials: { username: registry.username, password: registry.password ?? '' } } : {}),
            }, onEvent);
        }
        if (result === undefined) {
            const { pullImage } = await import('./pull.js');
            result = await pullImage(reference, { ...target, registry, onEvent });
        }
        const remote = result.layers.filter((l) => l.result === 'remote').length;
        const unpacked = result.layers.filter((l) => l.result === 'unpacked').length;
        print(`${result.name}: ${result.layers.length} layers (${remote} remote, ${unpacked} unpacked, ` +
            `${result.layers.length - remote - unpacked} present), ${humanBytes(result.fetchedBytes)} fetched in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
    // ctr's name for the credentials flag.
    hiddenAlias(command, '-u, --user <user:password>', 'creds');
    examples(command, 'darner pull registry.example.com/app:1-darner', 'darner pull --creds me:secret --platform linux/arm64 registry.example.com/app:1-darner', 'ctr run --snapshotter darner registry.example.com/app:1-darner app1 sh');
}
function describeEvent(event) {
    switch (event.type) {
        case 'resolved':
            return `resolved ${event.name} to ${event.digest}`;
        case 'content':
            return `${event.kind} ${event.digest}: ${event.stored ? 'stored' : 'already present'}`;
        case 'layer': {
            const what = event.result === 'remote' ? 'remote (lazy, not fetched)' : event.result === 'present' ? 'already unpacked' : `unpacked (${humanBytes(event.fetchedBytes)} fetched)`;
            return `layer ${event.index + 1}/${event.count} ${event.digest}: ${what}`;
        }
    }
}
//# sourceMappingURL=cli.js.map