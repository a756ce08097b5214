/**
 * Where tests keep what is slow to make and the same from run to run (the Debian root
 * filesystem, the compiled conformance program): DARNER_TEST_CACHE, else /var/cache/darner-test.
 */
export const TEST_CACHE_DIR = process.env.DARNER_TEST_CACHE ?? '/var/cache/darner-test';
//# sourceMappingURL=test-cache.js.map