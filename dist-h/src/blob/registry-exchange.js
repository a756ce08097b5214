import { Agent } from 'undici';
import { InvalidReferenceError, RegistryError } from '../errors.js';
import { log } from '../log.js';
import { isDigest } from '../oci/digest.js';
import { registryBaseUrl } from '../oci/reference.js';
import { defaultDockerConfigPath, loadDockerCredentials } from './docker-config.js';
import { describeRequest, discard, headerValue, retryableRegistryError, sendHttp, statusError } from './http.js';
import { RegistryAuthenticator } from './registry-auth.js';
import { DEFAULT_RETRY_POLICY, withRetry } from './retry.js';
export const MAX_REDIRECTS = 5;
export function pullScope(repo) {
    return `repository:${repo}:pull`;
}
export function pushScope(repo) {
    return `repository:${repo}:pull,push`;
}
export function checkRepo(repo) {
    if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repo)) {
        throw new InvalidReferenceError(`bad repository name ${JSON.stringify(repo)}`);
    }
}
export function checkDigest(digest) {
    if (!isDigest(digest))
        throw new InvalidReferenceError(`bad digest ${JSON.stringify(digest)} (want sha256:<64 lowercase hex>)`);
}
export class RegistryExchange {
    /** `host[:port]` as in references. */
    registry;
    /** `http(s)://host[:port]` */
    baseUrl;
    origin;
    dispatcher;
    ownsDispatcher;
    /**
     * One connection (pipelined like the others) for bulk range reads, and for any range read
     * while it has none in flight; only when the client owns its dispatcher. Several connections
     * streaming at once through one narrow link compete and lose packets, each backing off on its
     * own; one connection keeps the link as busy as a single whole-blob GET (docs/daemon.md).
     */
    bulkDispatcher;
    bulkRangesInFlight = 0;
    auth;
    retryPolicy;
    headersTimeoutMs;
    bodyTimeoutMs;
    userAgent;
    constructor(registry, options = {}) {
        this.registry = registry;
        this.baseUrl = registryBaseUrl(registry, { plainHttp: options.plainHttp === true });
        this.origin = new URL(this.baseUrl).origin;
        const t = options.timeouts ?? {};
        this.headersTimeoutMs = t.headersMs ?? 30_000;
        this.bodyTimeoutMs = t.bodyMs ?? 60_000;
        this.ownsDispatcher = options.dispatcher === undefined;
        const agentOptions = { connect: { timeout: t.connectMs ?? 10_000 }, keepAliveTimeout: 30_000, pipelining: options.pipelining ?? 1 };
        this.dispatcher = options.dispatcher ?? new Agent(agentOptions);
        this.bulkDispatcher = this.ownsDispatcher ? new Agent({ ...agentOptions, connections: 1 }) : undefined;
        this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
        this.userAgent = options.userAgent ?? 'darner/0.1';
        const explicit = options.username !== undefined ? { username: options.username, password: options.password ?? '' } : undefined;
        const configPath = options.dockerConfigPath === undefined ? defaultDockerConfigPath() : options.dockerConfigPath;
        const loadCredentials = async () => explicit ?? (configPath === null ? undefined : loadDockerCredentials(registry, configPath));
        this.auth = new RegistryAuthenticator(registry, loadCredentials, {
            dispatcher: this.dispatcher,
            retry: this.retryPolicy,
            headersTimeoutMs: this.headersTimeoutMs,
            bodyTimeoutMs: this.bodyTimeoutMs,
            userAgent: this.userAgent,
        });
    }
    /** Releases connections (only when the client created its own dispatcher). */
    async close() {
        if (this.ownsDispatcher)
            await Promise.all([this.dispatcher.close(), this.bulkDispatcher?.close()]);
    }
    // -------------------------------------------------------------------------------------------
    // The exchange: auth, redirects. No retry here.
    url(path) {
        return new URL(path, this.baseUrl);
    }
    async exchange(call) {
        let url = call.url;
        let method = call.method;
        let body = call.body;
        let authRetried = false;
        for (let redirects = 0;;) {
            const headers = { 'user-agent': this.userAgent, ...call.headers };
            const sameOrigin = url.origin === this.origin;
            if (sameOrigin) {
                const authorization = await this.auth.authorization(call.scopes, call.signal);
                if (authorization !== undefined)
                    headers.authorization = authorization;
            }
            const req = {
                method,
                url,
                headers,
                body: (await body?.()) ?? null,
                signal: call.signal,
                headersTimeoutMs: this.headersTimeoutMs,
                bodyTimeoutMs: this.bodyTimeoutMs,
            };
            const res = await sendHttp(call.dispatcher ?? this.dispatcher, req);
            log.debug({ method, url: describeRequest(method, url), status: res.status }, 'registry request');
            if (res.status === 401 && sameOrigin && !authRetried) {
                authRetried = true;
                let again;
                try {
                    again = await this.auth.onUnauthorized(res.headers['www-authenticate'], call.scopes, headers.authorization, call.signal);
                }
                catch (err) {
                    await discard(res);
                    throw err;
                }
                if (again) {
                    await discard(res);
                    continue;
                }
                return res;
            }
            if ([301, 302, 303, 307, 308].includes(res.status)) {
                const location = headerValue(res.headers, 'location');
                if (location === undefined)
                    return res;
                await discard(res);
                if (++redirects > MAX_REDIRECTS) {
                    throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(call.method, call.url)}: more than ${MAX_REDIRECTS} redirects`);
                }
                let next;
                try {
                    next = new URL(location, url);
                }
                catch {
                    throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(method, url)}: bad redirect location`);
                }
                if (next.protocol !== 'http:' && next.protocol !== 'https:') {
                    throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(method, url)}: redirect to a ${next.protocol} URL`);
                }
                // 303, and 301/302 after a POST, turn into a GET without body (as browsers and docker do).
                if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
                    method = 'GET';
                    body = undefined;
                }
                url = next;
                continue;
            }
            return res;
        }
    }
    /** The typed error for an unexpected answer, with an auth hint for 401/403. */
    async fail(call, res) {
        const hint = res.status === 401 || res.status === 403 ? await this.auth.failureHint() : undefined;
        return statusError({ method: call.method, url: res.url, signal: call.signal }, res, hint);
    }
    retry(what, signal, op) {
        return withRetry(op, {
            policy: this.retryPolicy,
            retryable: retryableRegistryError,
            signal,
            onRetry: (err, attempt, delayMs) => log.warn({ registry: this.registry, what, attempt, delayMs, err: err.message }, 'registry request failed; retrying'),
        });
    }
}
//# sourceMappingURL=registry-exchange.js.map