import { describe, expect, it } from 'vitest';
import { concat, map, type Observable, type SchedulerLike, timer } from 'rxjs';
import type { AssistantsBackend } from '../../src/backend';
import type { AssistantStreamEvent } from '../../src/backend/types';
import { BackendError } from '../../src/errors/BackendError';
import { localBackend, type LocalLimits, memoryStore, type ModelEvent } from '../../src/local';
import { testScheduler } from '../support/scheduler';
import { counterIds, say, scriptedModel } from './scriptedModel';
import { ok, settle } from '../support/settle';
import { recordsOf } from '../support/storeRecords';

type Turn = Parameters<typeof scriptedModel>[0][number];

const failure = (request: Observable<unknown>): BackendError => {
  const outcome = settle(request);
  if (!('error' in outcome)) throw new Error('expected an error, got a result');
  expect(outcome.error).toBeInstanceOf(BackendError);
  return outcome.error as BackendError;
};

/** `Hel` at 10 ms and `lo.` at 20 ms of the scheduler: a message written in two deltas. */
const slowHello =
  (s: SchedulerLike): Turn =>
  () =>
    concat(
      timer(10, s).pipe(map((): ModelEvent => ({ type: 'text', delta: 'Hel' }))),
      timer(10, s).pipe(map((): ModelEvent => ({ type: 'text', delta: 'lo.' }))),
    );

/** Two tool calls at 10 ms. */
const toolCalls =
  (s: SchedulerLike): Turn =>
  () =>
    timer(10, s).pipe(
      map((): ModelEvent => ({
        type: 'tool_call',
        index: 0,
        id: 'call_a',
        name: 'add',
        arguments: '{"a":1}',
      })),
    );

/**
 * A local backend on a virtual clock moved by `advanceTo`, with counter ids
 * (`asst_1`, `thread_1`, `run_1`...), one assistant and one thread.
 */
function world(turns: (s: SchedulerLike) => Turn[] = () => [say('Hello.')], limits?: LocalLimits) {
  const scheduler = testScheduler();
  // A store of its own keeps its own count of keys: the limit's, here.
  const store = memoryStore({ maxKeptResponses: limits?.idempotencyKeys });
  const script = scriptedModel(turns(scheduler));
  const backend = localBackend({
    model: script.model,
    scheduler,
    store,
    ids: counterIds(),
    limits,
  });
  const advanceTo = (time: number) => {
    scheduler.schedule(() => undefined, time - scheduler.frame);
    scheduler.maxFrames = time;
    scheduler.flush();
  };
  ok(backend.assistants.create({ model: 'm' }));
  ok(backend.threads.create());
  const count = () => ({
    assistants: recordsOf(store, 'assistant').length,
    threads: recordsOf(store, 'thread').length,
    messages: recordsOf(store, 'message').length,
    runs: recordsOf(store, 'run').length,
  });
  return { backend, scheduler, store, advanceTo, count, requests: script.requests };
}

/** Records a stream's events by name, and how it ended. */
function record(stream: Observable<AssistantStreamEvent>) {
  const events: AssistantStreamEvent[] = [];
  const end: { state: 'open' | 'complete' | 'error'; error?: unknown } = { state: 'open' };
  const subscription = stream.subscribe({
    next: (event) => events.push(event),
    error: (error: unknown) => Object.assign(end, { state: 'error', error }),
    complete: () => (end.state = 'complete'),
  });
  const names = () => events.map((e) => e.event);
  return { events, names, end, subscription };
}

const key = (name: string) => ({ idempotencyKey: name });

