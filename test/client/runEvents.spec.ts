import { describe, expect, it } from 'vitest';
import { of } from 'rxjs';
import { rxAssistants, type RunEvent } from '../../src/client';
import type { Page } from '../../src/backend';
import type { Message, Run, RunStep } from '../../src/backend/types';
import {
  assistantMessage,
  fakeBackend,
  messageStep,
  requiresAction,
  retrieval,
  runWith,
} from '../support/fixtures';
import { testScheduler } from '../support/scheduler';

const page = <T extends { id: string }>(data: T[]): Page<T> => ({
  data,
  has_more: false,
  first_id: data[0]?.id ?? null,
  last_id: data.at(-1)?.id ?? null,
});

interface Tick {
  run: Run;
  steps: RunStep[];
  messages?: Message[];
}

/** A backend that answers poll k with ticks[k] (the last repeats), recording every request. */
function scripted(ticks: Tick[]) {
  let poll = -1;
  const requests: string[] = [];
  const current = () => ticks[Math.min(poll, ticks.length - 1)]!;
  const backend = fakeBackend({
    runs: {
      retrieve: () => {
        poll++;
        requests.push('runs.retrieve');
        return of(retrieval(current().run));
      },
    },
    steps: {
      list: () => {
        requests.push('steps.list');
        return of(page(current().steps));
      },
    },
    messages: {
      retrieve: (_t, id) => {
        requests.push(`messages.retrieve ${id}`);
        return of(current().messages!.find((m) => m.id === id)!);
      },
    },
  });
  return { rx: rxAssistants(backend, { poll: 10 }), requests };
}

const names = (events: RunEvent[]) => events.map((e) => e.event);

function collect(rx: ReturnType<typeof scripted>['rx']): RunEvent[] {
  const events: RunEvent[] = [];
  testScheduler().run(({ flush }) => {
    rx.runs.events('thread_1', 'run_1').subscribe((e) => events.push(e));
    flush();
  });
  return events;
}

