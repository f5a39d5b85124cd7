import { describe, expect, it } from 'vitest';
import type { StoredKind } from '../../src/local/storePort';
import { pagination } from './conformancePages';
import { activeRuns } from './conformanceRuns';
import { leases } from './conformanceLeases';
import { assistant, message, run, step, thread } from './records';
import { answer, type MakeStore, put } from './support';

export type { MakeStore } from './support';

/** How a store's conformance is run. */
export interface ConformanceOptions {
  /** Per-test timeout in ms (database stores answer at the machine's pace). */
  timeout?: number;
}

/**
 * The semantics of the store port ({@link AssistantsStore}), as tests: any
 * store that passes them can hold the embedded runtime's data.
 */
export function storeConformance(
  name: string,
  makeStore: MakeStore,
  options: ConformanceOptions = {},
): void {
  const timeout = options.timeout ?? 5_000;
  describe(`${name} conforms to the store port`, { timeout }, () => {
    records(makeStore);
    pagination(makeStore);
    activeRuns(makeStore);
    keptResponses(makeStore);
    leases(makeStore);
    coldness(makeStore);
  });
}

function records(makeStore: MakeStore) {
  describe('records', () => {
    it('gives back each kind as it was put, and nothing for an unknown id', async () => {
      const store = await makeStore();
      const kept = {
        assistant: assistant('asst_1'),
        thread: thread('thread_1'),
        message: message('msg_1', 'thread_1'),
        run: run('run_1', 'thread_1'),
        step: step('step_1', 'run_1', 'thread_1'),
      };
      await answer(
        store.write(Object.entries(kept).map(([kind, record]) => put(kind as StoredKind, record))),
      );
      for (const [kind, record] of Object.entries(kept)) {
        expect(await answer(store.get(kind as StoredKind, record.id))).toEqual(record);
        expect(await answer(store.get(kind as StoredKind, `${record.id}_missing`))).toBeUndefined();
      }
      // Ids are per kind: a thread's id is no message.
      expect(await answer(store.get('message', 'thread_1'))).toBeUndefined();
    });

    it('replaces a record in place: the creation order keeps it where it was', async () => {
      const store = await makeStore();
      await answer(store.write(['a', 'b', 'c'].map((id) => put('thread', thread(id)))));
      const renamed = { ...thread('a'), metadata: { name: 'renamed' } };
      await answer(store.write([put('thread', renamed)]));
      const page = await answer(store.list('thread', { order: 'asc' }));
      expect(page.data.map((t) => t.id)).toEqual(['a', 'b', 'c']);
      expect(page.data[0]).toEqual(renamed);
      expect(await answer(store.get('thread', 'a'))).toEqual(renamed);
    });

    it('deletes a record, and a delete of an unknown id changes nothing', async () => {
      const store = await makeStore();
      await answer(
        store.write([put('assistant', assistant('a')), put('assistant', assistant('b'))]),
      );
      await answer(store.write([{ op: 'delete', kind: 'assistant', id: 'a' }]));
      await answer(store.write([{ op: 'delete', kind: 'assistant', id: 'nobody' }]));
      expect(await answer(store.get('assistant', 'a'))).toBeUndefined();
      expect((await answer(store.list('assistant'))).data.map((a) => a.id)).toEqual(['b']);
      // Put again after a delete, it is a new record: last in the creation order.
      await answer(store.write([put('assistant', assistant('a'))]));
      const page = await answer(store.list('assistant', { order: 'asc' }));
      expect(page.data.map((a) => a.id)).toEqual(['b', 'a']);
    });

    it('lists by parent, and messages by run', async () => {
      const store = await makeStore();
      await answer(
        store.write([
          put('message', message('m1', 't1')),
          put('message', message('m2', 't2')),
          put('message', message('m3', 't1', 'r1')),
          put('message', message('m4', 't1', 'r2')),
          put('message', message('m5', 't1', 'r1')),
          put('run', run('r1', 't1', 'completed')),
          put('run', run('r3', 't2', 'completed')),
          put('run', run('r2', 't1', 'completed')),
          put('step', step('s1', 'r1', 't1')),
          put('step', step('s2', 'r2', 't1')),
          put('step', step('s3', 'r1', 't1')),
        ]),
      );
      const ids = async <K extends StoredKind>(kind: K, query: object) =>
        (await answer(store.list(kind, { order: 'asc', ...query }))).data.map((r) => r.id);
      expect(await ids('message', { parentId: 't1' })).toEqual(['m1', 'm3', 'm4', 'm5']);
      expect(await ids('message', { parentId: 't2' })).toEqual(['m2']);
      expect(await ids('message', { parentId: 't1', runId: 'r1' })).toEqual(['m3', 'm5']);
      expect(await ids('message', { runId: 'r2' })).toEqual(['m4']);
      expect(await ids('message', { parentId: 't2', runId: 'r1' })).toEqual([]);
      expect(await ids('message', { parentId: 'nobody' })).toEqual([]);
      expect(await ids('run', { parentId: 't1' })).toEqual(['r1', 'r2']);
      expect(await ids('step', { parentId: 'r1' })).toEqual(['s1', 's3']);
      expect(await ids('message', {})).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      // The default order is the API's: newest first.
      const page = await answer(store.list('step', { parentId: 'r1' }));
      expect(page.data.map((s) => s.id)).toEqual(['s3', 's1']);
    });
  });
}

