import { describe, expect, it } from 'vitest';
import { Observable, of, Subject, throwError } from 'rxjs';
import { runEvent } from '../../src/backend/runEvent';
import type { AssistantStreamEvent, Message, RunStatus, RunStep } from '../../src/backend/types';
import { joinedEvents, type RunSnapshot } from '../../src/local/runJoin';
import type { SharedRunEvent } from '../../src/local/storePort';
import { textDeltas } from '../../src/operators';
import { message as messageRecord, run as runRecord, step as stepRecord } from '../store/records';
import { testScheduler } from '../support/scheduler';

const run = (status: RunStatus) => runRecord('run_1', 'thread_1', status);
const step = (status: RunStep['status'], id = 'step_1'): RunStep => ({
  ...stepRecord(id, 'run_1', 'thread_1'),
  status,
});
const message = (text: string, status: Message['status'] = 'in_progress'): Message => ({
  ...messageRecord('msg_1', 'thread_1', 'run_1', text),
  status,
});
const delta = (value: string, at: number): SharedRunEvent => ({
  event: runEvent('thread.message.delta', {
    id: 'msg_1',
    object: 'thread.message.delta',
    delta: { content: [{ index: 0, type: 'text', text: { value, annotations: [] } }] },
  }),
  at,
});
const shared = (event: AssistantStreamEvent): SharedRunEvent => ({ event });

/** A run mid-message: its step and message in progress, the message's text so far `text`. */
const midMessage = (text: string): RunSnapshot => ({
  run: run('in_progress'),
  steps: [step('in_progress')],
  messages: new Map([['msg_1', message(text)]]),
});

/** The text of each delta among `events`. */
const deltaTexts = (events: AssistantStreamEvent[]) =>
  events.flatMap((e) =>
    e.event === 'thread.message.delta'
      ? [(e.data.delta.content ?? []).map((p) => (p.type === 'text' ? p.text?.value : '')).join('')]
      : [],
  );

/** Joins `live` and `snapshot$`, recording what comes out. */
function join(
  snapshot$: Observable<RunSnapshot>,
  stored: () => Message | undefined = () => undefined,
) {
  const scheduler = testScheduler();
  const live = new Subject<readonly SharedRunEvent[]>();
  let listened = 0;
  const reads: number[] = [];
  const events: AssistantStreamEvent[] = [];
  const end = { state: 'open' as 'open' | 'complete' | 'error', error: undefined as unknown };
  const subscription = joinedEvents({
    live$: new Observable<readonly SharedRunEvent[]>((subscriber) => {
      listened += 1;
      const inner = live.subscribe(subscriber);
      return () => {
        listened -= 1;
        inner.unsubscribe();
      };
    }),
    snapshot$,
    message: () => {
      reads.push(scheduler.now());
      return of(stored());
    },
    scheduler,
  }).subscribe({
    next: (event) => events.push(event),
    complete: () => (end.state = 'complete'),
    error: (error: unknown) => Object.assign(end, { state: 'error', error }),
  });
  return {
    live,
    events,
    end,
    reads,
    scheduler,
    subscription,
    listening: () => listened > 0,
    names: () => events.map((e) => e.event),
    /** Runs the virtual clock `ms` further. */
    advance(ms: number) {
      scheduler.schedule(() => undefined, ms);
      scheduler.maxFrames = scheduler.now() + ms;
      scheduler.flush();
    },
  };
}

