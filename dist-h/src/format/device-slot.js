/**
 * An EROFS device slot: 128 bytes per extra device, the table starting at byte
 * devt_slotoff × 128. darner writes one per data blob, in blob-table order (device id = blob
 * index + 1), so that `mount -o device=…` and a flat `cat bootstrap blob1 blob2…` both work.
 */
import { DEVICE_SLOT_SIZE, DEVICE_TAG_SIZE } from './constants.js';
import { isU32, requireBytes, viewOf } from './bytes.js';
export function decodeDeviceSlot(bytes, offset) {
    requireBytes(bytes, offset, DEVICE_SLOT_SIZE, 'device slot');
    const v = viewOf(bytes);
    const tagBytes = bytes.subarray(offset, offset + DEVICE_TAG_SIZE);
    const nul = tagBytes.indexOf(0);
    return {
        tag: Buffer.from(nul < 0 ? tagBytes : tagBytes.subarray(0, nul)).toString('latin1'),
        blocks: v.getUint32(offset + 0x40, true),
        uniaddr: v.getUint32(offset + 0x44, true),
    };
}
export function encodeDeviceSlot(slot, target, offset) {
    requireBytes(target, offset, DEVICE_SLOT_SIZE, 'device slot');
    target.fill(0, offset, offset + DEVICE_SLOT_SIZE);
    Buffer.from(target.buffer, target.byteOffset, target.byteLength).write(slot.tag, offset, DEVICE_TAG_SIZE, 'latin1');
    const v = viewOf(target);
    v.setUint32(offset + 0x40, slot.blocks, true);
    v.setUint32(offset + 0x44, slot.uniaddr, true);
}
/** The first rule a device slot breaks, or undefined. */
export function validateDeviceSlot(slot) {
    if (slot.tag.length > DEVICE_TAG_SIZE)
        return `tag is ${slot.tag.length} characters (at most ${DEVICE_TAG_SIZE})`;
    if (!/^[\x20-\x7e]*$/.test(slot.tag))
        return `tag is not printable ASCII`;
    if (!isU32(slot.blocks))
        return `blocks ${slot.blocks} does not fit in 32 bits`;
    if (!isU32(slot.uniaddr))
        return `uniaddr ${slot.uniaddr} does not fit in 32 bits`;
    return undefined;
}
//# sourceMappingURL=device-slot.js.map