/** The bulk read order of a node (src/p2p/read-order.ts): a rotation, fixed by the host id, spread over the image. */
import test from 'ava';
import { bulkReadOrder, bulkReadStart } from '../../src/p2p/read-order.js';

test('every range once, from the node\'s start to the end, then from 0', (t) => {
  for (const count of [1, 2, 7, 256]) {
    const order = bulkReadOrder('node-0042', count);
    t.deepEqual([...order].sort((a, b) => a - b), [...Array(count).keys()]);
    const start = bulkReadStart('node-0042', count);
    t.is(order[0], start);
    for (let i = 1; i < count; i++) t.is(order[i], (order[i - 1]! + 1) % count);
  }
  t.deepEqual(bulkReadOrder('x', 0), []);
  t.is(bulkReadStart('x', 0), 0);
});

test('the start is a function of the host id, and similar ids start far apart', (t) => {
  t.is(bulkReadStart('node-0001', 256), bulkReadStart('node-0001', 256));
  // 100 nodes named in sequence over 256 ranges: the starts cover the image rather than bunch up.
  const starts = new Set<number>();
  const quarters = [0, 0, 0, 0];
  for (let i = 0; i < 100; i++) {
    const s = bulkReadStart(`node-${String(i).padStart(4, '0')}`, 256);
    starts.add(s);
    quarters[Math.floor(s / 64)]! += 1;
  }
  t.true(starts.size >= 70, `${starts.size} distinct starts`);
  for (const q of quarters) t.true(q >= 15, `quarters ${quarters.join(',')}`);
});
