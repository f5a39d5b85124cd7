import { describe, expect, it } from 'vitest';
import {
  concat,
  concatMap,
  from,
  map,
  NEVER,
  of,
  type Observable,
  type SchedulerLike,
  timer,
} from 'rxjs';
import type { AssistantsBackend, Page } from '../../src/backend';
import { BackendError } from '../../src/errors/BackendError';
import {
  localBackend,
  type LocalBackendConfig,
  memoryStore,
  type ModelEvent,
  type StoredKind,
} from '../../src/local';
import { testScheduler } from '../support/scheduler';
import { say, scriptedModel } from './scriptedModel';
import { ok, settle } from '../support/settle';
import { recordsOf } from '../support/storeRecords';

type Turn = Parameters<typeof scriptedModel>[0][number];
type Call = (b: AssistantsBackend) => Observable<unknown>;

const KINDS: StoredKind[] = ['assistant', 'thread', 'message', 'run', 'step'];

/** Ids `asst_1`, `thread_1`, `msg_1`... so that tests can name them. */
const counterIds = () => {
  const counts = new Map<string, number>();
  return (prefix: string) => {
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    return `${prefix}_${counts.get(prefix)}`;
  };
};

/** `events` after `ms` of the scheduler. */
const later = (scheduler: SchedulerLike, ms: number, events: ModelEvent[]) => () =>
  timer(ms, scheduler).pipe(concatMap(() => from(events)));

const ids = (page: { data: Array<{ id: string }> }) => page.data.map((item) => item.id);
const deleted = (id: string, object: string) => ({ id, object, deleted: true });

const TWO_CALLS: ModelEvent[] = [
  { type: 'tool_call', index: 0, id: 'call_a', name: 'add', arguments: '{"a":1}' },
  { type: 'tool_call', index: 1, id: 'call_b', name: 'add', arguments: '{"a":2}' },
];

/**
 * A local backend on a virtual clock that the test moves with `advanceTo`,
 * counter ids, a memory store and a scripted model.
 */
function world(
  turns: (scheduler: SchedulerLike) => Turn[] = () => [say('Hello.')],
  config: Partial<LocalBackendConfig> = {},
) {
  const scheduler = testScheduler();
  const store = memoryStore();
  const script = scriptedModel(turns(scheduler));
  const backend = localBackend({
    model: script.model,
    scheduler,
    store,
    ids: counterIds(),
    ...config,
  });
  /** Runs every action due by `time` (ms) and leaves the clock there. */
  const advanceTo = (time: number) => {
    scheduler.schedule(() => undefined, time - scheduler.frame);
    scheduler.maxFrames = time;
    scheduler.flush();
  };
  /** Every stored record, and how many actions wait on the scheduler. */
  const snapshot = () =>
    structuredClone({
      records: KINDS.map((k) => recordsOf(store, k)),
      pending: scheduler.actions.length,
    });
  /** Expects `request` to fail with a BackendError, and to change nothing. */
  const refused = (request: Observable<unknown>, status: number, param: string | null) => {
    const before = snapshot();
    const outcome = settle(request);
    if (!('error' in outcome)) throw new Error(`expected a ${status}, got a result`);
    const error = outcome.error as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect([error.status, error.type, error.param]).toEqual([
      status,
      'invalid_request_error',
      param,
    ]);
    expect(snapshot()).toEqual(before);
    return error;
  };
  const status = (threadId: string, runId: string) =>
    ok(backend.runs.retrieve(threadId, runId)).run.status;
  return { ...script, backend, scheduler, store, advanceTo, snapshot, refused, status };
}

/** asst_1; thread_1 (msg_1) with run_1 completed (step_1, msg_2); thread_2 with run_2 (step_2, msg_3). */
function seeded() {
  const w = world();
  const b = w.backend;
  ok(b.assistants.create({ model: 'm' }));
  ok(b.threads.create({ messages: [{ role: 'user', content: 'Hi' }] }));
  ok(b.runs.create('thread_1', { assistant_id: 'asst_1' }));
  ok(b.threads.create());
  ok(b.runs.create('thread_2', { assistant_id: 'asst_1' }));
  w.advanceTo(0);
  return w;
}

