/** Splitting `USER:PASSWORD` and `KEY=VALUE` arguments at their first separator. */
/** `user:pass:word` → user `user`, password `pass:word`; undefined when the user part is empty or there is no colon. */
export function splitUserPassword(text) {
    const colon = text.indexOf(':');
    if (colon <= 0)
        return undefined;
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}
/** `k=v=w` → [`k`, `v=w`]; undefined when the key is empty or there is no `=`. */
export function splitKeyValue(text) {
    const eq = text.indexOf('=');
    if (eq <= 0)
        return undefined;
    return [text.slice(0, eq), text.slice(eq + 1)];
}
//# sourceMappingURL=pairs.js.map