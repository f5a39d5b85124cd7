import { describe, expect, it } from 'vitest';
import {
  concat,
  concatMap,
  map,
  NEVER,
  type Observable,
  of,
  type SchedulerLike,
  timer,
} from 'rxjs';
import type { AssistantStreamEvent } from '../../src/backend/types';
import { type AssistantsStore, localBackend, memoryStore, type ModelEvent } from '../../src/local';
import { textDeltas } from '../../src/operators';
import { mortal } from '../support/mortalScheduler';
import { testScheduler } from '../support/scheduler';
import { counterIds, say, scriptedModel } from './scriptedModel';

const TTL = 300;

/** `words`, one every `every` ms. */
const slowly =
  (s: SchedulerLike, words: string[], every = 10) =>
  () =>
    concat(
      ...words.map((delta) =>
        timer(every, s).pipe(map((): ModelEvent => ({ type: 'text', delta }))),
      ),
    );

/**
 * Two runtimes on one store, as two processes on one database: A executes
 * the runs; B only answers. `slow`: the store stores each write 2 frames
 * after it is asked and reads a record 3 frames after, as a database would
 * (so the text of a message reaches it in batches, behind its deltas).
 */
function twoProcesses(turns: Parameters<typeof scriptedModel>[0], slow = false) {
  const scheduler = testScheduler();
  const shared = memoryStore({ shared: true });
  const store: AssistantsStore = slow
    ? {
        ...shared,
        write: (batch) => timer(2, scheduler).pipe(concatMap(() => shared.write(batch))),
        // A record is read 3 frames after it is asked for: text may come meanwhile.
        get: (kind, id) => timer(3, scheduler).pipe(concatMap(() => shared.get(kind, id))),
      }
    : shared;
  const ids = counterIds();
  const processA = mortal(scheduler);
  const a = scriptedModel(turns);
  const b = scriptedModel([say('The whole answer.')]);
  const limits = { runLeaseTtl: TTL };
  const backendA = localBackend({
    store,
    scheduler: processA.scheduler,
    model: a.model,
    ids,
    limits,
  });
  const backendB = localBackend({ store, scheduler, model: b.model, ids, limits });
  const answer = <T>(request: Observable<T>): T => {
    let value: { v: T } | undefined;
    request.subscribe((v) => (value = { v }));
    advance(5);
    if (!value) throw new Error('no answer');
    return value.v;
  };
  const advance = (ms: number) => {
    scheduler.schedule(() => undefined, ms);
    scheduler.maxFrames = scheduler.now() + ms;
    scheduler.flush();
  };
  const assistant = answer(backendA.assistants.create({ model: 'm' }));
  const thread = answer(backendA.threads.create());
  const params = { assistant_id: assistant.id };
  /** The events of `events$`, recorded as they come. */
  const record = (events$: Observable<AssistantStreamEvent>) => {
    const events: AssistantStreamEvent[] = [];
    const end = { done: false };
    events$.subscribe({
      next: (event) => events.push(event),
      complete: () => (end.done = true),
    });
    return { events, end, names: () => events.map((e) => e.event) };
  };
  /** A streaming create through `backend`, with `key`, recorded. */
  const stream = (backend: typeof backendA, key: string) =>
    record(backend.streaming!.createRun(thread.id, params, { idempotencyKey: key }));
  return {
    scheduler,
    store: shared,
    processA,
    a,
    b,
    backendA,
    backendB,
    advance,
    answer,
    record,
    stream,
    assistant,
    thread,
  };
}

/** The text `events` stream, as `textDeltas()` joins it. */
const streamedText = (events: AssistantStreamEvent[]) => {
  let text = '';
  of(...events)
    .pipe(textDeltas())
    .subscribe((piece) => (text += piece));
  return text;
};

/** The text of each delta among `events`. */
const deltaTexts = (events: AssistantStreamEvent[]) =>
  events.flatMap((e) =>
    e.event === 'thread.message.delta'
      ? [(e.data.delta.content ?? []).map((p) => (p.type === 'text' ? p.text?.value : '')).join('')]
      : [],
  );

const WORDS = ['Hel', 'lo ', 'world, ', 'and ', 'all ', 'who ', 'live ', 'in ', 'it.'];