describe('localBackend: the seeded fixture', () => {
  it('holds the objects the error tests name', () => {
    const { store } = seeded();
    const runs = recordsOf(store, 'run').map((r) => `${r.id} ${r.thread_id} ${r.status}`);
    expect(runs).toEqual(['run_1 thread_1 completed', 'run_2 thread_2 completed']);
    expect(recordsOf(store, 'step').map((s) => `${s.id} ${s.run_id}`)).toEqual([
      'step_1 run_1',
      'step_2 run_2',
    ]);
    const messages = recordsOf(store, 'message').map((m) => `${m.id} ${m.thread_id}`);
    expect(messages).toEqual(['msg_1 thread_1', 'msg_2 thread_1', 'msg_3 thread_2']);
  });
});

/** `{ param: { name: call } }` as it.each rows. */
const table = (byParam: Record<string, Record<string, Call>>) =>
  Object.entries(byParam).flatMap(([param, calls]) =>
    Object.entries(calls).map(([name, call]) => ({ name, param, call })),
  );

describe('localBackend: unknown ids are 404s naming the id parameter', () => {
  const T = 'thread_x';
  const cases = table({
    assistant_id: {
      'assistants.retrieve': (b) => b.assistants.retrieve('asst_x'),
      'assistants.update': (b) => b.assistants.update('asst_x', {}),
      'assistants.delete': (b) => b.assistants.delete('asst_x'),
      'runs.create': (b) => b.runs.create('thread_1', { assistant_id: 'asst_x' }),
      'threads.createAndRun': (b) => b.threads.createAndRun({ assistant_id: 'asst_x' }),
    },
    thread_id: {
      'threads.retrieve': (b) => b.threads.retrieve(T),
      'threads.update': (b) => b.threads.update(T, {}),
      'threads.delete': (b) => b.threads.delete(T),
      'messages.create': (b) => b.messages.create(T, { role: 'user', content: 'x' }),
      'messages.retrieve': (b) => b.messages.retrieve(T, 'msg_1'),
      'messages.update': (b) => b.messages.update(T, 'msg_1', {}),
      'messages.list': (b) => b.messages.list(T),
      'messages.delete': (b) => b.messages.delete(T, 'msg_1'),
      'runs.create': (b) => b.runs.create(T, { assistant_id: 'asst_1' }),
      'runs.retrieve': (b) => b.runs.retrieve(T, 'run_1'),
      'runs.update': (b) => b.runs.update(T, 'run_1', {}),
      'runs.list': (b) => b.runs.list(T),
      'runs.cancel': (b) => b.runs.cancel(T, 'run_1'),
      'runs.submitToolOutputs': (b) => b.runs.submitToolOutputs(T, 'run_1', { tool_outputs: [] }),
      'steps.retrieve': (b) => b.steps.retrieve(T, 'run_1', 'step_1'),
      'steps.list': (b) => b.steps.list(T, 'run_1'),
    },
    message_id: {
      'messages.retrieve': (b) => b.messages.retrieve('thread_1', 'msg_x'),
      'messages.retrieve (of another thread)': (b) => b.messages.retrieve('thread_1', 'msg_3'),
      'messages.update': (b) => b.messages.update('thread_1', 'msg_x', {}),
      'messages.delete (of another thread)': (b) => b.messages.delete('thread_1', 'msg_3'),
    },
    run_id: {
      'runs.retrieve': (b) => b.runs.retrieve('thread_1', 'run_x'),
      'runs.retrieve (of another thread)': (b) => b.runs.retrieve('thread_1', 'run_2'),
      'runs.update (of another thread)': (b) => b.runs.update('thread_1', 'run_2', {}),
      'runs.cancel (of another thread)': (b) => b.runs.cancel('thread_1', 'run_2'),
      'runs.submitToolOutputs': (b) =>
        b.runs.submitToolOutputs('thread_1', 'run_x', { tool_outputs: [] }),
      'steps.list (of a run of another thread)': (b) => b.steps.list('thread_1', 'run_2'),
      'steps.retrieve': (b) => b.steps.retrieve('thread_1', 'run_x', 'step_1'),
    },
    step_id: {
      'steps.retrieve': (b) => b.steps.retrieve('thread_1', 'run_1', 'step_x'),
      'steps.retrieve (of another run)': (b) => b.steps.retrieve('thread_1', 'run_1', 'step_2'),
    },
  });
  it.each(cases)('$name → 404 $param', ({ call, param }) => {
    const w = seeded();
    w.refused(call(w.backend), 404, param);
  });
});

