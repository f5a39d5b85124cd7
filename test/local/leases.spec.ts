import { describe, expect, it } from 'vitest';
import { concat, NEVER, type Observable, of } from 'rxjs';
import {
  type AssistantsStore,
  localBackend,
  type LocalBackend,
  type LocalLimits,
  memoryStore,
  type ModelEvent,
  type ModelRequest,
} from '../../src/local';
import { mortal } from '../support/mortalScheduler';
import { testScheduler } from '../support/scheduler';
import { recordsOf } from '../support/storeRecords';
import { counterIds, say, scriptedModel } from './scriptedModel';

const TTL = 300;

/** Subscribes to `request` and runs the clock until it answers. */
function answer<T>(scheduler: ReturnType<typeof testScheduler>, request: Observable<T>): T {
  let value: { v: T } | undefined;
  request.subscribe((v) => (value = { v }));
  scheduler.flush();
  if (!value) throw new Error('no answer');
  return value.v;
}

/** Runs the virtual clock `ms` further. */
function advance(scheduler: ReturnType<typeof testScheduler>, ms: number) {
  const until = scheduler.now() + ms;
  scheduler.schedule(() => undefined, ms);
  scheduler.maxFrames = until;
  scheduler.flush();
}

const call: ModelEvent = {
  type: 'tool_call',
  index: 0,
  id: 'call_a',
  name: 'add',
  arguments: '{}',
};

/** Two runtimes on one store, as two processes on one database; the first can be killed. */
function cluster(store: AssistantsStore = memoryStore({ shared: true }), more: LocalLimits = {}) {
  const scheduler = testScheduler();
  scheduler.maxFrames = 0;
  const ids = counterIds();
  const first = mortal(scheduler);
  const a = scriptedModel([
    [call],
    // The second turn writes a little, then the process dies mid-turn.
    () => concat(of<ModelEvent>({ type: 'text', delta: 'Half an ans' }), NEVER),
  ]);
  const b = scriptedModel([say('The whole answer.')]);
  const limits = { runLeaseTtl: TTL, ...more };
  const tools = [{ type: 'function' as const, function: { name: 'add' } }];
  const backendA = localBackend({ store, scheduler: first.scheduler, model: a.model, ids, limits });
  const start = () => localBackend({ store, scheduler, model: b.model, ids, limits });
  /** A run created through A, on a new thread, waiting for its tool output. */
  const waitingRun = (messages: Array<{ role: 'user'; content: string }> = []) => {
    const assistant = answer(scheduler, backendA.assistants.create({ model: 'm', tools }));
    const thread = answer(scheduler, backendA.threads.create({ messages }));
    const run = answer(scheduler, backendA.runs.create(thread.id, { assistant_id: assistant.id }));
    advance(scheduler, 10);
    return { thread, run };
  };
  /** Sends the run's tool output through `backend`; emits the run queued. */
  const submit = (backend: LocalBackend, { thread, run }: ReturnType<typeof waitingRun>) =>
    answer(
      scheduler,
      backend.runs.submitToolOutputs(thread.id, run.id, {
        tool_outputs: [{ tool_call_id: 'call_a', output: '42' }],
      }),
    );
  return { scheduler, store, first, a, b, backendA, start, waitingRun, submit };
}

