import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/local/memoryStore';
import { storeConformance } from './conformance';
import { eventChannel } from './conformanceEvents';

storeConformance('memoryStore', () => memoryStore());

describe('memoryStore({ shared: true })', () => {
  // Runtimes of one process share the store itself.
  eventChannel(() => {
    const store = memoryStore({ shared: true });
    return Promise.resolve([store, store]);
  });
});

describe('memoryStore()', () => {
  it('has no event channel: its one runtime hears its own runs', () => {
    expect(memoryStore().events).toBeUndefined();
  });
});