const asst = (fields: object) => (b: AssistantsBackend) =>
  b.assistants.create({ model: 'm', ...fields } as never);
const message = (fields: object) => (b: AssistantsBackend) =>
  b.messages.create('thread_1', { role: 'user', content: 'x', ...fields } as never);
const run = (fields: object) => (b: AssistantsBackend) =>
  b.runs.create('thread_1', { assistant_id: 'asst_1', ...fields } as never);
const createAndRun = (fields: object) => (b: AssistantsBackend) =>
  b.threads.createAndRun({ assistant_id: 'asst_1', ...fields } as never);
const messages = (query: object) => (b: AssistantsBackend) =>
  b.messages.list('thread_1', query as never);
const functionNamed = (name: string) => [{ type: 'function', function: { name } }];
const ONE_MESSAGE = { messages: [{ role: 'user', content: 'hi' }] };

describe('localBackend: malformed parameters are 400s naming the field, and store nothing', () => {
  const cases = table({
    model: {
      'an assistant without model': (b) => b.assistants.create({} as never),
      'a model that is not a string': asst({ model: 42 }),
    },
    name: { 'a name over 256 characters': asst({ name: 'n'.repeat(257) }) },
    temperature: {
      'temperature 3': asst({ temperature: 3 }),
      'temperature 3 in an update': (b) => b.assistants.update('asst_1', { temperature: 3 }),
    },
    tools: {
      'tools that are not an array': asst({ tools: 'all' }),
      '129 tools': asst({ tools: Array(129).fill({ type: 'code_interpreter' }) }),
    },
    'tools[0].type': { 'a tool of unknown type': asst({ tools: [{ type: 'browser' }] }) },
    'tools[0].function.name': { 'a bad function name': asst({ tools: functionNamed('a b') }) },
    role: { 'a system message': message({ role: 'system' }) },
    content: {
      'a message without content': message({ content: undefined }),
      'an empty content array': message({ content: [] }),
    },
    'content[0].type': { 'an unknown content part': message({ content: [{ type: 'video' }] }) },
    messages: {
      'thread messages not in an array': (b) => b.threads.create({ messages: 'hi' } as never),
    },
    'messages[1].role': {
      'a thread with one bad message': (b) =>
        b.threads.create({
          messages: [...ONE_MESSAGE.messages, { role: 'system', content: 'x' }],
        } as never),
    },
    max_completion_tokens: {
      'max_completion_tokens 10': run({ max_completion_tokens: 10 }),
      'a create-and-run with a bad run field': createAndRun({
        thread: ONE_MESSAGE,
        max_completion_tokens: 10,
      }),
    },
    'thread.messages[0].role': {
      'a create-and-run with a bad message': createAndRun({
        thread: { messages: [{ role: 'bot', content: 'x' }] },
      }),
    },
    'truncation_strategy.type': {
      'a bad truncation type': run({ truncation_strategy: { type: 'first' } }),
    },
    tool_choice: { 'a bad tool_choice': run({ tool_choice: 'sometimes' }) },
    assistant_id: { 'a run without assistant_id': (b) => b.runs.create('thread_1', {} as never) },
    limit: {
      'limit 0': messages({ limit: 0 }),
      'limit 101': (b) => b.assistants.list({ limit: 101 }),
      'limit 2.5': (b) => b.runs.list('thread_1', { limit: 2.5 }),
    },
    order: { "order 'up'": messages({ order: 'up' }) },
    after: { 'an unknown after cursor': messages({ after: 'msg_x' }) },
    before: {
      'a before cursor of another run': (b) =>
        b.steps.list('thread_1', 'run_1', { before: 'step_2' }),
    },
  });
  it.each(cases)('$name → 400 $param', ({ call, param }) => {
    const w = seeded();
    const threads = recordsOf(w.store, 'thread').length;
    w.refused(call(w.backend), 400, param);
    expect(recordsOf(w.store, 'thread')).toHaveLength(threads);
  });
});