describe('runs that survive their process (a store that runtimes share)', () => {
  it('takes up a run whose process was killed mid-turn: its finished steps stay, the turn is redone', () => {
    const c = cluster();
    const waiting = c.waitingRun([{ role: 'user', content: 'Add them.' }]);
    const { thread, run } = waiting;
    expect(recordsOf(c.store, 'run')[0]?.status).toBe('requires_action');
    c.submit(c.backendA, waiting);
    advance(c.scheduler, 10);
    const partial = recordsOf(c.store, 'message').find((m) => m.role === 'assistant');
    expect(partial?.status).toBe('in_progress');
    const toolStep = recordsOf(c.store, 'step', run.id).find((s) => s.type === 'tool_calls');
    expect(toolStep?.status).toBe('completed');

    c.first.kill();
    const killedAt = c.scheduler.now();
    const backendB = c.start();
    let completedAt: number | undefined;
    for (let t = 0; t < 4 * TTL && completedAt === undefined; t += 10) {
      advance(c.scheduler, 10);
      if (recordsOf(c.store, 'run')[0]?.status === 'completed') completedAt = c.scheduler.now();
    }

    expect(completedAt).toBeDefined();
    // Taken up once the killed process's lease expired: within two lease periods.
    expect(completedAt! - killedAt).toBeLessThanOrEqual(2 * TTL);
    const steps = recordsOf(c.store, 'step', run.id);
    expect(steps.map((s) => `${s.type} ${s.status}`)).toEqual([
      'tool_calls completed',
      'message_creation completed',
    ]);
    expect(steps[0]?.id).toBe(toolStep?.id);
    const messages = recordsOf(c.store, 'message', thread.id).map(
      (m) => `${m.role}: ${m.content.map((p) => (p.type === 'text' ? p.text.value : '')).join('')}`,
    );
    expect(messages).toEqual(['user: Add them.', 'assistant: The whole answer.']);
    // The redone turn was asked with the calls and outputs of the run so far.
    const asked: ModelRequest = c.b.requests[0]!;
    expect(asked.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_a', name: 'add', arguments: '{}' }],
      },
      { role: 'tool', toolCallId: 'call_a', content: '42' },
    ]);
    void backendB.close().subscribe();
  });

  it('never takes up a run whose process is alive: its leases are renewed', () => {
    const c = cluster();
    const waiting = c.waitingRun();
    c.submit(c.backendA, waiting);
    // A's second turn goes on (and on); B checks for runs to take up all along.
    const backendB = c.start();
    advance(c.scheduler, 10 * TTL);

    expect(c.b.requests).toHaveLength(0);
    expect(c.a.requests).toHaveLength(2);
    expect(recordsOf(c.store, 'run')[0]?.status).toBe('in_progress');
    void backendB.close().subscribe();
    void c.backendA.close().subscribe();
  });

  it('holds a run that waits for tool outputs in no process: outputs sent through another runtime run its next turn there', () => {
    const c = cluster();
    const waiting = c.waitingRun();
    const backendB = c.start();
    advance(c.scheduler, 10 * TTL);
    // Both alive; neither takes the waiting run up by itself.
    expect(recordsOf(c.store, 'run')[0]?.status).toBe('requires_action');
    expect(c.b.requests).toHaveLength(0);

    const queued = c.submit(backendB, waiting);
    expect(queued.status).toBe('queued');
    advance(c.scheduler, 10);
    expect(recordsOf(c.store, 'run')[0]?.status).toBe('completed');
    expect([c.a.requests.length, c.b.requests.length]).toEqual([1, 1]);
    void backendB.close().subscribe();
    void c.backendA.close().subscribe();
  });

  it.each([
    ['with an event channel: its holder hears it at once', true],
    ['without one: its holder hears it as it renews its lease', false],
  ])('cancels through another runtime a run mid-turn, %s', (_, channel) => {
    const shared = memoryStore({ shared: true });
    const c = cluster(channel ? shared : { ...shared, events: undefined });
    const waiting = c.waitingRun();
    const { thread, run } = waiting;
    c.submit(c.backendA, waiting);
    advance(c.scheduler, 10);
    const backendB = c.start();
    const asked = c.scheduler.now();
    const cancelling = answer(c.scheduler, backendB.runs.cancel(thread.id, run.id));
    expect(cancelling.status).toBe('cancelling');
    // Answered: with a channel the run is cancelled already; without, not yet.
    expect(recordsOf(c.store, 'run')[0]?.status).toBe(channel ? 'cancelled' : 'in_progress');
    let cancelledAt: number | undefined;
    for (let t = 0; t < 2 * TTL && cancelledAt === undefined; t += 10) {
      advance(c.scheduler, 10);
      if (recordsOf(c.store, 'run')[0]?.status === 'cancelled') cancelledAt = c.scheduler.now();
    }
    expect(cancelledAt! - asked).toBeLessThanOrEqual(TTL / 3 + 10);
    // The turn under way at A was stopped; B never ran the run.
    expect(c.a.unsubscribed).toEqual([false, true]);
    expect(c.b.requests).toHaveLength(0);
    void backendB.close().subscribe();
    void c.backendA.close().subscribe();
  });

  it('expires a run that waits for tool outputs past its expiry, with every runtime alive', () => {
    const c = cluster(memoryStore({ shared: true }), { runExpiresAfter: 1000 });
    c.waitingRun();
    advance(c.scheduler, 890);
    expect(recordsOf(c.store, 'run')[0]?.status).toBe('requires_action');
    advance(c.scheduler, 100 + TTL);
    expect(recordsOf(c.store, 'run')[0]?.status).toBe('expired');
    void c.backendA.close().subscribe();
  });

  it('ends a run taken up after its expiry as expired', () => {
    const c = cluster();
    const { run: late } = c.waitingRun();
    c.first.kill();
    // Long after its expiry (10 minutes by default).
    advance(c.scheduler, 600_000);
    const backendB = c.start();
    advance(c.scheduler, 10);
    const runs = recordsOf(c.store, 'run');
    expect(runs.find((r) => r.id === late.id)?.status).toBe('expired');
    void backendB.close().subscribe();
  });
});
