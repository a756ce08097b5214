import { examples, subcommand } from '../util/cli-options.js';
const EXAMPLES = {
    convert: [
        'darner convert docker://registry.example.com/app:1 registry.example.com/app:1-darner',
        'darner convert --platform linux/amd64 --prefetch-patterns prefetch.txt oci:./app:1 oci:./app:1-darner',
    ],
    check: ['darner check registry.example.com/app:1 registry.example.com/app:1-darner'],
    expand: ['darner expand registry.example.com/app:1-darner ./expanded'],
    inspect: ['darner inspect registry.example.com/app:1-darner', 'darner inspect --tree --json ./image.boot'],
    scheduler: ['darner scheduler --listen 0.0.0.0:8002 --peer-token-file /etc/darner/peer-token', 'darner scheduler --redis redis://10.0.0.7:6379 --metrics 127.0.0.1:9103'],
    preheat: ['darner preheat --wait --scheduler 10.0.0.5:8002 --peer-token-file /etc/darner/peer-token registry.example.com/app:1-darner', 'darner preheat --wait --digest sha256:<hex> https://files.example.com/model.bin'],
    demo: ['darner demo', 'darner demo --keep'],
    get: ['darner get https://files.example.com/model.bin --digest sha256:<64 hex> -o model.bin', 'darner get registry.example.com/models/llm@sha256:<64 hex> -o weights.tar'],
};
export function addExamples(program) {
    for (const [verb, lines] of Object.entries(EXAMPLES))
        examples(subcommand(program, verb), ...lines);
}
//# sourceMappingURL=examples.js.map