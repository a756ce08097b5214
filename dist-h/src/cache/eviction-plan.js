export function planEviction(usage, maxBytes, inUse) {
    const totalBytes = usage.reduce((n, u) => n + u.allocatedBytes, 0);
    const evict = [];
    let left = totalBytes;
    if (left > maxBytes) {
        const candidates = usage
            .filter((u) => u.references === 0 && !inUse.has(u.id))
            .sort((a, b) => a.lastUse.getTime() - b.lastUse.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        for (const u of candidates) {
            if (left <= maxBytes)
                break;
            evict.push(u.id);
            left -= u.allocatedBytes;
        }
    }
    return { evict, evictBytes: totalBytes - left, totalBytes, overBytes: Math.max(0, left - maxBytes) };
}
//# sourceMappingURL=eviction-plan.js.map