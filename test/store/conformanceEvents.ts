import { describe, expect, it } from 'vitest';
import { BehaviorSubject, filter, firstValueFrom, ReplaySubject, type Subscription } from 'rxjs';
import { runEvent } from '../../src/backend/runEvent';
import type { AssistantsStore, SharedRunEvent } from '../../src/local/storePort';
import { run } from './records';
import { answer, put } from './support';

/** Two stores on one database, as two processes would open it. */
export type MakeStores = () => Promise<[AssistantsStore, AssistantsStore]>;

/** A delta of `msg_1` with `value`, starting at `at`. */
const delta = (value: string, at: number): SharedRunEvent => ({
  event: runEvent('thread.message.delta', {
    id: 'msg_1',
    object: 'thread.message.delta',
    delta: { content: [{ index: 0, type: 'text', text: { value, annotations: [] } }] },
  }),
  at,
});

/** Listens to `runId` on `store`; resolves once listening, with what it hears and a way to wait for it. */
async function listening(store: AssistantsStore, runId: string) {
  const heard: SharedRunEvent[] = [];
  const count = new BehaviorSubject(0);
  let subscription!: Subscription;
  await new Promise<void>((resolve, reject) => {
    subscription = store.events!.listen(runId).subscribe({
      next: (batch) => {
        heard.push(...batch);
        resolve();
        count.next(heard.length);
      },
      error: (error: unknown) => {
        reject(error);
        count.error(error);
      },
    });
  });
  /** Resolves once `n` events are heard (fails at the test's timeout). */
  const untilHeard = (n: number) => firstValueFrom(count.pipe(filter((c) => c >= n)));
  return { heard, subscription, untilHeard };
}

/**
 * The run event channel of a store that processes share: what one publishes,
 * the others hear, in order, whole, from when they listen.
 */
export function eventChannel(makeStores: MakeStores) {
  describe('run event channel', () => {
    it('has one', async () => {
      const [one, two] = await makeStores();
      expect(one.events).toBeDefined();
      expect(two.events).toBeDefined();
    });

    it('tells a listener, first that it listens, then each batch published, in order and whole', async () => {
      const [publisher, listener] = await makeStores();
      const first = await firstValueFrom(listener.events!.listen('run_a'));
      expect(first).toEqual([]);
      const ears = await listening(listener, 'run_a');
      const other = await listening(listener, 'run_b');
      const events = [
        { event: runEvent('thread.run.in_progress', run('run_a', 't', 'in_progress')) },
        delta('Réponse — 日本語 ', 0),
        delta('"quoted" \\ 💡', 16),
      ];
      for (const event of events) await answer(publisher.events!.publish('run_a', [event]));
      await answer(publisher.events!.publish('run_a', [delta('a', 30), delta('b', 31)]));
      await ears.untilHeard(5);
      expect(ears.heard).toEqual([...events, delta('a', 30), delta('b', 31)]);
      // Another run's listener heard none of it.
      await answer(publisher.events!.publish('run_b', [delta('b only', 0)]));
      await other.untilHeard(1);
      expect(other.heard).toEqual([delta('b only', 0)]);
      ears.subscription.unsubscribe();
      other.subscription.unsubscribe();
    });

    it('carries events beyond a notification limit, and large batches, whole and in order', async () => {
      const [store, listener] = await makeStores();
      const ears = await listening(listener, 'run_big');
      const big = delta('é'.repeat(20_000), 0);
      const many = Array.from({ length: 300 }, (_, i) => delta(`piece ${i} ${'x'.repeat(40)}`, i));
      await answer(store.events!.publish('run_big', [delta('before', 0), big, delta('after', 1)]));
      await answer(store.events!.publish('run_big', many));
      await ears.untilHeard(303);
      expect(ears.heard).toEqual([delta('before', 0), big, delta('after', 1), ...many]);
      ears.subscription.unsubscribe();
    });

    it('tells an event published twice twice, in one batch or in batches sent at once', async () => {
      const [store, listener] = await makeStores();
      const ears = await listening(listener, 'run_twice');
      const same = {
        event: runEvent('thread.run.in_progress', run('run_twice', 't', 'in_progress')),
      };
      await answer(store.events!.publish('run_twice', [same, same]));
      await Promise.all([1, 2, 3].map(() => answer(store.events!.publish('run_twice', [same]))));
      await ears.untilHeard(5);
      expect(ears.heard).toEqual([same, same, same, same, same]);
      ears.subscription.unsubscribe();
    });

    it('tells each process listening to cancels the runs whose cancel one asked for', async () => {
      const [asker, holder] = await makeStores();
      await answer(asker.write([put('run', run('run_x', 't_x', 'in_progress'))]));
      const batches = new ReplaySubject<readonly string[]>();
      const listening = holder.events!.cancels().subscribe(batches);
      // The first batch says it listens: what is asked from then on is heard.
      expect(await firstValueFrom(batches)).toEqual([]);
      await answer(asker.requestCancel('run_x'));
      const heard = await firstValueFrom(batches.pipe(filter((batch) => batch.length > 0)));
      expect(heard).toEqual(['run_x']);
      listening.unsubscribe();
      // The flag is set too, for the holder's next renewal.
      await answer(
        asker.write([{ op: 'lease', lease: { runId: 'run_x', owner: 'h', until: 10 } }]),
      );
      const [lease] = await answer(holder.renewLeases('h', ['run_x'], 5, 100));
      expect(lease?.cancelRequested).toBe(true);
    });

    it('tells nothing more once unsubscribed; others listening to the run still hear', async () => {
      const [store, listener] = await makeStores();
      const left = await listening(listener, 'run_c');
      const stays = await listening(listener, 'run_c');
      await answer(store.events!.publish('run_c', [delta('one', 0)]));
      await left.untilHeard(1);
      left.subscription.unsubscribe();
      await answer(store.events!.publish('run_c', [delta('two', 3)]));
      await stays.untilHeard(2);
      expect(stays.heard).toEqual([delta('one', 0), delta('two', 3)]);
      expect(left.heard).toEqual([delta('one', 0)]);
      stays.subscription.unsubscribe();
    });
  });
}
