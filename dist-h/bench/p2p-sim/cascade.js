export function cascadeBehaviour(fanout, window) {
    return {
        protocol: window === undefined ? `cascade f${fanout}` : `cascade f${fanout} w${window}`,
        p2p: true,
        cascadeFanout: fanout,
        ...(window === undefined ? {} : { window }),
        servesOnArrival: true,
        announcesAtOnce: false,
        parents: (planned) => [...planned],
    };
}
//# sourceMappingURL=cascade.js.map