/**
 * CRC32C (Castagnoli) as EROFS uses it for the superblock checksum: reflected polynomial
 * 0x82F63B78, the register seeded with 0xFFFFFFFF and **no final inversion**. The usual CRC32C
 * (iSCSI, ext4 metadata_csum) is the bitwise NOT of this value: `(~crc32c(data)) >>> 0`.
 *
 * Because nothing is inverted at the end, the register can be carried across pieces:
 * `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`.
 */
const POLYNOMIAL = 0x82f63b78;
/** Slicing-by-8 tables: TABLES[k][b] is the CRC of byte b followed by k zero bytes. */
const TABLES = buildTables();
function buildTables() {
    const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
    const t0 = tables[0];
    for (let b = 0; b < 256; b++) {
        let c = b;
        for (let k = 0; k < 8; k++)
            c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
        t0[b] = c >>> 0;
    }
    for (let k = 1; k < 8; k++) {
        const prev = tables[k - 1];
        const cur = tables[k];
        for (let b = 0; b < 256; b++)
            cur[b] = (prev[b] >>> 8) ^ t0[prev[b] & 0xff];
    }
    return tables;
}
/** The EROFS seed: an all-ones register. */
export const CRC32C_SEED = 0xffffffff;
/** Returns the CRC32C register after feeding `data` into a register holding `seed`. */
export function crc32c(data, seed = CRC32C_SEED) {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
    let crc = seed >>> 0;
    let i = 0;
    const n = data.length;
    const end8 = n - (n % 8);
    while (i < end8) {
        const lo = (crc ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24))) >>> 0;
        crc =
            t7[lo & 0xff] ^
                t6[(lo >>> 8) & 0xff] ^
                t5[(lo >>> 16) & 0xff] ^
                t4[lo >>> 24] ^
                t3[data[i + 4]] ^
                t2[data[i + 5]] ^
                t1[data[i + 6]] ^
                t0[data[i + 7]];
        i += 8;
    }
    while (i < n)
        crc = (crc >>> 8) ^ t0[(crc ^ data[i++]) & 0xff];
    return crc >>> 0;
}
//# sourceMappingURL=crc32c.js.map