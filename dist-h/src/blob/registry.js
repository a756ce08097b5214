export { RegistryClient } from './registry-pusher.js';
//# sourceMappingURL=registry.js.map