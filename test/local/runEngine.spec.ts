import { describe, expect, it } from 'vitest';
import { concatMap, map, NEVER, Observable, of, throwError, timer } from 'rxjs';
import { rxAssistants, type RxAssistants } from '../../src/client';
import type { AssistantsBackend } from '../../src/backend';
import type { Run } from '../../src/backend/types';
import { localBackend, type LocalBackendConfig, type ModelEvent } from '../../src/local';
import { testScheduler } from '../support/scheduler';
import { counterIds, say, scriptedModel } from './scriptedModel';

interface Seen<T> {
  at: number;
  value?: T;
  error?: unknown;
}

/** Runs `build` in virtual time over a local backend, recording each notification and its frame. */
function inVirtualTime<T>(
  config: LocalBackendConfig,
  build: (rx: RxAssistants, backend: AssistantsBackend) => Observable<T>,
) {
  const seen: Array<Seen<T>> = [];
  const scheduler = testScheduler();
  scheduler.run(({ flush }) => {
    const backend = localBackend({ ids: counterIds(), ...config });
    const rx = rxAssistants(backend, { poll: 10 });
    rx.assistants.create({ model: 'm', instructions: 'Be brief.' }).subscribe();
    build(rx, backend).subscribe({
      next: (value) => seen.push({ at: scheduler.now(), value }),
      error: (error: unknown) => seen.push({ at: scheduler.now(), error }),
    });
    flush();
  });
  return seen;
}

const paced = (events: ModelEvent[], every: number) =>
  timer(every, every).pipe(
    map((i) => events[i]!),
    (e$) =>
      new Observable<ModelEvent>((s) =>
        e$.subscribe({ next: (e) => (e ? s.next(e) : s.complete()) }),
      ),
  );

const statuses = (rx: RxAssistants, run$: Observable<Run>) =>
  run$.pipe(
    concatMap((run) => rx.runs.watch(run.thread_id, run.id)),
    map((run) => run.status),
  );

