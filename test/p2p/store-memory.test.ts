import test from 'ava';
import { MemoryStore } from '../../src/p2p/scheduler/memory-store.js';
import { schedulerStoreSuite } from '../suites/scheduler-store.js';

schedulerStoreSuite(test, async () => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
});
