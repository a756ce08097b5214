/** Without P2P: every read goes to the origin (bench:p2p's "origin only" runs). */
export const originOnlyBehaviour = {
    protocol: 'origin-only',
    p2p: false,
    cascadeFanout: 0,
    servesOnArrival: false,
    announcesAtOnce: false,
    parents: () => [],
};
//# sourceMappingURL=behaviour.js.map