describe('localBackend: metadata limits', () => {
  type Target = (b: AssistantsBackend, metadata: object) => Observable<{ metadata: unknown }>;
  const targets: Record<string, Target> = {
    'assistants.create': (b, metadata) => asst({ metadata })(b),
    'assistants.update': (b, metadata) => b.assistants.update('asst_1', { metadata } as never),
    'threads.create': (b, metadata) => b.threads.create({ metadata } as never),
    'threads.update': (b, metadata) => b.threads.update('thread_1', { metadata } as never),
    'messages.create': (b, metadata) => message({ metadata })(b),
    'messages.update': (b, metadata) =>
      b.messages.update('thread_1', 'msg_1', { metadata } as never),
    'runs.create': (b, metadata) => run({ metadata })(b),
    'runs.update': (b, metadata) => b.runs.update('thread_1', 'run_1', { metadata } as never),
  };
  const keys = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
  const bad: Record<string, object> = {
    '17 keys': keys(17),
    'a 65-character key': { ['k'.repeat(65)]: 'v' },
    'a 513-character value': { k: 'v'.repeat(513) },
    'a non-string value': { k: 1 },
  };
  const refusals = Object.keys(targets).flatMap((target) =>
    Object.keys(bad).map((limit) => ({ target, limit })),
  );

  it.each(refusals)('$target refuses $limit with 400 metadata', ({ target, limit }) => {
    const w = seeded();
    w.refused(targets[target]!(w.backend, bad[limit]!), 400, 'metadata');
  });

  it.each(Object.keys(targets))(
    '%s takes 16 keys, a 64-character key and a 512-character value',
    (target) => {
      const w = seeded();
      const edge = { ...keys(15), ['k'.repeat(64)]: 'v'.repeat(512) };
      expect(Object.keys(edge)).toHaveLength(16);
      expect(ok(targets[target]!(w.backend, edge)).metadata).toEqual(edge);
    },
  );
});

/** asst_1, thread_1 and run_1, whose first turn asks for call_a and call_b at 10 ms. */
function toolRun() {
  const w = world((s) => [later(s, 10, TWO_CALLS), say('Done.')]);
  ok(w.backend.assistants.create({ model: 'm' }));
  ok(w.backend.threads.create());
  ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }));
  return w;
}
const outputs = (...ids: string[]) => ({
  tool_outputs: ids.map((id) => ({ tool_call_id: id, output: `out ${id}` })),
});

describe('localBackend: tool outputs and cancel', () => {
  it('refuses outputs outside requires_action, and cancelling a run that is cancelling or ended', () => {
    const w = toolRun();
    const submit = () =>
      w.backend.runs.submitToolOutputs('thread_1', 'run_1', outputs('call_a', 'call_b'));
    expect(w.status('thread_1', 'run_1')).toBe('queued');
    w.refused(submit(), 400, null);
    w.advanceTo(0);
    expect(w.status('thread_1', 'run_1')).toBe('in_progress');
    w.refused(submit(), 400, null);
    w.advanceTo(10);
    expect(w.status('thread_1', 'run_1')).toBe('requires_action');
    expect(ok(submit()).status).toBe('queued');
    w.advanceTo(10);
    expect(w.status('thread_1', 'run_1')).toBe('completed');
    w.refused(submit(), 400, null);
    w.refused(w.backend.runs.cancel('thread_1', 'run_1'), 400, null);

    ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }));
    expect(ok(w.backend.runs.cancel('thread_1', 'run_2')).status).toBe('cancelling');
    w.refused(w.backend.runs.cancel('thread_1', 'run_2'), 400, null);
  });

  it.each([
    { name: 'missing a call', params: outputs('call_a') },
    { name: 'naming an unknown call', params: outputs('call_a', 'call_b', 'call_z') },
    { name: 'giving one call twice', params: outputs('call_a', 'call_a', 'call_b') },
    { name: 'not an array', params: { tool_outputs: 'call_a' } },
  ])('refuses outputs $name with 400 tool_outputs, then takes the right ones', ({ params }) => {
    const w = toolRun();
    w.advanceTo(10);
    w.refused(
      w.backend.runs.submitToolOutputs('thread_1', 'run_1', params as never),
      400,
      'tool_outputs',
    );
    expect(w.status('thread_1', 'run_1')).toBe('requires_action');
    ok(w.backend.runs.submitToolOutputs('thread_1', 'run_1', outputs('call_b', 'call_a')));
    w.advanceTo(10);
    expect(w.status('thread_1', 'run_1')).toBe('completed');
    expect(w.requests[1]!.messages.slice(-2)).toEqual([
      { role: 'tool', toolCallId: 'call_a', content: 'out call_a' },
      { role: 'tool', toolCallId: 'call_b', content: 'out call_b' },
    ]);
  });
});

