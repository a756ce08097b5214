import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { TEST_CACHE_DIR } from './test-cache.js';
import { findTool } from './toolchain.js';
/**
 * crictl, the CRI client kubelet's tests use: from PATH, else built once with `go install` (the
 * Go module proxy) into the test cache and reused.
 */
const CRICTL_MODULE = 'sigs.k8s.io/cri-tools/cmd/crictl@v1.37.0';
const run = promisify(execFile);
export async function findCrictl() {
    const bin = join(TEST_CACHE_DIR, 'bin');
    for (const dir of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), bin]) {
        try {
            accessSync(join(dir, 'crictl'), constants.X_OK);
            return join(dir, 'crictl');
        }
        catch {
            // not here
        }
    }
    const go = findTool('go');
    if (!go)
        throw new Error(`crictl is not installed and there is no go to build it (go install ${CRICTL_MODULE})`);
    mkdirSync(bin, { recursive: true });
    await run(go, ['install', CRICTL_MODULE], { env: { ...process.env, GOBIN: bin }, timeout: 15 * 60_000 });
    return join(bin, 'crictl');
}
/** Runs crictl against a containerd's CRI socket and returns its stdout. */
export async function crictl(address, args) {
    const endpoint = `unix://${address}`;
    const { stdout } = await run(await findCrictl(), ['--runtime-endpoint', endpoint, '--image-endpoint', endpoint, '--timeout', '120s', ...args], { timeout: 180_000 });
    return stdout;
}
//# sourceMappingURL=crictl.js.map