function keptResponses(makeStore: MakeStore) {
  describe('kept responses', () => {
    const entry = (request: string, at: number) => ({ request, response: { id: request, at }, at });

    it('keeps the first response for a key, and gives it back while it is fresh', async () => {
      const store = await makeStore();
      expect(await answer(store.keptResponse('k1', 1_000, 500))).toBeUndefined();
      expect(await answer(store.keepResponse('k1', entry('first', 1_000)))).toEqual(
        entry('first', 1_000),
      );
      expect(await answer(store.keepResponse('k1', entry('second', 1_100)))).toEqual(
        entry('first', 1_000),
      );
      expect(await answer(store.keptResponse('k1', 1_499, 500))).toEqual(entry('first', 1_000));
      // Kept for ttl ms: at exactly `at + ttl` it is no longer given back.
      expect(await answer(store.keptResponse('k1', 1_500, 500))).toBeUndefined();
      expect(await answer(store.keptResponse('k2', 1_000, 500))).toBeUndefined();
    });

    it('forgets a response once it is no longer fresh, and then keeps the next one', async () => {
      const store = await makeStore();
      await answer(store.keepResponse('k', entry('old', 1_000)));
      expect(await answer(store.keptResponse('k', 1_600, 500))).toBeUndefined();
      expect(await answer(store.keepResponse('k', entry('new', 1_600)))).toEqual(
        entry('new', 1_600),
      );
      expect(await answer(store.keptResponse('k', 1_700, 500))).toEqual(entry('new', 1_600));
    });

    it('keeps exactly one of two racing responses for a key, and answers both with it', async () => {
      const store = await makeStore();
      const [a, b] = await Promise.all([
        answer(store.keepResponse('k', entry('a', 1))),
        answer(store.keepResponse('k', entry('b', 2))),
      ]);
      expect(a).toEqual(b);
      expect([entry('a', 1), entry('b', 2)]).toContainEqual(a);
      expect(await answer(store.keptResponse('k', 2, 10))).toEqual(a);
    });

    it('keeps a claim on a key until its claimant settles it with the response', async () => {
      const store = await makeStore();
      const claim = { request: 'req', response: undefined, at: 10, claimant: 'me' };
      expect(await answer(store.keepResponse('k', claim))).toEqual(claim);
      // Another's claim, or response, does not replace it.
      expect(await answer(store.keepResponse('k', { ...claim, claimant: 'other' }))).toEqual(claim);
      expect(await answer(store.keepResponse('k', entry('req', 11)))).toEqual(claim);
      expect(await answer(store.keptResponse('k', 12, 100))).toEqual(claim);
      // Only its claimant settles it.
      await answer(store.settleResponse('k', 'other', entry('theirs', 13)));
      await answer(store.settleResponse('k', 'other'));
      expect(await answer(store.keptResponse('k', 13, 100))).toEqual(claim);
      await answer(store.settleResponse('k', 'me', entry('req', 14)));
      expect(await answer(store.keptResponse('k', 15, 100))).toEqual(entry('req', 14));
      // A settled response is no claim: settling again changes nothing.
      await answer(store.settleResponse('k', 'me'));
      expect(await answer(store.keptResponse('k', 16, 100))).toEqual(entry('req', 14));
    });

    it('forgets a claim its claimant settles without a response: the key is free again', async () => {
      const store = await makeStore();
      await answer(
        store.keepResponse('k', { request: 'r', response: undefined, at: 1, claimant: 'a' }),
      );
      await answer(store.settleResponse('k', 'a'));
      expect(await answer(store.keptResponse('k', 2, 100))).toBeUndefined();
      expect(await answer(store.keepResponse('k', entry('next', 3)))).toEqual(entry('next', 3));
    });
  });
}

function coldness(makeStore: MakeStore) {
  describe('cold Observables', () => {
    it('does nothing until subscribed, and again on each subscription', async () => {
      const store = await makeStore();
      const write$ = store.write([put('thread', thread('t1'))]);
      store.write([put('thread', thread('never'))]);
      store.keepResponse('never', { request: 'r', response: 1, at: 0 });
      const list$ = store.list('thread');
      expect((await answer(list$)).data).toEqual([]);
      await answer(write$);
      expect((await answer(list$)).data.map((t) => t.id)).toEqual(['t1']);
      await answer(store.write([{ op: 'delete', kind: 'thread', id: 't1' }]));
      await answer(write$);
      expect((await answer(list$)).data.map((t) => t.id)).toEqual(['t1']);
      expect(await answer(store.keptResponse('never', 0, 10))).toBeUndefined();
    });

    it('writes a batch whole or not at all when unsubscribed at once, and goes on', async () => {
      const store = await makeStore();
      const ids = ['t1', 't2', 't3'];
      store
        .write(ids.map((id) => put('thread', thread(id))))
        .subscribe()
        .unsubscribe();
      const found = await Promise.all(ids.map((id) => answer(store.get('thread', id))));
      expect([0, 3]).toContain(found.filter(Boolean).length);
      await answer(store.write([put('thread', thread('t4'))]));
      expect(await answer(store.get('thread', 't4'))).toEqual(thread('t4'));
    });
  });
}
