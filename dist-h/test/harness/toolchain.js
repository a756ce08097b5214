import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
/**
 * Build tools the suite runs (cargo, go): from PATH, else from where their installers put them
 * (rustup's ~/.cargo/bin and the Go tarball's /usr/local/go/bin are often not on a
 * non-login shell's PATH).
 */
export function findTool(name) {
    const fallbacks = name === 'cargo'
        ? [join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin')]
        : ['/usr/local/go/bin', '/usr/lib/go/bin'];
    for (const dir of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...fallbacks]) {
        const file = join(dir, name);
        try {
            accessSync(file, constants.X_OK);
            return file;
        }
        catch {
            // not here
        }
    }
    return undefined;
}
//# sourceMappingURL=toolchain.js.map