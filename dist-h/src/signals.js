/**
 * Resolves with the name of the first SIGTERM or SIGINT, then stops listening for both, so that
 * a second signal during the shutdown that follows ends the process as usual.
 */
export function firstSignal() {
    return new Promise((resolve) => {
        const onSignal = (signal) => {
            process.off('SIGTERM', onSignal);
            process.off('SIGINT', onSignal);
            resolve(signal);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
    });
}
//# sourceMappingURL=signals.js.map