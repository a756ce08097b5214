import test from 'ava';
import { BlobDevices, type BlobDataReader } from '../../src/fs/blob-devices.js';
import { erofsMountData } from '../../src/fs/erofs-mount.js';
import { Errno } from '../../src/fs/errno.js';

/** A reader over in-memory spaces; records every call. */
function memoryReader(spaces: Buffer[]): BlobDataReader & { calls: Array<[number, number, number]> } {
  const calls: Array<[number, number, number]> = [];
  return {
    calls,
    async readBlob(index, offset, length) {
      calls.push([index, offset, length]);
      return spaces[index]!.subarray(offset, offset + length);
    },
  };
}

const errno = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as { errno?: number }).errno;
  }
  return undefined;
};

test('one read-only file per blob, named by its index, sized as its address space', (t) => {
  const spaces = [Buffer.alloc(8192, 1), Buffer.alloc(5 * 4096, 2)];
  const devices = new BlobDevices([{ id: 'a'.repeat(64), size: 8192 }, { id: 'b'.repeat(64), size: 5 * 4096 }], memoryReader(spaces));
  t.deepEqual(devices.readdir('/'), ['.', '..', '0', '1']);
  t.is(devices.getattr('/').mode, 0o040500);
  const one = devices.getattr('/1');
  t.is(one.mode, 0o100400, 'regular, owner-read only');
  t.is(one.size, 5 * 4096);
  t.is(one.uid, 0);
  for (const bad of ['/2', '/01', '/-1', '/x', '/0/x', '/1e3', '/00']) t.is(errno(() => devices.getattr(bad)), Errno.ENOENT, bad);
  t.is(errno(() => devices.readdir('/0')), Errno.ENOTDIR);
});

test('reads: clipped at the end of the device, nothing past it, bytes from the reader', async (t) => {
  const spaces = [Buffer.from(Array.from({ length: 8192 }, (_, i) => i & 0xff))];
  const reader = memoryReader(spaces);
  const devices = new BlobDevices([{ id: 'a'.repeat(64), size: 8192 }], reader);
  t.true((await devices.read('/0', 100, 10)).equals(spaces[0]!.subarray(10, 110)));
  t.true((await devices.read('/0', 131072, 8000)).equals(spaces[0]!.subarray(8000)), 'short at the end');
  t.is((await devices.read('/0', 100, 8192)).length, 0, 'at the end: nothing');
  t.deepEqual(reader.calls, [
    [0, 10, 100],
    [0, 8000, 192],
  ], 'the reader is never asked past the end');
  const missing = await t.throwsAsync(devices.read('/1', 10, 0));
  t.is((missing as { errno?: number } | undefined)?.errno, Errno.ENOENT);
});

test('a read the reader does not answer in time fails, is remembered briefly, and close fails the rest', async (t) => {
  let calls = 0;
  const never: BlobDataReader = {
    readBlob: () => {
      calls++;
      return new Promise<Buffer>(() => {});
    },
  };
  const failures: unknown[] = [];
  const devices = new BlobDevices([{ id: 'a'.repeat(64), size: 1 << 20 }], never, {
    readTimeoutMs: 50,
    failedReadMemoryMs: 5000,
    observer: { readFailed: (err) => failures.push(err) },
  });
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  await t.throwsAsync(devices.read('/0', 4096, 0), { code: 'TIMEOUT' });
  await t.throwsAsync(devices.read('/0', 4096, 4000), { code: 'TIMEOUT' }, 'inside the failed range: the same error at once');
  t.is(calls, 1, 'the remembered failure did not ask the reader again');
  devices.close();
  await t.throwsAsync(devices.read('/0', 4096, 500_000));
  t.is(failures.length, 3);
});

test('erofsMountData: one device= per blob in order, then directio (unless asked without); paths a mount option cannot carry, or too many for a page, are refused', (t) => {
  t.is(erofsMountData(['/s/devices/m-1/0', '/s/devices/m-1/1']), 'device=/s/devices/m-1/0,device=/s/devices/m-1/1,directio');
  t.is(erofsMountData(['/s/devices/m-1/0'], false), 'device=/s/devices/m-1/0');
  t.is(erofsMountData([]), 'directio');
  t.throws(() => erofsMountData(['/a,b/0']), { code: 'MOUNT_FAILED', message: /comma or NUL/ });
  const long = `/${'d'.repeat(2100)}`;
  t.notThrows(() => erofsMountData([`${long}/0`]));
  t.throws(() => erofsMountData([`${long}/0`, `${long}/1`]), { code: 'MOUNT_FAILED', message: /2 blob devices do not fit in one mount option page/ });
});