/** Every write of the port, with a body and another body of the same operation. */
const writes: Array<{
  name: string;
  call: (b: AssistantsBackend, variant: number) => Observable<unknown>;
}> = [
  {
    name: 'assistants.create',
    call: (b, v) => b.assistants.create({ model: 'm', name: `a${v}` }, key('k')),
  },
  {
    name: 'assistants.update',
    call: (b, v) => b.assistants.update('asst_1', { name: `a${v}` }, key('k')),
  },
  {
    name: 'threads.create',
    call: (b, v) => b.threads.create({ metadata: { v: `${v}` } }, key('k')),
  },
  {
    name: 'threads.update',
    call: (b, v) => b.threads.update('thread_1', { metadata: { v: `${v}` } }, key('k')),
  },
  {
    name: 'threads.createAndRun',
    call: (b, v) => b.threads.createAndRun({ assistant_id: 'asst_1', model: `m${v}` }, key('k')),
  },
  {
    name: 'messages.create',
    call: (b, v) => b.messages.create('thread_1', { role: 'user', content: `hi ${v}` }, key('k')),
  },
  {
    name: 'runs.create',
    call: (b, v) => b.runs.create('thread_1', { assistant_id: 'asst_1', model: `m${v}` }, key('k')),
  },
];

describe('localBackend: Idempotency-Key on writes', () => {
  it.each(writes)('$name: the same key and body answer the first response, once', ({ call }) => {
    const w = world();
    const first = ok(call(w.backend, 1));
    const after = w.count();
    const again = ok(call(w.backend, 1));
    expect(again).toBe(first);
    expect(w.count()).toEqual(after);
  });

  it.each(writes)('$name: the same key with another body is a 409', ({ call }) => {
    const w = world();
    ok(call(w.backend, 1));
    const after = w.count();
    const error = failure(call(w.backend, 2));
    expect([error.status, error.type, error.code, error.param]).toEqual([
      409,
      'invalid_request_error',
      'idempotency_key_reused',
      null,
    ]);
    expect(error.message).toContain("'k'");
    expect(error.message).toContain('different request');
    expect(w.count()).toEqual(after);
  });

  it('creates one run for a repeated runs.create, and lists one', () => {
    const w = world();
    const first = ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }, key('r')));
    const again = ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }, key('r')));
    expect(again).toBe(first);
    expect(ok(w.backend.runs.list('thread_1')).data.map((r) => r.id)).toEqual(['run_1']);
  });

  it('does not act again: a repeated update answers the first value, not the latest', () => {
    const w = world();
    const first = ok(w.backend.threads.update('thread_1', { metadata: { v: '1' } }, key('u')));
    ok(w.backend.threads.update('thread_1', { metadata: { v: '2' } }));
    expect(ok(w.backend.threads.update('thread_1', { metadata: { v: '1' } }, key('u')))).toBe(
      first,
    );
    expect(ok(w.backend.threads.retrieve('thread_1')).metadata).toEqual({ v: '2' });
  });

  it('refuses the same key on another operation or other path ids', () => {
    const w = world();
    ok(w.backend.threads.create({}, key('k')));
    expect(failure(w.backend.assistants.create({ model: 'm' }, key('k'))).status).toBe(409);
    ok(w.backend.threads.update('thread_1', {}, key('t')));
    expect(failure(w.backend.threads.update('thread_2', {}, key('t'))).code).toBe(
      'idempotency_key_reused',
    );
  });

  it('treats a streaming and a plain request as different requests', () => {
    const w = world();
    ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }, key('s')));
    const stream = record(
      w.backend.streaming!.createRun('thread_1', { assistant_id: 'asst_1' }, key('s')),
    );
    expect(stream.end.state).toBe('error');
    expect((stream.end.error as BackendError).code).toBe('idempotency_key_reused');
    expect(stream.events).toEqual([]);
  });

  it('acts without a key, or with an empty one, every time', () => {
    const w = world();
    ok(w.backend.threads.create({}));
    ok(w.backend.threads.create({}));
    ok(w.backend.threads.create({}, key('')));
    ok(w.backend.threads.create({}, key('')));
    expect(w.count().threads).toBe(5);
  });

  it('keeps no failure: a repeat of a failed request acts again', () => {
    const w = world();
    const create = () =>
      w.backend.runs.create('thread_1', { assistant_id: 'asst_2' }, key('later'));
    expect(failure(create()).status).toBe(404);
    ok(w.backend.assistants.create({ model: 'm' })); // asst_2 now exists
    const run = ok(create());
    expect(run.assistant_id).toBe('asst_2');
    expect(ok(create())).toBe(run);
    expect(w.count().runs).toBe(1);
  });

  it('keeps a key per backend: another backend acts on the same key', () => {
    const a = world();
    const b = world();
    const first = ok(a.backend.threads.create({}, key('k')));
    const other = ok(b.backend.threads.create({}, key('k')));
    expect(other).not.toBe(first);
    expect(b.count().threads).toBe(2);
  });
});

