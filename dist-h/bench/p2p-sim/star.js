export const starBehaviour = {
    protocol: 'star',
    p2p: true,
    cascadeFanout: 0,
    servesOnArrival: false,
    announcesAtOnce: false,
    parents: (planned) => [...planned],
};
//# sourceMappingURL=star.js.map