/**
 * Fuzzing the reader: thousands of deterministic random mutations (bit flips, byte and word
 * writes, truncations, splices) of valid bootstraps, half of them with checksums recomputed so
 * that the mutation reaches the checks behind them. Each is parsed and fully exercised: it must
 * either work or throw MalformedBootstrapError, never anything else. A mutated bootstrap that the
 * reader accepts must also decode to a model the writer accepts and reproduces.
 * DARNER_FUZZ_CASES sets the number of cases per source image (default 2500).
 */
import test from 'ava';
import { MalformedBootstrapError } from '../../src/errors.js';
import { Bootstrap, writeBootstrap } from '../../src/format/index.js';
import { basicModel, multiblobModel } from '../../fixtures/make-bootstraps.js';
import { mulberry32 as prng } from '../harness/prng.js';
import { blockAlignedBlobs, canonical } from './helpers/canonical.js';
import { readV1Fixture } from './helpers/v1-fixture.js';
import { exercise, reseal } from './helpers/exercise.js';
import { richModel } from './helpers/rich-model.js';
import { nydusMergedBootstrap } from '../harness/nydus-fixture.js';
const CASES = Number(process.env.DARNER_FUZZ_CASES ?? 2500);
const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];
/** Applies 1–4 random mutations; returns the bytes and a description for failure messages. */
function mutate(source, rand) {
    let bytes = Buffer.from(source);
    const what = [];
    const int = (n) => Math.floor(rand() * n);
    // Half the positions fall in block 0 and the region, where the eager checks live.
    const pos = () => (rand() < 0.3 ? 1024 + int(Math.min(bytes.length, 4096) - 1024) : int(bytes.length));
    const count = 1 + int(4);
    for (let k = 0; k < count && bytes.length > 0; k++) {
        const kind = int(6);
        if (kind === 0) {
            const at = pos();
            const bit = int(8);
            bytes[at] = bytes[at] ^ (1 << bit);
            what.push(`flip ${at}:${bit}`);
        }
        else if (kind === 1) {
            const at = pos();
            const v = rand() < 0.5 ? int(256) : INTERESTING[int(INTERESTING.length)] & 0xff;
            bytes[at] = v;
            what.push(`byte ${at}=${v}`);
        }
        else if (kind === 2) {
            const at = pos() & ~3;
            const v = INTERESTING[int(INTERESTING.length)];
            if (at + 4 <= bytes.length)
                bytes.writeUInt32LE(v >>> 0, at);
            what.push(`u32 ${at}=${v}`);
        }
        else if (kind === 3) {
            const at = pos() & ~1;
            const v = rand() < 0.5 ? int(0x10000) : INTERESTING[int(INTERESTING.length)] & 0xffff;
            if (at + 2 <= bytes.length)
                bytes.writeUInt16LE(v, at);
            what.push(`u16 ${at}=${v}`);
        }
        else if (kind === 4) {
            const length = rand() < 0.5 ? int(bytes.length) : Math.floor(int(bytes.length) / 4096) * 4096;
            bytes = bytes.subarray(0, length);
            what.push(`truncate ${length}`);
        }
        else {
            const from = int(bytes.length);
            const to = int(bytes.length);
            const length = 1 + int(64);
            bytes.copy(bytes, to, from, Math.min(from + length, bytes.length));
            what.push(`splice ${from}->${to} (${length})`);
        }
    }
    if (rand() < 0.5) {
        reseal(bytes);
        what.push('reseal');
    }
    return { bytes, what };
}
const sources = [
    // darner's own layout (v1), read but no longer written.
    ['v1-basic', readV1Fixture('v1-basic.boot')],
    ['v1-multiblob', readV1Fixture('v1-multiblob.boot')],
    ['v2-basic', writeBootstrap(basicModel())],
    ['v2-multiblob', writeBootstrap(multiblobModel())],
    ['rich-4k', writeBootstrap(richModel(4096))],
    // A real Nydus RAFS v6 bootstrap: no checksums, so every mutation reaches the table checks.
    ['nydus-rafs-v6', nydusMergedBootstrap()],
];
for (const [name, source] of sources) {
    test(`fuzz: ${CASES} mutations of ${name} give a working image or MalformedBootstrapError`, (t) => {
        const rand = prng(0xda4e4 ^ source.length);
        let accepted = 0;
        let rejectedEagerly = 0;
        let rejectedLazily = 0;
        for (let i = 0; i < CASES; i++) {
            const { bytes, what } = mutate(source, rand);
            let parsed = false;
            try {
                Bootstrap.parse(bytes);
                parsed = true;
                const bs = exercise(bytes);
                accepted += 1;
                // Whatever the reader accepts, the writer can write, and the result reads the same.
                const meta = blockAlignedBlobs(bs.toMetadata());
                t.deepEqual(canonical(Bootstrap.parse(writeBootstrap(meta)).toMetadata()), canonical(meta), `case ${i}: ${what.join(', ')}`);
            }
            catch (err) {
                if (!(err instanceof MalformedBootstrapError)) {
                    t.fail(`case ${i} (${what.join(', ')}) threw ${err?.stack ?? String(err)}`);
                    return;
                }
                if (parsed)
                    rejectedLazily += 1;
                else
                    rejectedEagerly += 1;
            }
        }
        t.log(`${name}: ${accepted} accepted, ${rejectedEagerly} rejected by parse, ${rejectedLazily} rejected on access`);
        // The mutations must reach both the eager checks and the lazy ones.
        t.true(rejectedEagerly > 0);
        t.true(rejectedLazily > 0);
        t.true(accepted > 0);
    });
}
//# sourceMappingURL=fuzz.test.js.map