describe('localBackend: Idempotency-Key and runs in progress', () => {
  it('answers a repeated runs.submitToolOutputs with its first response, not a 400', () => {
    const w = world((s) => [toolCalls(s), say('Done.')]);
    ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }));
    w.advanceTo(10);
    const outputs = { tool_outputs: [{ tool_call_id: 'call_a', output: '2' }] };
    const submit = () => w.backend.runs.submitToolOutputs('thread_1', 'run_1', outputs, key('o'));
    const first = ok(submit());
    expect(first.status).toBe('queued');
    expect(ok(submit())).toBe(first);
    w.advanceTo(20);
    expect(ok(w.backend.runs.retrieve('thread_1', 'run_1')).run.status).toBe('completed');
    expect(ok(submit())).toBe(first);
    expect(w.requests).toHaveLength(2);
    // Without the key, the run refuses outputs as before.
    expect(failure(w.backend.runs.submitToolOutputs('thread_1', 'run_1', outputs)).status).toBe(
      400,
    );
  });

  it('answers a repeated runs.cancel with its first response', () => {
    const w = world((s) => [slowHello(s)]);
    ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }));
    const first = ok(w.backend.runs.cancel('thread_1', 'run_1', key('c')));
    expect(first.status).toBe('cancelling');
    w.advanceTo(0);
    expect(ok(w.backend.runs.cancel('thread_1', 'run_1', key('c')))).toBe(first);
    expect(failure(w.backend.runs.cancel('thread_1', 'run_1')).status).toBe(400);
  });
});

describe('localBackend: how long keys are kept', () => {
  it('forgets a key after 24 h of scheduler time by default', () => {
    const w = world();
    const first = ok(w.backend.threads.create({}, key('k')));
    w.advanceTo(86_400_000 - 1);
    expect(ok(w.backend.threads.create({}, key('k')))).toBe(first);
    w.advanceTo(86_400_000);
    const second = ok(w.backend.threads.create({}, key('k')));
    expect(second).not.toBe(first);
    expect(second.id).toBe('thread_3');
  });

  it('forgets a key after limits.idempotencyTtl; then the key takes another body', () => {
    const w = world(undefined, { idempotencyTtl: 1000 });
    ok(w.backend.threads.create({ metadata: { v: '1' } }, key('k')));
    w.advanceTo(999);
    expect(failure(w.backend.threads.create({ metadata: { v: '2' } }, key('k'))).status).toBe(409);
    w.advanceTo(1000);
    const other = ok(w.backend.threads.create({ metadata: { v: '2' } }, key('k')));
    expect(other.metadata).toEqual({ v: '2' });
  });

  it("keeps at most limits.idempotencyKeys keys in the runtime's own store, the oldest forgotten first", () => {
    const backend = localBackend({ scheduler: testScheduler(), limits: { idempotencyKeys: 2 } });
    const [k1, k2, k3] = ['k1', 'k2', 'k3'].map((k) => ok(backend.threads.create({}, key(k))));
    expect(ok(backend.threads.create({}, key('k3')))).toBe(k3);
    expect(ok(backend.threads.create({}, key('k2')))).toBe(k2);
    expect(ok(backend.threads.create({}, key('k1'))).id).not.toBe(k1!.id);
  });

  it('keeps at most maxKeptResponses keys in a memory store, the oldest forgotten first', () => {
    const w = world(undefined, { idempotencyKeys: 2 });
    const [k1, k2, k3] = ['k1', 'k2', 'k3'].map((k) => ok(w.backend.threads.create({}, key(k))));
    expect(ok(w.backend.threads.create({}, key('k3')))).toBe(k3);
    expect(ok(w.backend.threads.create({}, key('k2')))).toBe(k2);
    expect(w.count().threads).toBe(4);
    const again = ok(w.backend.threads.create({}, key('k1')));
    expect(again).not.toBe(k1);
    expect(w.count().threads).toBe(5);
  });

  it.each([
    { idempotencyKeys: 0 },
    { idempotencyKeys: 1.5 },
    { idempotencyKeys: Number.NaN },
    { idempotencyTtl: 0 },
    { idempotencyTtl: -1 },
    { idempotencyTtl: Number.POSITIVE_INFINITY },
  ])('refuses limits %o', (limits) => {
    expect(() => localBackend({ limits })).toThrow(TypeError);
    expect(() => localBackend({ limits })).toThrow(/limits\.idempotency/);
  });
});

