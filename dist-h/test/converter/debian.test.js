import test from 'ava';
import { readFileSync } from 'node:fs';
import { checkImage } from '../../converter/check.js';
import { convertImage } from '../../converter/convert.js';
import { debianMinbaseTar } from '../harness/debian.js';
import { buildOciImage, pushOciImage } from '../harness/oci-image.js';
import { startRegistry } from '../harness/registry.js';
test('a Debian minbase root filesystem converts and checks identical', async (t) => {
    const rootfs = await debianMinbaseTar();
    if (!rootfs.ok) {
        t.fail(`no Debian minbase root filesystem: ${rootfs.reason}`);
        return;
    }
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const source = `${registry.host}/debian:minbase`;
    const target = `${registry.host}/debian:darner`;
    const image = await buildOciImage({ name: source, layers: [readFileSync(rootfs.tar)], config: { Cmd: ['/bin/bash'] } });
    await pushOciImage(image, source);
    const summary = await convertImage(source, target);
    t.log(`${summary.inputTarBytes} tar bytes → ${summary.outputBytes} bytes in ${summary.durationMs} ms`);
    t.true(summary.outputBytes < summary.inputTarBytes);
    const report = await checkImage(source, target);
    t.deepEqual(report.differences, []);
    t.true(report.targetEntries > 5000, `${report.targetEntries} entries`);
});
//# sourceMappingURL=debian.test.js.map