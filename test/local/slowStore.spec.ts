import { describe, expect, it } from 'vitest';
import { concat, concatMap, NEVER, type Observable, of, throwError, timer } from 'rxjs';
import { isRunEvent } from '../../src/backend/runStatus';
import type { AssistantStreamEvent, RunStatus } from '../../src/backend/types';
import {
  type AssistantsStore,
  localBackend,
  memoryStore,
  type ModelEvent,
  type RunTiming,
} from '../../src/local';
import { testScheduler } from '../support/scheduler';
import { recordsOf } from '../support/storeRecords';
import { counterIds, say, scriptedModel } from './scriptedModel';

/**
 * The runtime on a store that answers later: each write is stored 2 frames
 * after it is asked (reads answer at once), as a database would. `failAt`
 * makes the n-th write fail instead.
 */
function world(
  turns: Parameters<typeof scriptedModel>[0],
  {
    failAt = Infinity,
    timing,
    keepAfter = 0,
  }: { failAt?: number; timing?: RunTiming; keepAfter?: number } = {},
) {
  const scheduler = testScheduler();
  const inner = memoryStore();
  let writes = 0;
  const store: AssistantsStore = {
    ...inner,
    write: (batch) => {
      const n = ++writes;
      return timer(2, scheduler).pipe(
        concatMap(() =>
          n === failAt ? throwError(() => new Error('the database went away')) : inner.write(batch),
        ),
      );
    },
    keepResponse: (key, entry) =>
      timer(keepAfter, scheduler).pipe(concatMap(() => inner.keepResponse(key, entry))),
  };
  const script = scriptedModel(turns);
  const backend = localBackend({
    model: script.model,
    scheduler,
    store,
    ids: counterIds(),
    ...(timing && { timing }),
  });
  return { scheduler, inner, backend, writes: () => writes };
}

/** Subscribes to `request` and runs the clock until it answers. */
function answer<T>(scheduler: ReturnType<typeof testScheduler>, request: Observable<T>) {
  let value: T | undefined;
  request.subscribe((v) => (value = v));
  scheduler.flush();
  if (value === undefined) throw new Error('no answer');
  return value;
}

const ORDER: RunStatus[] = ['queued', 'in_progress', 'requires_action', 'cancelling', 'completed'];

