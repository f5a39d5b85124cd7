import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../src/backend/types';
import { ActiveRunConflictError } from '../../src/local/storePort';
import { answer, type MakeStore, put } from './support';
import { message, run, thread } from './records';

const notEnded: RunStatus[] = ['queued', 'in_progress', 'requires_action', 'cancelling'];
const ended: RunStatus[] = ['completed', 'failed', 'cancelled', 'expired', 'incomplete'];

/** The error a write ends with, or undefined if it succeeds. */
async function refusal(write: Promise<unknown>): Promise<unknown> {
  try {
    await write;
    return undefined;
  } catch (error) {
    return error;
  }
}

export function activeRuns(makeStore: MakeStore) {
  describe('one run that has not ended per thread', () => {
    it.each(notEnded)('refuses a second run beside a %s one, naming both ids', async (status) => {
      const store = await makeStore();
      await answer(store.write([put('run', run('r1', 't1', status))]));
      const error = await refusal(lastValueFrom(store.write([put('run', run('r2', 't1'))])));
      expect(error).toBeInstanceOf(ActiveRunConflictError);
      expect(error).toMatchObject({ threadId: 't1', runId: 'r2', name: 'ActiveRunConflictError' });
      expect(await answer(store.get('run', 'r2'))).toBeUndefined();
    });

    it('takes a new run beside ended ones, on other threads, and replaces an active run', async () => {
      const store = await makeStore();
      await answer(store.write(ended.map((status, i) => put('run', run(`old${i}`, 't1', status)))));
      await answer(store.write([put('run', run('r1', 't1', 'queued'))]));
      await answer(store.write([put('run', run('r2', 't2', 'queued'))]));
      for (const status of [...notEnded, 'completed'] as const) {
        await answer(store.write([put('run', run('r1', 't1', status))]));
        expect((await answer(store.get('run', 'r1')))?.status).toBe(status);
      }
      // r1 has ended: one batch may now end nothing else and start r3.
      await answer(store.write([put('run', run('r3', 't1', 'queued'))]));
      // Ending the active run and starting the next in one batch, in that order.
      await answer(
        store.write([put('run', run('r3', 't1', 'cancelled')), put('run', run('r4', 't1'))]),
      );
      const page = await answer(store.list('run', { parentId: 't1', order: 'asc' }));
      expect(page.data.filter((r) => notEnded.includes(r.status)).map((r) => r.id)).toEqual(['r4']);
    });

    it('applies a batch in order: the old run must end before the new one starts', async () => {
      const store = await makeStore();
      await answer(store.write([put('run', run('r1', 't1'))]));
      const error = await refusal(
        lastValueFrom(
          store.write([put('run', run('r2', 't1')), put('run', run('r1', 't1', 'completed'))]),
        ),
      );
      expect(error).toMatchObject({ name: 'ActiveRunConflictError', threadId: 't1', runId: 'r2' });
      expect((await answer(store.get('run', 'r1')))?.status).toBe('queued');
      await answer(
        store.write([put('run', run('r1', 't1', 'completed')), put('run', run('r2', 't1'))]),
      );
      expect((await answer(store.get('run', 'r2')))?.status).toBe('queued');
    });

    it('refuses a whole batch: none of its writes are kept', async () => {
      const store = await makeStore();
      await answer(store.write([put('thread', thread('t1')), put('run', run('r1', 't1'))]));
      const error = await refusal(
        lastValueFrom(
          store.write([
            put('thread', { ...thread('t1'), metadata: { changed: 'yes' } }),
            put('message', message('m1', 't1')),
            { op: 'delete', kind: 'run', id: 'r1' },
            put('run', run('r0', 't1', 'completed')),
            put('run', run('r1', 't1', 'completed')),
            put('run', run('r2', 't1')),
            put('run', run('r3', 't1')),
            put('message', message('m2', 't1')),
          ]),
        ),
      );
      expect(error).toMatchObject({ name: 'ActiveRunConflictError', threadId: 't1', runId: 'r3' });
      expect(await answer(store.get('thread', 't1'))).toEqual(thread('t1'));
      expect(await answer(store.get('run', 'r1'))).toEqual(run('r1', 't1'));
      for (const [kind, id] of [
        ['message', 'm1'],
        ['message', 'm2'],
        ['run', 'r0'],
        ['run', 'r2'],
        ['run', 'r3'],
      ] as const) {
        expect(await answer(store.get(kind, id)), id).toBeUndefined();
      }
    });

    it('lets exactly one of two racing batches start a run on a thread', async () => {
      const store = await makeStore();
      for (let round = 0; round < 5; round++) {
        const threadId = `t${round}`;
        const [a, b] = await Promise.allSettled(
          ['a', 'b'].map((name) =>
            lastValueFrom(
              store.write([
                put('message', message(`m_${name}${round}`, threadId)),
                put('run', run(`r_${name}${round}`, threadId)),
              ]),
            ),
          ),
        );
        const outcomes = [a!.status, b!.status].sort();
        expect(outcomes).toEqual(['fulfilled', 'rejected']);
        const loser = a!.status === 'rejected' ? 'a' : 'b';
        const winner = loser === 'a' ? 'b' : 'a';
        const reason = (a!.status === 'rejected' ? a : b) as PromiseRejectedResult;
        expect(reason.reason).toMatchObject({ threadId, runId: `r_${loser}${round}` });
        const runs = await answer(store.list('run', { parentId: threadId }));
        expect(runs.data.map((r) => r.id)).toEqual([`r_${winner}${round}`]);
        const messages = await answer(store.list('message', { parentId: threadId }));
        expect(messages.data.map((m) => m.id)).toEqual([`m_${winner}${round}`]);
      }
    });
  });
}
