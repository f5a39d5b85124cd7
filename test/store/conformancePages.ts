import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Page } from '../../src/backend/AssistantsBackend';
import { paginate } from '../../src/internal/apiLists';
import type { StoreListQuery } from '../../src/local/storePort';
import { answer, type MakeStore, put } from './support';
import { message, random, thread } from './records';

/** What a page or its error is, to compare: the page itself, or the error's status, param and message. */
async function outcome(page: () => Promise<Page<{ id: string }>> | Page<{ id: string }>) {
  try {
    const { data, ...rest } = await page();
    return { ids: data.map((record) => record.id), ...rest };
  } catch (error) {
    const { name, status, param, message } = error as Record<string, unknown>;
    return { name, status, param, message };
  }
}

export function pagination(makeStore: MakeStore) {
  describe('pages', () => {
    it('pages each list exactly as paginate() does, cursors, limits and orders alike', async () => {
      const store = await makeStore();
      const next = random(11);
      const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
      // The model: each thread's messages in creation order, kept beside the store.
      const model = new Map<string, ReturnType<typeof message>[]>([
        ['t1', []],
        ['t2', []],
      ]);
      const all: string[] = [];
      for (let i = 0; i < 40; i++) {
        const threadId = next() < 0.7 ? 't1' : 't2';
        const runId = pick([null, 'r1', 'r2']);
        const record = message(`msg_${i}`, threadId, runId);
        await answer(store.write([put('message', record)]));
        model.get(threadId)!.push(record);
        all.push(record.id);
      }
      // Some replaced in place (new text), some deleted: a deleted id is an unknown cursor.
      const deleted: string[] = [];
      for (const list of model.values()) {
        for (let i = 0; i < list.length; i += 5) {
          const replaced = { ...list[i]!, metadata: { edited: 'yes' } };
          await answer(store.write([put('message', replaced)]));
          list[i] = replaced;
        }
        for (const gone of list.splice(3, 1).concat(list.splice(10, 1))) {
          await answer(store.write([{ op: 'delete', kind: 'message', id: gone.id }]));
          deleted.push(gone.id);
        }
      }

      const seen = { refused: 0, more: 0, empty: 0, pages: 0 };
      for (let i = 0; i < 300; i++) {
        const threadId = pick(['t1', 't2']);
        const runId = next() < 0.25 ? pick(['r1', 'r2']) : undefined;
        const items = model
          .get(threadId)!
          .filter((record) => runId === undefined || record.run_id === runId);
        const cursor = () => {
          const roll = next();
          if (roll < 0.4 || items.length === 0) return undefined;
          if (roll < 0.9) return pick(items).id;
          // Unknown here: another thread's, another run's, a deleted or a made-up id.
          return pick([...all.filter((id) => !items.some((r) => r.id === id)), ...deleted, 'x']);
        };
        const query: StoreListQuery = {
          parentId: threadId,
          ...(runId === undefined ? {} : { runId }),
          ...(next() < 0.8 ? { limit: pick([1, 2, 3, 4, 7, 10, 20, 100]) } : {}),
          ...(next() < 0.7 ? { order: pick(['asc', 'desc'] as const) } : {}),
        };
        const after = cursor();
        const before = cursor();
        if (after !== undefined) query.after = after;
        if (before !== undefined) query.before = before;
        const { parentId: _p, runId: _r, ...paging } = query;
        const expected = await outcome(() =>
          paginate(items, { ...paging, limit: paging.limit ?? 100 }),
        );
        const actual = await outcome(() => lastValueFrom(store.list('message', query)));
        expect(actual, JSON.stringify(query)).toEqual(expected);
        if ('status' in expected) seen.refused++;
        else if (expected.has_more) seen.more++;
        else if (expected.ids.length === 0) seen.empty++;
        else seen.pages++;
      }
      // The generated cases cover each kind of outcome, many times.
      for (const count of Object.values(seen)) expect(count).toBeGreaterThan(10);
    });

    it('pages kinds without a parent, and empty lists', async () => {
      const store = await makeStore();
      const empty = await answer(store.list('thread', { limit: 5 }));
      expect(empty).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
      const ids = Array.from({ length: 7 }, (_, i) => `thread_${i}`);
      await answer(store.write(ids.map((id) => put('thread', thread(id)))));
      const records = ids.map(thread);
      for (const query of [
        { limit: 3 },
        { limit: 3, after: 'thread_4' },
        { limit: 3, order: 'asc', before: 'thread_5' },
        { limit: 2, order: 'asc', after: 'thread_1', before: 'thread_6' },
        { limit: 2, after: 'thread_6', before: 'thread_1' },
        { order: 'asc', after: 'thread_3', before: 'thread_3' },
      ] as const) {
        expect(await answer(store.list('thread', query)), JSON.stringify(query)).toEqual(
          paginate(records, { limit: 100, ...query }),
        );
      }
    });
  });
}
