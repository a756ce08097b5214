/**
 * Credentials for `darner get`: what to send when the server answers 401. For an OCI blob the
 * registry's challenge is followed as every registry verb does (Basic, or a Bearer token from the
 * realm for `repository:<repo>:pull`), with `--creds` or else the docker config entry of the
 * registry; for an HTTP(S) URL, `--creds` only (Basic, or a Bearer realm the server names).
 * Nothing is sent before the server asks.
 */
import { Agent } from 'undici';
import { loadDockerCredentials } from '../blob/docker-config.js';
import { RegistryAuthenticator } from '../blob/registry-auth.js';
import { pullScope } from '../blob/registry-exchange.js';
import { DEFAULT_RETRY_POLICY } from '../blob/retry.js';
/** The authorizer of `source`; undefined when there is nothing to authenticate with. */
export function getAuth(source, creds, dockerConfigPath) {
    const registry = source.oci?.registry ?? source.url.host;
    if (source.oci === undefined && creds === undefined)
        return undefined;
    const dispatcher = new Agent({ connect: { timeout: 10_000 } });
    let found = false;
    const load = async () => {
        const c = creds ?? (source.oci !== undefined ? await loadDockerCredentials(registry, dockerConfigPath) : undefined);
        found = c !== undefined;
        return c;
    };
    const auth = new RegistryAuthenticator(registry, load, { dispatcher, retry: DEFAULT_RETRY_POLICY, headersTimeoutMs: 30_000, bodyTimeoutMs: 60_000, userAgent: 'darner/0.1' });
    const scopes = source.oci !== undefined ? [pullScope(source.oci.repo)] : [];
    return {
        authorize: async (challenge, refused) => ((await auth.onUnauthorized(challenge, scopes, refused)) ? auth.authorization(scopes) : undefined),
        // An anonymous token is an Authorization too, but no credentials.
        refused: (offered) => refusal(source, creds, offered && found),
        close: () => dispatcher.destroy().catch(() => undefined),
    };
}
/** The one line for a refusal: what was (or was not) offered. */
export function refusal(source, creds, offered) {
    const where = source.oci?.registry ?? source.url.host;
    if (!offered)
        return `${where} asks for credentials and none were given (--creds USER:PASSWORD${source.oci !== undefined ? ', or docker login' : ''})`;
    return `${where} refused the credentials${creds !== undefined ? ' given with --creds' : ' of the docker config'}`;
}
//# sourceMappingURL=auth.js.map