describe('the runtime on a store that answers later', () => {
  it('announces each event of a run only once what it says is stored', () => {
    const w = world([say('one two three four five six')]);
    const assistant = answer(w.scheduler, w.backend.assistants.create({ model: 'm' }));
    const thread = answer(w.scheduler, w.backend.threads.create());
    const seen: Array<{
      event: AssistantStreamEvent;
      storedStatus: RunStatus | undefined;
      stored: boolean;
    }> = [];
    let completed = false;
    w.backend.streaming!.createRun(thread.id, { assistant_id: assistant.id }).subscribe({
      next: (event) => {
        const data = event.data as { id: string; object: string };
        const kind =
          data.object === 'thread.run'
            ? 'run'
            : data.object === 'thread.message' || data.object === 'thread.message.delta'
              ? 'message'
              : 'step';
        const stored = recordsOf(w.inner, kind).some((record) => record.id === data.id);
        const storedStatus = recordsOf(w.inner, 'run')[0]?.status;
        seen.push({ event, stored, storedStatus });
      },
      complete: () => (completed = true),
    });
    w.scheduler.flush();

    expect(completed).toBe(true);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.filter((s) => !s.stored).map((s) => s.event.event)).toEqual([]);
    // The stored run is never behind the status an event tells.
    for (const { event, storedStatus } of seen) {
      if (!isRunEvent(event)) continue;
      expect(ORDER.indexOf(storedStatus!)).toBeGreaterThanOrEqual(ORDER.indexOf(event.data.status));
    }
    const [message] = recordsOf(w.inner, 'message').filter((m) => m.role === 'assistant');
    expect(message?.content).toEqual([
      { type: 'text', text: { value: 'one two three four five six', annotations: [] } },
    ]);
  });

  it('writes a growing message in fewer batches than deltas while a write is under way', () => {
    const words = 'a b c d e f g h i j k l';
    const count = (slow: boolean) => {
      const scheduler = testScheduler();
      const inner = memoryStore();
      let writes = 0;
      const store: AssistantsStore = {
        ...inner,
        write: (batch) => (
          writes++,
          slow ? timer(2, scheduler).pipe(concatMap(() => inner.write(batch))) : inner.write(batch)
        ),
      };
      // One word per frame, so that deltas arrive while a write is under way.
      const model = scriptedModel([
        () =>
          concat(
            ...say(words).map((event, i) =>
              timer(i === 0 ? 0 : 1, scheduler).pipe(concatMap(() => of(event))),
            ),
          ),
      ]);
      const backend = localBackend({ model: model.model, scheduler, store, ids: counterIds() });
      const assistant = answer(scheduler, backend.assistants.create({ model: 'm' }));
      const thread = answer(scheduler, backend.threads.create());
      const before = writes;
      const run = answer(scheduler, backend.runs.create(thread.id, { assistant_id: assistant.id }));
      scheduler.flush();
      expect(recordsOf(inner, 'run').find((r) => r.id === run.id)?.status).toBe('completed');
      return writes - before;
    };
    const atOnce = count(false);
    const later = count(true);
    expect(atOnce).toBeGreaterThan(12);
    expect(later).toBeLessThan(atOnce);
  });

  it('stores the text of a message as it grows with the next write, or within 200 ms', () => {
    const scheduler = testScheduler();
    const inner = memoryStore();
    let messagePuts = 0;
    const store: AssistantsStore = {
      ...inner,
      write: (batch) => {
        messagePuts += batch.filter((w) => w.op === 'put' && w.kind === 'message').length;
        return timer(2, scheduler).pipe(concatMap(() => inner.write(batch)));
      },
    };
    // Twelve words, one every 50 ms.
    const words = say('a b c d e f g h i j k l');
    const model = scriptedModel([
      () => concat(...words.map((event) => timer(50, scheduler).pipe(concatMap(() => of(event))))),
    ]);
    const backend = localBackend({ model: model.model, scheduler, store, ids: counterIds() });
    const assistant = answer(scheduler, backend.assistants.create({ model: 'm' }));
    const thread = answer(scheduler, backend.threads.create());
    const before = messagePuts;
    const told: Array<{ at: number; text: string }> = [];
    let text = '';
    backend.streaming!.createRun(thread.id, { assistant_id: assistant.id }).subscribe((event) => {
      if (event.event !== 'thread.message.delta') return;
      for (const part of event.data.delta.content ?? []) {
        if (part.type === 'text') text += part.text?.value ?? '';
      }
      told.push({ at: scheduler.now(), text });
    });
    const stored = () => {
      const reply = recordsOf(inner, 'message').find((m) => m.role === 'assistant');
      const part = reply?.content[0];
      return part?.type === 'text' ? part.text.value : '';
    };
    let partial = false;
    for (let ms = 10; ms <= 1000; ms += 10) {
      scheduler.maxFrames = ms;
      scheduler.flush();
      const now = stored();
      const due = told.filter((t) => t.at <= ms - 202).at(-1)?.text ?? '';
      expect(text.startsWith(now)).toBe(true);
      expect(now.startsWith(due)).toBe(true); // no more than 200 ms (and a write) behind
      partial ||= now !== '' && now !== text;
    }
    expect(told).toHaveLength(12);
    expect(stored()).toBe('a b c d e f g h i j k l');
    expect(partial).toBe(true);
    // Created, twice while growing (every 200 ms), completed: not one put per delta.
    expect(messagePuts - before).toBeLessThan(6);
  });

  it("answers a cancel once the run's cancelling is stored", () => {
    // A model that never finishes its turn.
    const w = world([() => concat(of<ModelEvent>({ type: 'text', delta: 'Thinking' }), NEVER)], {
      timing: { queued: () => 0, cancelling: () => 5 },
    });
    const assistant = answer(w.scheduler, w.backend.assistants.create({ model: 'm' }));
    const thread = answer(w.scheduler, w.backend.threads.create());
    const run = answer(
      w.scheduler,
      w.backend.runs.create(thread.id, { assistant_id: assistant.id }),
    );
    w.scheduler.flush(); // nothing is being written
    let answeredWith: RunStatus | undefined;
    let storedThen: RunStatus | undefined;
    w.backend.runs.cancel(thread.id, run.id).subscribe((cancelling) => {
      answeredWith = cancelling.status;
      storedThen = recordsOf(w.inner, 'run').find((r) => r.id === run.id)?.status;
    });
    expect(answeredWith).toBeUndefined(); // not before the store has it
    w.scheduler.flush();
    expect(answeredWith).toBe('cancelling');
    expect(storedThen).toBe('cancelling');
  });

  it('ends a run whose write fails: its stream errors with the store error, and it writes no more', () => {
    // Writes 1 to 3: the assistant, the thread, the run; the 4th is the run's first status.
    const w = world([say('one two three')], { failAt: 4 });
    const assistant = answer(w.scheduler, w.backend.assistants.create({ model: 'm' }));
    const thread = answer(w.scheduler, w.backend.threads.create());
    let error: unknown;
    const names: string[] = [];
    w.backend.streaming!.createRun(thread.id, { assistant_id: assistant.id }).subscribe({
      next: (e) => names.push(e.event),
      error: (e: unknown) => (error = e),
    });
    w.scheduler.flush();
    expect(String(error)).toContain('the database went away');
    expect(names).toEqual(['thread.run.created', 'thread.run.queued']);
    expect(w.writes()).toBe(4);
    // As if its process had died: the run stays as last stored.
    expect(recordsOf(w.inner, 'run')[0]?.status).toBe('queued');
  });

  it('streams every event of a run created with a key, those told while its response was being kept included', () => {
    const w = world([say('one two three')], { keepAfter: 20 });
    const assistant = answer(w.scheduler, w.backend.assistants.create({ model: 'm' }));
    const thread = answer(w.scheduler, w.backend.threads.create());
    const events: AssistantStreamEvent[] = [];
    w.backend
      .streaming!.createRun(thread.id, { assistant_id: assistant.id }, { idempotencyKey: 'k' })
      .subscribe((e) => events.push(e));
    w.scheduler.flush();
    expect(events.filter(isRunEvent).map((e) => e.event)).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.completed',
    ]);
    expect(events.filter((e) => e.event === 'thread.message.delta')).toHaveLength(3);
  });
});