describe('localBackend: one active run per thread', () => {
  it.each(['queued', 'in_progress', 'requires_action', 'cancelling'])(
    'refuses a message or a run while the run is %s, and takes both once it ends',
    (state) => {
      const w = toolRun();
      const b = w.backend;
      if (state !== 'queued') w.advanceTo(state === 'requires_action' ? 10 : 0);
      if (state === 'cancelling') ok(b.runs.cancel('thread_1', 'run_1'));
      expect(w.status('thread_1', 'run_1')).toBe(state);
      const newMessage = () => b.messages.create('thread_1', { role: 'user', content: 'more' });
      const newRun = () => b.runs.create('thread_1', { assistant_id: 'asst_1' });
      expect(w.refused(newMessage(), 400, 'thread_id').message).toContain('run_1');
      expect(w.refused(newRun(), 400, 'thread_id').message).toContain('run_1');
      // Other threads are not concerned.
      ok(b.threads.create());
      expect(ok(b.messages.create('thread_2', { role: 'user', content: 'hi' })).thread_id).toBe(
        'thread_2',
      );

      if (state !== 'cancelling') ok(b.runs.cancel('thread_1', 'run_1'));
      w.advanceTo(w.scheduler.frame);
      expect(w.status('thread_1', 'run_1')).toBe('cancelled');
      expect(ok(newMessage()).thread_id).toBe('thread_1');
      expect(ok(newRun()).id).toBe('run_2');
    },
  );

  it('takes a message and a run once the run completes', () => {
    const w = seeded();
    expect(ok(w.backend.messages.create('thread_1', { role: 'user', content: 'more' })).id).toBe(
      'msg_4',
    );
    expect(ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' })).id).toBe('run_3');
  });
});

describe('localBackend: exact pagination', () => {
  const msgs = (...n: number[]) => n.map((i) => `msg_${i}`);
  const page = (p: Page<{ id: string }>) => ({ ...p, data: ids(p) });
  const expected = (data: string[], has_more: boolean) => ({
    data,
    has_more,
    first_id: data[0] ?? null,
    last_id: data.at(-1) ?? null,
  });

  it('pages messages with limit, order, after and before, even within one second', () => {
    const w = world();
    const b = w.backend;
    ok(b.threads.create());
    for (let i = 1; i <= 7; i++)
      ok(b.messages.create('thread_1', { role: 'user', content: `m${i}` }));
    const list = (query: object) => ok(b.messages.list('thread_1', query));

    expect(page(list({ limit: 3, order: 'asc' }))).toEqual(expected(msgs(1, 2, 3), true));
    expect(page(list({ limit: 3, order: 'asc', after: 'msg_3' }))).toEqual(
      expected(msgs(4, 5, 6), true),
    );
    expect(page(list({ limit: 3, order: 'asc', after: 'msg_6' }))).toEqual(
      expected(msgs(7), false),
    );
    expect(page(list({ order: 'asc', after: 'msg_7' }))).toEqual(expected([], false));
    // desc by default
    expect(page(list({}))).toEqual(expected(msgs(7, 6, 5, 4, 3, 2, 1), false));
    expect(page(list({ limit: 3 }))).toEqual(expected(msgs(7, 6, 5), true));
    expect(page(list({ limit: 3, after: 'msg_5' }))).toEqual(expected(msgs(4, 3, 2), true));
    // before: the items right before the cursor, in the list's order
    expect(page(list({ order: 'asc', before: 'msg_5', limit: 2 }))).toEqual(
      expected(msgs(3, 4), true),
    );
    expect(page(list({ before: 'msg_3' }))).toEqual(expected(msgs(7, 6, 5, 4), false));
    const between = { order: 'asc', after: 'msg_1', before: 'msg_6' };
    expect(page(list({ ...between, limit: 2 }))).toEqual(expected(msgs(2, 3), true));
    expect(page(list({ ...between, limit: 10 }))).toEqual(expected(msgs(2, 3, 4, 5), false));
  });

  it('filters messages by run_id, and lists runs and steps in creation order', () => {
    const w = world((s) => [later(s, 0, TWO_CALLS), say('Done.')]);
    const b = w.backend;
    ok(b.assistants.create({ model: 'm' }));
    ok(b.threads.create({ messages: [{ role: 'user', content: 'Hi' }] }));
    ok(b.runs.create('thread_1', { assistant_id: 'asst_1' }));
    w.advanceTo(0);
    ok(b.runs.submitToolOutputs('thread_1', 'run_1', outputs('call_a', 'call_b')));
    w.advanceTo(0);
    expect(w.status('thread_1', 'run_1')).toBe('completed');
    expect(ids(ok(b.messages.list('thread_1', { run_id: 'run_1' })))).toEqual(['msg_2']);
    expect(ids(ok(b.messages.list('thread_1')))).toEqual(['msg_2', 'msg_1']);

    const steps = ok(b.steps.list('thread_1', 'run_1'));
    expect(steps.data.map((s) => [s.id, s.type])).toEqual([
      ['step_2', 'message_creation'],
      ['step_1', 'tool_calls'],
    ]);
    const firstStep = ok(b.steps.list('thread_1', 'run_1', { order: 'asc', limit: 1 }));
    expect([ids(firstStep), firstStep.has_more]).toEqual([['step_1'], true]);

    ok(b.runs.create('thread_1', { assistant_id: 'asst_1' }));
    expect(ids(ok(b.runs.list('thread_1')))).toEqual(['run_2', 'run_1']);
    expect(ids(ok(b.runs.list('thread_1', { order: 'asc', limit: 1 })))).toEqual(['run_1']);
  });
});

describe('localBackend: deletes', () => {
  it('deleting a thread removes its messages, runs and steps, and only those', () => {
    const w = seeded();
    const b = w.backend;
    expect(ok(b.threads.delete('thread_1'))).toEqual(deleted('thread_1', 'thread.deleted'));
    for (const call of [
      b.threads.retrieve('thread_1'),
      b.threads.delete('thread_1'),
      b.messages.retrieve('thread_1', 'msg_1'),
      b.messages.retrieve('thread_1', 'msg_2'),
      b.runs.retrieve('thread_1', 'run_1'),
      b.steps.retrieve('thread_1', 'run_1', 'step_1'),
    ])
      w.refused(call, 404, 'thread_id');
    expect(KINDS.map((k) => recordsOf(w.store, k).map((r) => r.id))).toEqual([
      ['asst_1'],
      ['thread_2'],
      ['msg_3'],
      ['run_2'],
      ['step_2'],
    ]);
    expect(ok(b.steps.retrieve('thread_2', 'run_2', 'step_2')).id).toBe('step_2');
  });

  /** thread_1 whose run_1 writes msg_1: 'Part' at once, and would add 'rest' at 50 ms. */
  const writing = () => {
    const text = (delta: string): ModelEvent => ({ type: 'text', delta });
    const w = world((s) => [
      () => concat(of(text('Part')), timer(50, s).pipe(map(() => text('rest')))),
    ]);
    ok(w.backend.assistants.create({ model: 'm' }));
    ok(w.backend.threads.create());
    ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }));
    w.advanceTo(10);
    expect([w.status('thread_1', 'run_1'), w.unsubscribed]).toEqual(['in_progress', [false]]);
    expect(ok(w.backend.messages.retrieve('thread_1', 'msg_1')).status).toBe('in_progress');
    return w;
  };

  it('deleting a thread stops its active run: the model is unsubscribed and nothing happens after', () => {
    const w = writing();
    ok(w.backend.threads.delete('thread_1'));
    expect(w.unsubscribed).toEqual([true]);
    expect(w.scheduler.actions).toEqual([]);
    const after = w.snapshot();
    w.advanceTo(1_000_000);
    expect(w.snapshot()).toEqual(after);
    expect(KINDS.map((k) => recordsOf(w.store, k).length)).toEqual([1, 0, 0, 0, 0]);
    expect(w.requests).toHaveLength(1);
  });

  it('refuses to delete the message an active run is writing, and deletes it once the run ends', () => {
    const w = writing();
    w.refused(w.backend.messages.delete('thread_1', 'msg_1'), 400, 'message_id');
    w.advanceTo(50);
    expect(w.status('thread_1', 'run_1')).toBe('completed');
    expect(ok(w.backend.messages.retrieve('thread_1', 'msg_1')).content).toEqual([
      { type: 'text', text: { value: 'Partrest', annotations: [] } },
    ]);
    expect(ok(w.backend.messages.delete('thread_1', 'msg_1')).deleted).toBe(true);
  });

  it('deletes a message and an assistant: later reads are 404s', () => {
    const w = seeded();
    const b = w.backend;
    expect(ok(b.messages.delete('thread_1', 'msg_1'))).toEqual(
      deleted('msg_1', 'thread.message.deleted'),
    );
    w.refused(b.messages.retrieve('thread_1', 'msg_1'), 404, 'message_id');
    w.refused(b.messages.delete('thread_1', 'msg_1'), 404, 'message_id');
    expect(ids(ok(b.messages.list('thread_1')))).toEqual(['msg_2']);
    expect(ok(b.assistants.delete('asst_1'))).toEqual(deleted('asst_1', 'assistant.deleted'));
    w.refused(b.assistants.retrieve('asst_1'), 404, 'assistant_id');
    w.refused(b.runs.create('thread_1', { assistant_id: 'asst_1' }), 404, 'assistant_id');
  });
});

