import test from 'ava';
import { crc32c } from '../../src/format/crc32c.js';
test('crc32c of "123456789": standard check value 0xE3069283 is the inverse of the EROFS register', (t) => {
    const data = Buffer.from('123456789');
    // The standard CRC32C applies a final inversion; EROFS does not, so it stores the register itself.
    t.is((~crc32c(data)) >>> 0, 0xe3069283);
    t.is(crc32c(data), 0x1cf96d7c);
});
test('crc32c of empty input is the seed; an explicit seed is honoured', (t) => {
    t.is(crc32c(new Uint8Array(0)), 0xffffffff);
    t.is(crc32c(new Uint8Array(0), 0x5045b54a), 0x5045b54a);
});
test('crc32c register carries across pieces (no final inversion)', (t) => {
    const data = Buffer.alloc(1000);
    for (let i = 0; i < data.length; i++)
        data[i] = (i * 31 + 7) & 0xff;
    const whole = crc32c(data);
    for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
        t.is(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), whole, `cut at ${cut}`);
    }
});
test('crc32c matches a bitwise reference on unaligned lengths', (t) => {
    const reference = (bytes) => {
        let crc = 0xffffffff;
        for (const b of bytes) {
            crc ^= b;
            for (let k = 0; k < 8; k++)
                crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
        }
        return crc >>> 0;
    };
    for (const n of [1, 3, 8, 15, 16, 17, 63, 257]) {
        const data = Buffer.alloc(n);
        for (let i = 0; i < n; i++)
            data[i] = (i * 131 + n) & 0xff;
        t.is(crc32c(data), reference(data), `length ${n}`);
    }
});
test('crc32c over the 4 zero checksum bytes gives the seed newer kernels start from', (t) => {
    // Linux computes the superblock CRC from byte 1032 seeded with 0x5045B54A: the register after the
    // magic and four zero bytes.
    const prefix = Buffer.from([0xe2, 0xe1, 0xf5, 0xe0, 0, 0, 0, 0]);
    t.is(crc32c(prefix), 0x5045b54a);
});
//# sourceMappingURL=crc32c.test.js.map