describe('the run engine', () => {
  it('runs queued → in_progress → completed, writing the reply as a step and a message', () => {
    const { model, requests } = scriptedModel([
      () => paced(say('x = 1', { promptTokens: 7, completionTokens: 3 }), 5),
    ]);
    const seen = inVirtualTime({ model }, (rx) =>
      rx.threads
        .create({ messages: [{ role: 'user', content: 'Solve 3x + 11 = 14' }] })
        .pipe(
          concatMap((t) =>
            rx.run(t.id, { assistant_id: 'asst_1', additional_instructions: 'Show steps.' }),
          ),
        ),
    );
    expect(seen.map((s) => [s.at, s.value?.event])).toEqual([
      [0, 'thread.run.created'],
      [0, 'thread.run.queued'],
      [10, 'thread.run.in_progress'],
      [10, 'thread.run.step.created'],
      [10, 'thread.run.step.in_progress'],
      [10, 'thread.message.created'],
      [10, 'thread.message.in_progress'],
      // The model's last delta comes at 20 and it completes at 25: the poll at 30 sees it.
      [30, 'thread.message.completed'],
      [30, 'thread.run.step.completed'],
      [30, 'thread.run.completed'],
    ]);
    const run = seen.at(-1)!.value!.data as Run;
    expect(run.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(run.expires_at).toBeNull();
    expect(requests[0]).toMatchObject({
      instructions: 'Be brief.\n\nShow steps.',
      messages: [{ role: 'user', content: 'Solve 3x + 11 = 14' }],
      toolChoice: 'auto',
      parallelToolCalls: true,
    });
    expect((seen[7]!.value!.data as { content: unknown }).content).toEqual([
      { type: 'text', text: { value: 'x = 1', annotations: [] } },
    ]);
  });

  it('asks for tool outputs, takes them, and hands the calls and outputs to the next turn', () => {
    const { model, requests } = scriptedModel([
      [
        { type: 'tool_call', index: 0, id: 'call_a', name: 'add', arguments: '{"a":2,' },
        { type: 'tool_call', index: 0, arguments: '"b":3}' },
        { type: 'tool_call', index: 1, id: 'call_b', name: 'add', arguments: '{"a":1,"b":1}' },
      ],
      (request) => [
        {
          type: 'text',
          delta: `Sums: ${request.messages
            .filter((m) => m.role === 'tool')
            .map((m) => m.content)
            .join(', ')}`,
        },
      ],
    ]);
    const seen = inVirtualTime({ model }, (rx) =>
      rx
        .ask('asst_1', 'Add', { tools: { add: ({ a, b }: { a: number; b: number }) => a + b } })
        .pipe(map((e) => e.event)),
    );
    expect(seen.map((s) => s.value)).toContain('thread.run.requires_action');
    expect(seen.at(-1)!.value).toBe('thread.run.completed');
    expect(requests[1]!.messages.slice(-3)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_a', name: 'add', arguments: '{"a":2,"b":3}' },
          { id: 'call_b', name: 'add', arguments: '{"a":1,"b":1}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_a', content: '5' },
      { role: 'tool', toolCallId: 'call_b', content: '2' },
    ]);
  });

  it('cancels an in-progress run through cancelling, and stops the model', () => {
    const { model, unsubscribed } = scriptedModel([() => NEVER]);
    const seen = inVirtualTime({ model }, (rx, backend) =>
      rx.threads.create().pipe(
        concatMap((t) => backend.runs.create(t.id, { assistant_id: 'asst_1' })),
        concatMap((run) =>
          statuses(rx, of(run)).pipe(
            (s$) =>
              new Observable<string>((subscriber) => {
                subscriber.add(
                  timer(25)
                    .pipe(concatMap(() => rx.runs.cancel(run.thread_id, run.id)))
                    .subscribe(),
                );
                return s$.subscribe(subscriber);
              }),
          ),
        ),
      ),
    );
    expect(seen.map((s) => [s.at, s.value])).toEqual([
      [0, 'queued'],
      [10, 'in_progress'],
      [30, 'cancelled'],
    ]);
    expect(unsubscribed).toEqual([true]);
  });

  it('expires a run left in requires_action at expires_at, its tool calls too', () => {
    const { model } = scriptedModel([
      () => of({ type: 'tool_call', index: 0, name: 'slow', arguments: '{}' }),
    ]);
    const seen = inVirtualTime({ model, limits: { runExpiresAfter: 5000 } }, (rx, backend) =>
      rx.threads.create().pipe(
        concatMap((t) => backend.runs.create(t.id, { assistant_id: 'asst_1' })),
        concatMap((run) => rx.runs.events(run.thread_id, run.id)),
      ),
    );
    const last = seen.at(-1)!;
    expect(last.value?.event).toBe('thread.run.expired');
    expect(last.at).toBeGreaterThanOrEqual(5000);
    expect(last.at).toBeLessThan(5000 + 2001);
    expect((last.value!.data as Run).expires_at).toBe(5);
    expect(seen.map((s) => s.value?.event)).toContain('thread.run.step.expired');
  });

  it('fails the run with last_error when the model errors', () => {
    const { model } = scriptedModel([
      () => throwError(() => new Error('upstream 500 with sk-abcdefghijklmnop')),
    ]);
    const seen = inVirtualTime({ model }, (rx) => rx.ask('asst_1', 'hi'));
    const failed = seen.at(-2)!.value!.data as Run;
    expect(seen.at(-2)!.value!.event).toBe('thread.run.failed');
    expect(failed.last_error).toEqual({
      code: 'server_error',
      message: 'upstream 500 with sk-abcd***',
    });
    expect(failed.failed_at).toBe(0);
    expect((seen.at(-1)!.error as Error).name).toBe('RunFailedError');
  });

  it('ends incomplete past max_completion_tokens, and past max_prompt_tokens before calling the model', () => {
    const { model, requests } = scriptedModel([
      () => of(...say('long answer', { promptTokens: 10, completionTokens: 300 })),
    ]);
    const over = inVirtualTime({ model }, (rx) =>
      rx.ask('asst_1', 'hi', { run: { max_completion_tokens: 256 } }),
    );
    const run = over.at(-2)!.value!.data as Run;
    expect([run.status, run.incomplete_details]).toEqual([
      'incomplete',
      { reason: 'max_completion_tokens' },
    ]);
    expect(over.map((s) => s.value?.event)).toContain('thread.message.incomplete');

    const prompt = inVirtualTime({ model }, (rx) =>
      rx.ask('asst_1', 'word '.repeat(400), { run: { max_prompt_tokens: 256 } }),
    );
    expect((prompt.at(-2)!.value!.data as Run).incomplete_details).toEqual({
      reason: 'max_prompt_tokens',
    });
    expect(requests).toHaveLength(1);
  });
});