describe('localBackend: ids', () => {
  const shape = (prefix: string) => new RegExp(`^${prefix}_[0-9A-Za-z]{24}$`);

  it('gives every kind of object a random id with its prefix', () => {
    const w = world(
      () => [[{ type: 'tool_call', index: 0, name: 'f', arguments: '{}' }], say('Done.')],
      { ids: undefined },
    );
    const b = w.backend;
    const assistant = ok(b.assistants.create({ model: 'm' }));
    const thread = ok(b.threads.create({ messages: [{ role: 'user', content: 'Hi' }] }));
    const run = ok(b.runs.create(thread.id, { assistant_id: assistant.id }));
    w.advanceTo(0);
    const call = ok(b.runs.retrieve(thread.id, run.id)).run.required_action!.submit_tool_outputs
      .tool_calls[0]!;
    ok(
      b.runs.submitToolOutputs(thread.id, run.id, {
        tool_outputs: [{ tool_call_id: call.id, output: '1' }],
      }),
    );
    w.advanceTo(0);
    expect(w.status(thread.id, run.id)).toBe('completed');
    const messages = ok(b.messages.list(thread.id)).data;
    const steps = ok(b.steps.list(thread.id, run.id)).data;
    const made: Array<[string, string]> = [
      ['asst', assistant.id],
      ['thread', thread.id],
      ['run', run.id],
      ['call', call.id],
      ...messages.map((m): [string, string] => ['msg', m.id]),
      ...steps.map((s): [string, string] => ['step', s.id]),
    ];
    expect(made).toHaveLength(8);
    for (const [prefix, id] of made) expect(id).toMatch(shape(prefix));
  });

  it('draws 200 distinct ids, using the whole alphabet', () => {
    const { backend: b } = world(() => [say('x')], { ids: undefined });
    const ids = Array.from({ length: 200 }, () => ok(b.assistants.create({ model: 'm' })).id);
    for (const id of ids) expect(id).toMatch(shape('asst'));
    expect(new Set(ids).size).toBe(200);
    // 4 800 draws from 62 characters: the chance that one never shows up is about 1e-32.
    expect(new Set(ids.flatMap((id) => [...id.slice(5)])).size).toBe(62);
  });
});

describe('localBackend: nothing hangs', () => {
  it('expires a run whose model never answers exactly at expires_at, in virtual time', () => {
    const w = world(() => [() => NEVER], { limits: { runExpiresAfter: 1000 } });
    const b = w.backend;
    // Created at 2 500 ms, the run expires at 3 500 ms; expires_at is in seconds, as the API's.
    w.advanceTo(2500);
    ok(b.assistants.create({ model: 'm' }));
    ok(b.threads.create());
    const created = ok(b.runs.create('thread_1', { assistant_id: 'asst_1' }));
    expect([created.created_at, created.expires_at]).toEqual([2, 3]);
    w.advanceTo(3499);
    expect([w.status('thread_1', 'run_1'), w.unsubscribed]).toEqual(['in_progress', [false]]);
    w.advanceTo(3500);
    const { run } = ok(b.runs.retrieve('thread_1', 'run_1'));
    expect([run.status, run.expires_at, w.unsubscribed]).toEqual(['expired', 3, [true]]);
    expect(w.scheduler.actions).toEqual([]);
    expect(ok(b.messages.create('thread_1', { role: 'user', content: 'again' })).id).toBe('msg_1');
  });
});
