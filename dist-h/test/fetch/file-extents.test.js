import test from 'ava';
import { FileExtents } from '../../src/fetch/file-extents.js';
import { writeBootstrap } from '../../src/format/index.js';
import { Bootstrap } from '../../src/format/reader.js';
import { richModel } from '../format/helpers/rich-model.js';
const chunk = (blobIndex, compressedOffset, compressedSize) => ({ blobIndex, compressedOffset, compressedSize });
test('each chunk maps to its file: extent and stored bytes per blob; unknown chunks map to nothing', (t) => {
    const a = [chunk(0, 0, 100), chunk(0, 100, 50)];
    const b = [chunk(0, 150, 10)];
    // A file with chunks in two blobs has an extent in each.
    const c = [chunk(0, 160, 40), chunk(1, 0, 70)];
    const map = FileExtents.of([a, b, c]);
    t.deepEqual(map.of(a[1]), { blobIndex: 0, start: 0, end: 150, bytes: 150 });
    t.is(map.of(a[0]), map.of(a[1]), 'chunks of one file share one extent object');
    t.deepEqual(map.of(b[0]), { blobIndex: 0, start: 150, end: 160, bytes: 10 });
    t.deepEqual(map.of(c[0]), { blobIndex: 0, start: 160, end: 200, bytes: 40 });
    t.deepEqual(map.of(c[1]), { blobIndex: 1, start: 0, end: 70, bytes: 70 });
    t.is(map.of(chunk(0, 999, 1)), undefined);
    t.is(map.of(chunk(2, 0, 70)), undefined);
});
test('a chunk shared by files belongs to the first; a file repeating a chunk counts it once', (t) => {
    const shared = chunk(0, 0, 100);
    const first = [shared, chunk(0, 100, 100)];
    const second = [chunk(0, 200, 30), shared, chunk(0, 230, 30)];
    const map = FileExtents.of([first, second]);
    t.deepEqual(map.of(shared), { blobIndex: 0, start: 0, end: 200, bytes: 200 });
    t.deepEqual(map.of(second[0]), { blobIndex: 0, start: 200, end: 260, bytes: 60 });
    const repeated = FileExtents.of([[chunk(0, 0, 10), chunk(0, 0, 10), chunk(0, 10, 10)]]);
    t.deepEqual(repeated.of(chunk(0, 0, 10)), { blobIndex: 0, start: 0, end: 20, bytes: 20 });
});
test('built in steps of one file, the map of an image is the one built at once, and the last step says it is done', (t) => {
    // Shared chunks, holes, hard links and three blobs: who owns a chunk depends on walk order.
    const bootstrap = Bootstrap.parse(writeBootstrap(richModel()));
    const whole = FileExtents.ofImage(bootstrap);
    const build = FileExtents.building(bootstrap);
    let steps = 0;
    while (!build.step(1))
        steps++;
    const stepped = build.finish();
    t.true(steps > 3, `${steps} steps`);
    let mapped = 0;
    for (let i = 0; i < bootstrap.chunkCount; i++) {
        const c = bootstrap.chunk(i);
        t.deepEqual(stepped.of(c), whole.of(c), `chunk ${i}`);
        if (whole.of(c) !== undefined)
            mapped++;
    }
    t.true(mapped > 3, `${mapped} chunks belong to files`);
});
//# sourceMappingURL=file-extents.test.js.map