const HELLO_STARTED = [
  'thread.run.created',
  'thread.run.queued',
  'thread.run.in_progress',
  'thread.run.step.created',
  'thread.run.step.in_progress',
  'thread.message.created',
  'thread.message.in_progress',
];
const HELLO_ENDED = [
  'thread.message.completed',
  'thread.run.step.completed',
  'thread.run.completed',
];
/** What a poller makes of the ended run: it never saw it, nor its step, in progress. */
const HELLO_STORY = [
  'thread.run.created',
  'thread.run.queued',
  'thread.run.in_progress',
  'thread.run.step.created',
  'thread.message.created',
  'thread.message.in_progress',
  ...HELLO_ENDED,
];

describe('localBackend: a repeated streaming request streams the existing run', () => {
  it('while the run is active: its state so far, then its live events to the end', () => {
    const w = world((s) => [slowHello(s)]);
    const params = { assistant_id: 'asst_1' };
    const first = record(w.backend.streaming!.createRun('thread_1', params, key('s')));
    w.advanceTo(15);
    const again = record(w.backend.streaming!.createRun('thread_1', params, key('s')));
    // The text written so far comes as one delta.
    expect(again.names()).toEqual([...HELLO_STARTED, 'thread.message.delta']);
    expect(again.end.state).toBe('open');
    w.advanceTo(30);
    expect(again.names()).toEqual([
      ...HELLO_STARTED,
      'thread.message.delta',
      'thread.message.delta',
      ...HELLO_ENDED,
    ]);
    const text = again.events.flatMap((e) =>
      e.event === 'thread.message.delta'
        ? (e.data.delta.content ?? []).map((part) => (part.type === 'text' ? part.text?.value : ''))
        : [],
    );
    expect(text).toEqual(['Hel', 'lo.']);
    expect(again.end.state).toBe('complete');
    expect(first.end.state).toBe('complete');
    expect(first.names().at(-1)).toBe('thread.run.completed');
    // The replay says what the run's stored state says.
    expect(again.events.at(-1)!.data).toEqual(first.events.at(-1)!.data);
    expect(w.count().runs).toBe(1);
    expect(w.requests).toHaveLength(1);
  });

  it('after the run ended: its whole story, once, then it completes', () => {
    const w = world((s) => [slowHello(s)]);
    const params = { assistant_id: 'asst_1' };
    record(w.backend.streaming!.createRun('thread_1', params, key('s')));
    w.advanceTo(30);
    const again = record(w.backend.streaming!.createRun('thread_1', params, key('s')));
    expect(again.names()).toEqual(HELLO_STORY);
    expect(again.end.state).toBe('complete');
    const message = again.events.find((e) => e.event === 'thread.message.completed')!;
    expect(message.data).toMatchObject({ content: [{ text: { value: 'Hello.' } }] });
    expect(w.count().runs).toBe(1);
  });

  it('a createThreadAndRun replay begins with thread.created, and makes no thread', () => {
    const w = world((s) => [slowHello(s)]);
    const params = { assistant_id: 'asst_1', thread: { messages: [] } };
    const first = record(w.backend.streaming!.createThreadAndRun(params, key('t')));
    w.advanceTo(30);
    const again = record(w.backend.streaming!.createThreadAndRun(params, key('t')));
    expect(again.names()).toEqual(['thread.created', ...HELLO_STORY]);
    expect(again.events[0]!.data).toEqual(first.events[0]!.data);
    expect(again.end.state).toBe('complete');
    expect(w.count()).toMatchObject({ threads: 2, runs: 1 });
  });

  it('ends after requires_action, as the first stream does; a repeated submit streams on', () => {
    const w = world((s) => [toolCalls(s), say('Done.')]);
    const params = { assistant_id: 'asst_1' };
    const first = record(w.backend.streaming!.createRun('thread_1', params, key('s')));
    w.advanceTo(10);
    expect(first.names().at(-1)).toBe('thread.run.requires_action');
    expect(first.end.state).toBe('complete');
    const again = record(w.backend.streaming!.createRun('thread_1', params, key('s')));
    expect(again.names()).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.step.created',
      'thread.run.step.in_progress',
      'thread.run.requires_action',
    ]);
    expect(again.end.state).toBe('complete');

    const outputs = { tool_outputs: [{ tool_call_id: 'call_a', output: '2' }] };
    const submit = () =>
      record(w.backend.streaming!.submitToolOutputs('thread_1', 'run_1', outputs, key('o')));
    const submitted = submit();
    expect(submitted.names()).toEqual(['thread.run.step.completed', 'thread.run.queued']);
    const resubmitted = submit();
    expect(resubmitted.end.state).toBe('open');
    w.advanceTo(20);
    expect(submitted.end.state).toBe('complete');
    expect(resubmitted.end.state).toBe('complete');
    expect(resubmitted.names().at(-1)).toBe('thread.run.completed');
    expect(resubmitted.names().filter((n) => n === 'thread.run.completed')).toHaveLength(1);
    expect(w.requests).toHaveLength(2);
    // After the end, a repeated submit streams the ended run instead of a 400.
    const late = submit();
    expect(late.end.state).toBe('complete');
    expect(late.names().at(-1)).toBe('thread.run.completed');
  });

  it('refuses the same key with another body before any event', () => {
    const w = world();
    record(w.backend.streaming!.createRun('thread_1', { assistant_id: 'asst_1' }, key('s')));
    const other = record(
      w.backend.streaming!.createRun('thread_1', { assistant_id: 'asst_1', model: 'x' }, key('s')),
    );
    expect(other.events).toEqual([]);
    expect(other.end.state).toBe('error');
    expect((other.end.error as BackendError).status).toBe(409);
  });

  it('keeps no failed stream: repeating it once the thread is free starts the run', () => {
    const w = world((s) => [slowHello(s)]);
    ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }));
    const params = { assistant_id: 'asst_1' };
    const refused = record(w.backend.streaming!.createRun('thread_1', params, key('s')));
    expect((refused.end.error as BackendError).status).toBe(400);
    w.advanceTo(30);
    const started = record(w.backend.streaming!.createRun('thread_1', params, key('s')));
    expect(started.names().slice(0, 2)).toEqual(['thread.run.created', 'thread.run.queued']);
    expect(started.events[0]!.data).toMatchObject({ id: 'run_2' });
  });
});