describe('joinedEvents: a run joined mid-way', () => {
  it('reads the store only once it listens, and holds what it hears until then', () => {
    const snapshot = new Subject<RunSnapshot>();
    let read = false;
    const j = join(new Observable((s) => ((read = true), snapshot.subscribe(s))));
    expect(read).toBe(false);
    j.live.next([delta('Hel', 0)]); // listening, with an event already
    expect(read).toBe(true);
    expect(j.events).toEqual([]);
    j.live.next([delta('lo', 3)]);
    expect(j.events).toEqual([]);
    snapshot.next(midMessage('He'));
    snapshot.complete();
    // The stored state, its text so far as one delta, then what the store did not have.
    expect(j.names()).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.step.created',
      'thread.run.step.in_progress',
      'thread.message.created',
      'thread.message.in_progress',
      'thread.message.delta',
      'thread.message.delta',
      'thread.message.delta',
    ]);
    expect(deltaTexts(j.events)).toEqual(['He', 'l', 'lo']);
    expect(j.end.state).toBe('open');
  });

  it('tells no event the stored state told, and each later one once', () => {
    const j = join(of(midMessage('Hello')));
    j.live.next([
      shared(runEvent('thread.run.in_progress', run('in_progress'))),
      shared(runEvent('thread.run.step.in_progress', step('in_progress'))),
      shared(runEvent('thread.message.created', message(''))),
      shared(runEvent('thread.message.in_progress', message(''))),
      delta('Hel', 0),
      delta('lo', 3),
    ]);
    const before = j.events.length;
    j.live.next([delta(' world', 5)]);
    j.live.next([
      shared(runEvent('thread.message.completed', message('Hello world', 'completed'))),
      shared(runEvent('thread.run.step.completed', step('completed'))),
      shared(runEvent('thread.run.completed', run('completed'))),
    ]);
    expect(before).toBe(8);
    expect(j.names().slice(before)).toEqual([
      'thread.message.delta',
      'thread.message.completed',
      'thread.run.step.completed',
      'thread.run.completed',
    ]);
    expect(deltaTexts(j.events)).toEqual(['Hello', ' world']);
  });

  it('waits for the store to have the text a delta follows, then tells it first', () => {
    let stored = message('Hel');
    const j = join(of(midMessage('Hel')), () => stored);
    j.live.next([delta('!', 6), delta('?', 7)]);
    j.live.next([shared(runEvent('thread.message.completed', message('Hello !?', 'completed')))]);
    expect(deltaTexts(j.events)).toEqual(['Hel']);
    j.advance(249);
    expect(j.reads).toEqual([]);
    stored = message('Hello ');
    j.advance(1);
    expect(j.reads).toEqual([250]);
    expect(deltaTexts(j.events)).toEqual(['Hel', 'lo ', '!', '?']);
    expect(j.names().at(-1)).toBe('thread.message.completed');
  });

  it('gives up a message whose gap the store does not fill: its text comes whole at its end', () => {
    const j = join(of(midMessage('Hel')), () => message('Hel'));
    const joined: string[] = [];
    j.live.next([delta(' world', 5), delta('!', 11)]);
    j.live.next([
      shared(runEvent('thread.message.completed', message('Hello world!', 'completed'))),
      shared(runEvent('thread.run.completed', run('completed'))),
    ]);
    j.advance(4 * 250);
    expect(j.reads).toEqual([250, 500, 750, 1000]);
    expect(deltaTexts(j.events)).toEqual(['Hel']);
    expect(j.names().slice(-2)).toEqual(['thread.message.completed', 'thread.run.completed']);
    of(...j.events)
      .pipe(textDeltas())
      .subscribe((piece) => joined.push(piece));
    expect(joined.join('')).toBe('Hello world!');
  });

  it('tells the deltas of steps created after the snapshot, not those of steps it had', () => {
    const j = join(of({ ...midMessage(''), steps: [step('completed', 'step_0')] }));
    const stepDelta = (id: string) =>
      shared(
        runEvent('thread.run.step.delta', {
          id,
          object: 'thread.run.step.delta',
          delta: { step_details: { type: 'tool_calls', tool_calls: [] } },
        }),
      );
    j.live.next([
      stepDelta('step_0'),
      shared(runEvent('thread.run.step.created', step('in_progress', 'step_2'))),
      stepDelta('step_2'),
    ]);
    expect(j.names().slice(-2)).toEqual(['thread.run.step.created', 'thread.run.step.delta']);
  });

  it('ends with the stored state of a run that ended or waits for outputs, and stops listening', () => {
    for (const status of ['completed', 'requires_action'] as const) {
      const j = join(of({ run: run(status), steps: [], messages: new Map() }));
      j.live.next([]);
      expect(j.names().at(-1)).toBe(`thread.run.${status}`);
      expect(j.end.state).toBe('complete');
      expect(j.listening()).toBe(false);
    }
  });

  it('ends once the run asks for tool outputs, live, and stops listening', () => {
    const j = join(of(midMessage('')));
    j.live.next([shared(runEvent('thread.run.requires_action', run('requires_action')))]);
    expect(j.names().at(-1)).toBe('thread.run.requires_action');
    expect(j.end.state).toBe('complete');
    expect(j.listening()).toBe(false);
  });

  it('fails as its live events fail, once what came before is told', () => {
    const j = join(of(midMessage('')));
    j.live.next([delta('Hi', 0)]);
    j.live.error(new Error('connection lost'));
    expect(deltaTexts(j.events)).toEqual(['Hi']);
    expect(j.end).toMatchObject({ state: 'error', error: new Error('connection lost') });
  });

  it('stops listening when unsubscribed, also while it reads the store', () => {
    const j = join(new Subject<RunSnapshot>());
    j.live.next([]);
    expect(j.listening()).toBe(true);
    j.subscription.unsubscribe();
    expect(j.listening()).toBe(false);
  });

  it('fails, reading nothing, if it cannot listen', () => {
    let read = false;
    const j = join(new Observable((s) => ((read = true), s.complete())));
    j.live.error(new Error('no listener'));
    expect(j.end).toMatchObject({ state: 'error', error: new Error('no listener') });
    expect(read).toBe(false);
  });

  it('fails if the store cannot be read', () => {
    const j = join(throwError(() => new Error('store down')));
    j.live.next([]);
    expect(j.end).toMatchObject({ state: 'error', error: new Error('store down') });
    expect(j.listening()).toBe(false);
  });
});
