import { RegistryError } from '../errors.js';
import { log } from '../log.js';
import { describeRequest, headerValue, readBounded, retryableRegistryError, sendHttp, statusError } from './http.js';
import { withRetry } from './retry.js';
import { parseWwwAuthenticate } from './www-authenticate.js';
/** Tokens are refreshed this long before they expire. */
const EXPIRY_MARGIN_MS = 10_000;
/** The token spec: a token without expires_in lives 60 s, and no less than that is assumed. */
const MIN_TOKEN_LIFETIME_S = 60;
const MAX_TOKEN_RESPONSE = 1024 * 1024;
export class RegistryAuthenticator {
    registry;
    loadCredentials;
    ctx;
    scheme = 'unknown';
    realm;
    service;
    tokens = new Map();
    inflight = new Map();
    credentials;
    constructor(registry, loadCredentials, ctx) {
        this.registry = registry;
        this.loadCredentials = loadCredentials;
        this.ctx = ctx;
    }
    creds() {
        this.credentials ??= this.loadCredentials();
        return this.credentials;
    }
    /** A hint for an authorization failure: what credentials were (or were not) used. */
    async failureHint() {
        const c = await this.creds().catch(() => undefined);
        if (c === undefined)
            return `no credentials for ${this.registry} (give --username/--password or run docker login)`;
        return `the credentials for ${this.registry} were refused or lack access`;
    }
    /** The Authorization header for a request needing `scopes`, once the scheme is known. */
    async authorization(scopes, signal) {
        if (this.scheme === 'basic')
            return this.basicHeader();
        if (this.scheme === 'bearer')
            return `Bearer ${await this.token(scopes, [], signal)}`;
        return undefined;
    }
    /**
     * Learns from a 401 answer. Returns true when trying again with new credentials makes sense;
     * `sent` is the Authorization header the refused request carried.
     */
    async onUnauthorized(wwwAuthenticate, scopes, sent, signal) {
        const challenges = parseWwwAuthenticate(wwwAuthenticate);
        const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm !== undefined);
        if (bearer !== undefined)
            return this.onBearer(bearer, scopes, sent, signal);
        if (challenges.some((c) => c.scheme === 'basic')) {
            this.scheme = 'basic';
            const header = await this.basicHeader();
            return header !== undefined && header !== sent;
        }
        return false;
    }
    async onBearer(challenge, scopes, sent, signal) {
        let realm;
        try {
            realm = new URL(challenge.params.realm);
        }
        catch {
            throw new RegistryError('REGISTRY_ERROR', 401, `registry ${this.registry}: bad token realm ${JSON.stringify(challenge.params.realm)}`);
        }
        if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
            throw new RegistryError('REGISTRY_ERROR', 401, `registry ${this.registry}: token realm ${realm.href} is not http(s)`);
        }
        this.scheme = 'bearer';
        this.realm = realm;
        this.service = challenge.params.service;
        const extra = (challenge.params.scope ?? '').split(' ').filter((s) => s !== '');
        const key = scopeKey(scopes);
        const cached = this.tokens.get(key);
        // A token we just sent was refused: get a new one (the challenge may ask for more scopes).
        if (cached !== undefined && sent === `Bearer ${cached.value}`)
            this.tokens.delete(key);
        const token = await this.token(scopes, extra, signal);
        return `Bearer ${token}` !== sent;
    }
    async basicHeader() {
        const c = await this.creds();
        if (c?.username === undefined || c.password === undefined)
            return undefined;
        return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    }
    async token(scopes, extra, signal) {
        const key = scopeKey(scopes);
        const cached = this.tokens.get(key);
        if (cached !== undefined && cached.expiresAt > Date.now())
            return cached.value;
        const want = [...new Set([...scopes, ...extra])].sort();
        const flightKey = want.join(' ');
        let pending = this.inflight.get(flightKey);
        if (pending === undefined) {
            pending = this.fetchToken(want, signal).then(({ value, lifetimeS }) => {
                this.tokens.set(key, { value, expiresAt: Date.now() + lifetimeS * 1000 - EXPIRY_MARGIN_MS });
                return value;
            });
            pending.finally(() => this.inflight.delete(flightKey)).catch(() => { });
            this.inflight.set(flightKey, pending);
        }
        return pending;
    }
    async fetchToken(scopes, signal) {
        const creds = await this.creds();
        if (creds?.registryToken !== undefined)
            return { value: creds.registryToken, lifetimeS: 3600 };
        const realm = new URL(this.realm);
        const headers = { 'user-agent': this.ctx.userAgent, accept: 'application/json' };
        let method = 'GET';
        let body;
        if (creds?.identityToken !== undefined) {
            method = 'POST';
            const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'darner' });
            if (this.service !== undefined)
                form.set('service', this.service);
            if (scopes.length > 0)
                form.set('scope', scopes.join(' '));
            body = Buffer.from(form.toString());
            headers['content-type'] = 'application/x-www-form-urlencoded';
        }
        else {
            if (this.service !== undefined)
                realm.searchParams.set('service', this.service);
            for (const scope of scopes)
                realm.searchParams.append('scope', scope);
            if (creds?.username !== undefined && creds.password !== undefined) {
                realm.searchParams.set('account', creds.username);
                headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
            }
        }
        const req = { method, url: realm, headers, body, signal, headersTimeoutMs: this.ctx.headersTimeoutMs, bodyTimeoutMs: this.ctx.bodyTimeoutMs };
        return withRetry(async () => {
            const res = await sendHttp(this.ctx.dispatcher, req);
            if (res.status !== 200) {
                const hint = res.status === 401 || res.status === 403 ? await this.failureHint() : undefined;
                throw await statusError(req, res, hint === undefined ? 'token request refused' : `token request refused: ${hint}`);
            }
            const text = (await readBounded(req, res, MAX_TOKEN_RESPONSE, 'token response')).toString('utf8');
            let parsed;
            try {
                parsed = JSON.parse(text);
            }
            catch {
                throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(method, realm)}: token response is not JSON`);
            }
            const value = typeof parsed.token === 'string' && parsed.token !== '' ? parsed.token : parsed.access_token;
            if (typeof value !== 'string' || value === '') {
                throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(method, realm)}: token response has no token`);
            }
            const expiresIn = typeof parsed.expires_in === 'number' && Number.isFinite(parsed.expires_in) ? parsed.expires_in : 0;
            log.debug({ registry: this.registry, scopes, contentType: headerValue(res.headers, 'content-type') }, 'registry token fetched');
            return { value, lifetimeS: Math.max(expiresIn, MIN_TOKEN_LIFETIME_S) };
        }, { policy: this.ctx.retry, retryable: retryableRegistryError, signal });
    }
}
function scopeKey(scopes) {
    return [...scopes].sort().join(' ');
}
//# sourceMappingURL=registry-auth.js.map