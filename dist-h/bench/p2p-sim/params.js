/** What one simulated run is made of, and the defaults of the scale scenarios. */
export const MiB = 1 << 20;
export const GiB = 1 << 30;
/** The scale scenario: 1 Gbit/s everywhere, a 1 GiB image read whole, starts within 1 s. */
export const SCALE_DEFAULTS = {
    imageBytes: GiB,
    pieceBytes: 4 * MiB,
    window: 2,
    nodeUpMbit: 1000,
    nodeDownMbit: 1000,
    originMbit: 1000,
    originRttMs: 20,
    peerRttMs: 1,
    schedulerRttMs: 1,
    commitMs: 10,
    announceDelayMs: 100,
    arrivalSpreadMs: 1000,
    maxUploads: 16,
    maxWaitMs: 15_000,
    maxParentTries: 4,
    deadPeerMs: 2_000,
    keepaliveMs: 5_000,
    failedNodes: 0,
    failAtMs: 0,
    badNodes: 0,
    maxHoldersPerChunk: 64,
    seed: 1,
};
export function scaleParams(nodes, over = {}) {
    return { ...SCALE_DEFAULTS, nodes, ...over };
}
//# sourceMappingURL=params.js.map