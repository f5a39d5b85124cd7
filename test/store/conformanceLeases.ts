import { describe, expect, it } from 'vitest';
import type { AssistantsStore, RunLease } from '../../src/local/storePort';
import { answer, type MakeStore, put } from './support';
import { run } from './records';

const lease = (runId: string, owner: string, until: number) =>
  ({ op: 'lease', lease: { runId, owner, until } }) as const;

/** A lease as the port gives it, `cancelRequested` (optional) read as a boolean. */
const leaseOf = ({ cancelRequested, ...lease }: RunLease) => ({
  ...lease,
  cancelRequested: cancelRequested === true,
});

/** The ids of the runs whose leases `owner` holds after renewing them. */
const renew = async (
  store: AssistantsStore,
  owner: string,
  runIds: string[],
  now: number,
  ttl: number,
) => (await answer(store.renewLeases(owner, runIds, now, ttl))).map((l) => l.runId);

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
          put('run', run('r3', 't3', 'requires_action', { expires_at: 15 })),
          put('run', run('r4', 't4', 'in_progress')),
          put('run', run('r5', 't5', 'cancelling')),
          put('run', run('r6', 't6', 'failed')),
        ]),
      );
      const first = await answer(store.claimRuns('a', 10_000, 500, 2));
      expect(first.map(leaseOf)).toEqual([
        { runId: 'r1', owner: 'a', until: 10_500, cancelRequested: false },
        { runId: 'r4', owner: 'a', until: 10_500, cancelRequested: false },
      ]);
      // r3 waits for tool outputs: it is taken once it has expired (expires_at is in seconds).
      expect(await claim(store, 'b', 10_000)).toEqual(['r5']);
      expect(await claim(store, 'c', 14_999)).toEqual(['r1', 'r4', 'r5']);
      expect(await claim(store, 'd', 15_000)).toEqual(['r3']);
      expect(await claim(store, 'c', 10_000)).toEqual([]);
    });

    it('claims the oldest runs first, whatever order their threads came in', async () => {
      const store = await makeStore();
      await answer(
        store.write([put('run', run('r1', 't1', 'queued')), put('run', run('r2', 't2', 'queued'))]),
      );
      // t1's run ends and a newer one starts there: r2 (on t2) is now the oldest.
      await answer(
        store.write([
          put('run', run('r1', 't1', 'completed')),
          put('run', run('r3', 't1', 'queued')),
        ]),
      );
      expect(await claim(store, 'a', 10_000, 1)).toEqual(['r2']);
      expect(await claim(store, 'b', 10_000)).toEqual(['r3']);
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
      const renewed = await answer(
        store.renewLeases('a', ['r4', 'r2', 'r3', 'r1', 'nobody'], 1_500, 2_000),
      );
      expect(renewed.map(leaseOf)).toEqual([
        { runId: 'r4', owner: 'a', until: 3_500, cancelRequested: false },
        { runId: 'r1', owner: 'a', until: 3_500, cancelRequested: false },
      ]);
      expect(await renew(store, 'a', [], 1_500, 2_000)).toEqual([]);
      // Renewed to 3_500: still held at 3_000; b's lease on r2 was not.
      expect(await claim(store, 'c', 3_000)).toEqual(['r2', 'r3']);
      await answer(store.releaseLeases('a', ['r1']));
      expect(await claim(store, 'd', 3_000)).toEqual(['r1']);
      expect(await renew(store, 'a', ['r1', 'r4'], 3_000, 2_000)).toEqual(['r4']);
      await answer(store.releaseLeases('c'));
      expect(await claim(store, 'e', 3_000)).toEqual(['r2', 'r3']);
      await answer(store.releaseLeases('nobody'));
      expect(await claim(store, 'f', 3_000)).toEqual([]);
      // A run that has ended is executed by no one: its lease is no longer renewed.
      await answer(store.write([put('run', run('r4', 't4', 'completed'))]));
      expect(await renew(store, 'a', ['r4'], 3_000, 2_000)).toEqual([]);
    });

    it('claims the runs named, in that order, waiting for tool outputs or not', async () => {
      const store = await makeStore();
      await answer(
        store.write([
          put('run', run('r1', 't1', 'requires_action', { expires_at: null })),
          put('run', run('r2', 't2', 'requires_action', { expires_at: 60 })),
          put('run', run('r3', 't3')),
          put('run', run('r4', 't4', 'completed')),
          put('run', run('r5', 't5')),
          lease('r5', 'a', 5_000),
        ]),
      );
      // Without ids, a waiting run that never expires is never taken.
      expect(await claim(store, 'a', 1_000)).toEqual(['r3']);
      const named = await answer(
        store.claimRuns('b', 1_000, 1_000, 10, ['r2', 'r4', 'nobody', 'r5', 'r1']),
      );
      expect(named.map((l) => l.runId)).toEqual(['r2', 'r1']);
      // Named and free, but beyond the limit.
      await answer(store.releaseLeases('b'));
      expect(
        (await answer(store.claimRuns('c', 1_000, 1_000, 1, ['r1', 'r2']))).map((l) => l.runId),
      ).toEqual(['r1']);
    });

    it('tells the holder of a run that a cancel was asked, until the run ends', async () => {
      const store = await makeStore();
      await answer(
        store.write([
          put('run', run('r1', 't1', 'in_progress')),
          lease('r1', 'a', 2_000),
          put('run', run('r2', 't2')),
          lease('r2', 'a', 2_000),
        ]),
      );
      await answer(store.requestCancel('r1'));
      const renewed = (await answer(store.renewLeases('a', ['r1', 'r2'], 1_000, 1_000))).map(
        leaseOf,
      );
      expect(renewed.map((l) => [l.runId, l.cancelRequested])).toEqual([
        ['r1', true],
        ['r2', false],
      ]);
      // A process that takes the run up hears it too.
      const taken = await answer(store.claimRuns('b', 2_000, 1_000, 10));
      expect(taken.map(leaseOf).map((l) => [l.runId, l.cancelRequested])).toEqual([
        ['r1', true],
        ['r2', false],
      ]);
      // Replaced while not ended, the request stays; once ended, it is gone.
      await answer(store.write([put('run', run('r1', 't1', 'cancelling'))]));
      expect((await answer(store.renewLeases('b', ['r1'], 2_000, 1_000)))[0]?.cancelRequested).toBe(
        true,
      );
      await answer(store.write([put('run', run('r1', 't1', 'cancelled'))]));
      await answer(store.write([put('run', run('r1', 't1', 'queued'))]));
      expect(
        (await answer(store.renewLeases('b', ['r1'], 2_000, 1_000)))[0]?.cancelRequested,
      ).not.toBe(true);
    });
  });
}
