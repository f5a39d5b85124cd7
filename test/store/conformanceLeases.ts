import { describe, expect, it } from 'vitest';
import type { AssistantsStore } from '../../src/local/storePort';
import { answer, type MakeStore, put } from './support';
import { run } from './records';

const lease = (runId: string, owner: string, until: number) =>
  ({ op: 'lease', lease: { runId, owner, until } }) as const;

/** The ids of the leases `owner` gets. */
const claim = async (store: AssistantsStore, owner: string, now: number, limit = 100) =>
  (await answer(store.claimRuns(owner, now, 1_000, limit))).map((l) => l.runId);

export function leases(makeStore: MakeStore) {
  describe('run leases', () => {
    it('claims runs that have not ended and are not leased, in creation order, up to the limit', async () => {
      const store = await makeStore();
      await answer(
        store.write([
          put('run', run('r1', 't1', 'queued')),
          put('run', run('r2', 't2', 'completed')),
          put('run', run('r3', 't3', 'requires_action')),
          put('run', run('r4', 't4', 'in_progress')),
          put('run', run('r5', 't5', 'cancelling')),
          put('run', run('r6', 't6', 'failed')),
        ]),
      );
      const first = await answer(store.claimRuns('a', 10_000, 500, 2));
      expect(first).toEqual([
        { runId: 'r1', owner: 'a', until: 10_500 },
        { runId: 'r3', owner: 'a', until: 10_500 },
      ]);
      expect(await claim(store, 'b', 10_000)).toEqual(['r4', 'r5']);
      expect(await claim(store, 'c', 10_000)).toEqual([]);
    });

    it('skips a lease held until later, takes one that has expired', async () => {
      const store = await makeStore();
      await answer(
        store.write([
          put('run', run('r1', 't1')),
          lease('r1', 'a', 5_000),
          put('run', run('r2', 't2')),
          lease('r2', 'a', 8_000),
        ]),
      );
      expect(await claim(store, 'b', 4_999)).toEqual([]);
      // A lease is held until `until`: at that time it has expired.
      expect(await claim(store, 'b', 5_000)).toEqual(['r1']);
      expect(await claim(store, 'c', 5_500)).toEqual([]);
      // b's lease on r1 ran to 6_000, a's on r2 to 8_000.
      expect(await claim(store, 'c', 7_999)).toEqual(['r1']);
      expect(await claim(store, 'd', 8_000)).toEqual(['r2']);
      // Its own unexpired lease is not claimed again either.
      expect(await claim(store, 'd', 8_000)).toEqual([]);
    });

    it('keeps a lease when its run is replaced, and drops the run when deleted', async () => {
      const store = await makeStore();
      await answer(store.write([put('run', run('r1', 't1')), lease('r1', 'a', 5_000)]));
      await answer(store.write([put('run', run('r1', 't1', 'in_progress'))]));
      expect(await claim(store, 'b', 1_000)).toEqual([]);
      await answer(store.write([{ op: 'delete', kind: 'run', id: 'r1' }]));
      expect(await claim(store, 'b', 9_000)).toEqual([]);
      await answer(store.write([put('run', run('r1', 't1'))]));
      expect(await claim(store, 'b', 1_000)).toEqual(['r1']);
    });

    it('never gives one run to two racing claimers', async () => {
      const store = await makeStore();
      const ids = Array.from({ length: 12 }, (_, i) => `r${i}`);
      await answer(store.write(ids.map((id, i) => put('run', run(id, `t${i}`)))));
      const claims = await Promise.all(
        ['a', 'b', 'c'].map((owner) => answer(store.claimRuns(owner, 1_000, 1_000, 5))),
      );
      const claimed = claims.flat().map((l) => l.runId);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.length).toBe(12);
      expect([...claimed].sort()).toEqual([...ids].sort());
    });

    it('renews only the leases the owner holds, and releases them', async () => {
      const store = await makeStore();
      await answer(
        store.write([
          put('run', run('r1', 't1')),
          lease('r1', 'a', 2_000),
          put('run', run('r2', 't2')),
          lease('r2', 'b', 2_000),
          put('run', run('r3', 't3')),
          put('run', run('r4', 't4')),
          lease('r4', 'a', 2_000),
        ]),
      );
      expect(
        await answer(store.renewLeases('a', ['r4', 'r2', 'r3', 'r1', 'nobody'], 1_500, 2_000)),
      ).toEqual(['r4', 'r1']);
      expect(await answer(store.renewLeases('a', [], 1_500, 2_000))).toEqual([]);
      // Renewed to 3_500: still held at 3_000; b's lease on r2 was not.
      expect(await claim(store, 'c', 3_000)).toEqual(['r2', 'r3']);
      await answer(store.releaseLeases('a', ['r1']));
      expect(await claim(store, 'd', 3_000)).toEqual(['r1']);
      expect(await answer(store.renewLeases('a', ['r1', 'r4'], 3_000, 2_000))).toEqual(['r4']);
      await answer(store.releaseLeases('c'));
      expect(await claim(store, 'e', 3_000)).toEqual(['r2', 'r3']);
      await answer(store.releaseLeases('nobody'));
      expect(await claim(store, 'f', 3_000)).toEqual([]);
      // A run that has ended is executed by no one: its lease is no longer renewed.
      await answer(store.write([put('run', run('r4', 't4', 'completed'))]));
      expect(await answer(store.renewLeases('a', ['r4'], 3_000, 2_000))).toEqual([]);
    });
  });
}