describe('runs.events', () => {
  it('synthesises the run, step and message events of a simple run, in order', () => {
    const { rx, requests } = scripted([
      { run: runWith('queued'), steps: [] },
      {
        run: runWith('in_progress'),
        steps: [messageStep('step_1', 'msg_1', 'in_progress')],
        messages: [assistantMessage('msg_1', '', 'in_progress')],
      },
      {
        run: runWith('completed'),
        steps: [messageStep('step_1', 'msg_1', 'completed')],
        messages: [assistantMessage('msg_1', 'x = 1', 'completed')],
      },
    ]);
    const events = collect(rx);
    expect(names(events)).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.step.created',
      'thread.run.step.in_progress',
      'thread.message.created',
      'thread.message.in_progress',
      'thread.message.completed',
      'thread.run.step.completed',
      'thread.run.completed',
    ]);
    expect(events[7]!.data).toEqual(assistantMessage('msg_1', 'x = 1', 'completed'));
    expect(events.at(-1)!.data).toEqual(runWith('completed'));
    // One steps page per poll; a message is fetched when it appears and when its step ends.
    expect(requests).toEqual([
      'runs.retrieve',
      'steps.list',
      'runs.retrieve',
      'steps.list',
      'messages.retrieve msg_1',
      'runs.retrieve',
      'steps.list',
      'messages.retrieve msg_1',
    ]);
  });

  it('emits created, queued and in_progress before any step event when the first poll finds a run under way', () => {
    const { rx } = scripted([
      {
        run: runWith('completed'),
        steps: [messageStep('step_1', 'msg_1', 'completed')],
        messages: [assistantMessage('msg_1', 'hi', 'completed')],
      },
    ]);
    const events = collect(rx);
    expect(names(events)).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.step.created',
      'thread.message.created',
      'thread.message.in_progress',
      'thread.message.completed',
      'thread.run.step.completed',
      'thread.run.completed',
    ]);
    expect((events[0]!.data as Run).status).toBe('queued');
    expect((events[1]!.data as Run).status).toBe('queued');
    expect((events[2]!.data as Run).status).toBe('in_progress');
  });

  it('after a submit, tells the tool step complete before the run is queued and works again', () => {
    const call = { id: 'call_1', name: 'add', arguments: '{}' };
    const toolStep = (status: RunStep['status']): RunStep =>
      ({
        ...messageStep('step_1', 'msg_0', status),
        type: 'tool_calls',
        step_details: {
          type: 'tool_calls',
          tool_calls: [{ ...call, type: 'function', function: { ...call, output: null } }],
        },
      }) as RunStep;
    const { rx } = scripted([
      { run: requiresAction([call]), steps: [toolStep('in_progress')] },
      // The next poll finds the outputs taken and the run working again.
      { run: runWith('in_progress'), steps: [toolStep('completed')] },
      { run: runWith('completed'), steps: [toolStep('completed')] },
    ]);
    const events = names(collect(rx));
    expect(events.slice(events.indexOf('thread.run.requires_action'))).toEqual([
      'thread.run.requires_action',
      'thread.run.step.completed',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.completed',
    ]);
  });

  it('puts requires_action after the tool_calls step it announces', () => {
    const toolStep = {
      ...messageStep('step_1', 'unused', 'in_progress'),
      type: 'tool_calls',
      step_details: { type: 'tool_calls', tool_calls: [] },
    } as RunStep;
    const waiting = requiresAction([{ id: 'call_1', name: 'quiz', arguments: '{}' }]);
    const { rx } = scripted([
      { run: runWith('in_progress'), steps: [] },
      { run: waiting, steps: [toolStep] },
      { run: runWith('cancelled'), steps: [{ ...toolStep, status: 'cancelled' }] },
    ]);
    expect(names(collect(rx))).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.step.created',
      'thread.run.step.in_progress',
      'thread.run.requires_action',
      'thread.run.step.cancelled',
      'thread.run.cancelled',
    ]);
  });

  it('marks a message incomplete when the run ends incomplete', () => {
    const { rx } = scripted([
      {
        run: runWith('incomplete'),
        steps: [messageStep('step_1', 'msg_1', 'failed')],
        messages: [assistantMessage('msg_1', 'partial', 'incomplete')],
      },
    ]);
    expect(names(collect(rx)).slice(2)).toEqual([
      'thread.run.step.created',
      'thread.message.created',
      'thread.message.in_progress',
      'thread.message.incomplete',
      'thread.run.step.failed',
      'thread.run.incomplete',
    ]);
  });

  it('ends with the terminal run event exactly once, and polls nothing after it', () => {
    const { rx, requests } = scripted([
      { run: runWith('queued'), steps: [] },
      { run: runWith('failed', { last_error: { code: 'server_error', message: 'x' } }), steps: [] },
    ]);
    const events = collect(rx);
    expect(events.filter((e) => e.event.startsWith('thread.run.failed'))).toHaveLength(1);
    expect(events.at(-1)!.event).toBe('thread.run.failed');
    expect(requests.filter((r) => r === 'steps.list')).toHaveLength(2);
  });

  it('emits at the poll times, in virtual time', () => {
    testScheduler().run(({ expectObservable }) => {
      const { rx } = scripted([
        { run: runWith('queued'), steps: [] },
        { run: runWith('queued'), steps: [] },
        { run: runWith('completed'), steps: [] },
      ]);
      expectObservable(rx.runs.events('thread_1', 'run_1')).toBe('(ab) 16ms (ic|)', {
        a: { event: 'thread.run.created', data: runWith('queued') },
        b: { event: 'thread.run.queued', data: runWith('queued') },
        i: { event: 'thread.run.in_progress', data: runWith('in_progress') },
        c: { event: 'thread.run.completed', data: runWith('completed') },
      });
    });
  });
});
