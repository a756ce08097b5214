/**
 * Registry credentials from a docker client config file (`docker login` writes it):
 * `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. Supported entries under `auths`:
 * `auth` (base64 of `user:password`), `username`/`password`, `identitytoken` (an OAuth2 refresh
 * token) and `registrytoken` (a bearer token used as is). Credential helpers (`credsStore`,
 * `credHelpers`) are not run.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { log } from '../log.js';
import { DOCKER_HUB } from '../oci/reference.js';
/** The config file docker itself would read. */
export function defaultDockerConfigPath(env = process.env) {
    const dir = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(homedir(), '.docker');
    return join(dir, 'config.json');
}
/** `https://host:port/v1/` → `host:port`; Docker Hub's many names → `docker.io`. */
export function normalizeAuthKey(key) {
    let host = key.trim().replace(/^[a-z]+:\/\//i, '');
    const slash = host.indexOf('/');
    if (slash !== -1)
        host = host.slice(0, slash);
    host = host.toLowerCase();
    if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com')
        return DOCKER_HUB;
    return host;
}
/** Picks the credentials for `registry` (`host[:port]`) out of a decoded config. Pure. */
export function credentialsFromDockerConfig(config, registry, source = 'docker config') {
    if (typeof config !== 'object' || config === null)
        throw new ConfigError(`${source}: not a JSON object`);
    const auths = config.auths;
    if (auths === undefined || auths === null)
        return undefined;
    if (typeof auths !== 'object')
        throw new ConfigError(`${source}: "auths" is not an object`);
    const want = normalizeAuthKey(registry);
    const key = Object.keys(auths).find((k) => normalizeAuthKey(k) === want);
    if (key === undefined)
        return undefined;
    const entry = auths[key];
    if (typeof entry !== 'object' || entry === null)
        throw new ConfigError(`${source}: auths["${key}"] is not an object`);
    const e = entry;
    const str = (name) => {
        const v = e[name];
        if (v === undefined || v === null || v === '')
            return undefined;
        if (typeof v !== 'string')
            throw new ConfigError(`${source}: auths["${key}"].${name} is not a string`);
        return v;
    };
    const creds = {};
    const auth = str('auth');
    if (auth !== undefined) {
        const decoded = Buffer.from(auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon === -1)
            throw new ConfigError(`${source}: auths["${key}"].auth is not base64 of user:password`);
        creds.username = decoded.slice(0, colon);
        creds.password = decoded.slice(colon + 1);
    }
    const username = str('username');
    const password = str('password');
    if (username !== undefined)
        creds.username = username;
    if (password !== undefined)
        creds.password = password;
    const identityToken = str('identitytoken');
    if (identityToken !== undefined)
        creds.identityToken = identityToken;
    const registryToken = str('registrytoken');
    if (registryToken !== undefined)
        creds.registryToken = registryToken;
    return Object.keys(creds).length > 0 ? creds : undefined;
}
/** Reads the config file and picks the credentials for `registry`; a missing file means none. */
export async function loadDockerCredentials(registry, configPath = defaultDockerConfigPath()) {
    let text;
    try {
        text = await readFile(configPath, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return undefined;
        throw new ConfigError(`cannot read docker config ${configPath}: ${err.message}`, { cause: err });
    }
    let config;
    try {
        config = JSON.parse(text);
    }
    catch (err) {
        throw new ConfigError(`docker config ${configPath} is not valid JSON: ${err.message}`);
    }
    const creds = credentialsFromDockerConfig(config, registry, `docker config ${configPath}`);
    if (creds === undefined) {
        const c = config;
        if (c.credsStore !== undefined || c.credHelpers?.[registry] !== undefined) {
            log.debug({ registry, configPath }, 'docker credential helpers are not supported; no credentials used');
        }
    }
    return creds;
}
//# sourceMappingURL=docker-config.js.map