describe('a repeated streaming request through another process that shares the store', () => {
  it('streams the run executed elsewhere: its state so far, then every live event, deltas included, to the end', () => {
    const p = twoProcesses([() => slowly(p.scheduler, WORDS)()]);
    const first = p.stream(p.backendA, 'k');
    p.advance(25);
    const again = p.stream(p.backendB, 'k');
    p.advance(200);
    expect(first.end.done).toBe(true);
    expect(again.end.done).toBe(true);
    expect(again.names().at(-1)).toBe('thread.run.completed');
    // The text so far as one delta, then each word as A wrote it.
    expect(deltaTexts(again.events)).toEqual(['Hello ', ...WORDS.slice(2)]);
    expect(streamedText(again.events)).toBe(WORDS.join(''));
    // Each status and step event once, in the order of the first stream.
    const once = (names: string[]) => names.filter((n) => n !== 'thread.message.delta');
    expect(once(again.names())).toEqual(once(first.names()));
    expect(again.events.at(-1)!.data).toEqual(first.events.at(-1)!.data);
    expect(p.b.requests).toHaveLength(0);
  });

  it('on a store that stores text behind its deltas: no word lost, none repeated', () => {
    for (const joinAt of [15, 25, 35, 45, 75]) {
      const p = twoProcesses([() => slowly(p.scheduler, WORDS)()], true);
      const first = p.stream(p.backendA, 'k');
      p.advance(joinAt);
      const again = p.stream(p.backendB, 'k');
      p.advance(2_000);
      expect(again.end.done, `joined at ${joinAt}`).toBe(true);
      expect(streamedText(again.events), `joined at ${joinAt}`).toBe(WORDS.join(''));
      expect(deltaTexts(again.events).join(''), `joined at ${joinAt}`).toBe(WORDS.join(''));
      expect(again.events.at(-1)!.data).toEqual(first.events.at(-1)!.data);
    }
  });

  it('goes on when the process that executed the run dies and another takes it up', () => {
    const p = twoProcesses([
      () => concat(of<ModelEvent>({ type: 'text', delta: 'Half an ans' }), NEVER),
    ]);
    p.stream(p.backendA, 'k');
    p.advance(10);
    const again = p.stream(p.backendB, 'k');
    p.advance(10);
    expect(again.end.done).toBe(false);
    p.processA.kill();
    p.advance(3 * TTL);

    // B took the run up once A's lease expired, and the stream through B told it.
    expect(p.b.requests).toHaveLength(1);
    expect(again.end.done).toBe(true);
    expect(again.names().at(-1)).toBe('thread.run.completed');
    expect(deltaTexts(again.events).slice(-3)).toEqual(['The ', 'whole ', 'answer.']);
  });

  it('joins a createThreadAndRun: thread.created first, no second thread', () => {
    const p = twoProcesses([() => slowly(p.scheduler, WORDS)()]);
    const params = {
      assistant_id: p.assistant.id,
      thread: { messages: [{ role: 'user' as const, content: 'Hello?' }] },
    };
    const request = (backend: typeof p.backendA) =>
      p.record(backend.streaming!.createThreadAndRun(params, { idempotencyKey: 't' }));
    const first = request(p.backendA);
    p.advance(25);
    const again = request(p.backendB);
    p.advance(200);

    expect(again.names()[0]).toBe('thread.created');
    expect(again.events[0]!.data).toEqual(first.events[0]!.data);
    expect(again.names().at(-1)).toBe('thread.run.completed');
    expect(streamedText(again.events)).toBe(WORDS.join(''));
    const threads = p.answer(p.store.list('thread'));
    expect(threads.data).toHaveLength(2); // the one made beforehand, and this request's
  });

  it("joins a submit's stream: the next turn, live, from the process that took the run up", () => {
    const call: ModelEvent = {
      type: 'tool_call',
      index: 0,
      id: 'call_a',
      name: 'add',
      arguments: '{}',
    };
    const p = twoProcesses([[call], () => slowly(p.scheduler, WORDS)()]);
    const run = p.answer(p.backendA.runs.create(p.thread.id, { assistant_id: p.assistant.id }));
    p.advance(10);
    const outputs = { tool_outputs: [{ tool_call_id: 'call_a', output: '42' }] };
    const submit = (backend: typeof p.backendA) =>
      p.record(
        backend.streaming!.submitToolOutputs(p.thread.id, run.id, outputs, { idempotencyKey: 's' }),
      );
    submit(p.backendA);
    p.advance(35);
    const again = submit(p.backendB);
    p.advance(200);

    expect(again.end.done).toBe(true);
    expect(again.names().at(-1)).toBe('thread.run.completed');
    expect(streamedText(again.events)).toBe(WORDS.join(''));
    // The turn ran once, where the first submit took the run up.
    expect([p.a.requests.length, p.b.requests.length]).toEqual([2, 0]);
  });
});
