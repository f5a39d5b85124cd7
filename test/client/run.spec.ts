import { describe, expect, it } from 'vitest';
import {
  firstValueFrom,
  lastValueFrom,
  map,
  NEVER,
  Observable,
  of,
  tap,
  throwError,
  toArray,
} from 'rxjs';
import { rxAssistants, type RunOptions } from '../../src/client';
import type { SubmitToolOutputsParams } from '../../src/backend';
import type { Run } from '../../src/backend/types';
import { RunFailedError, ToolCallError } from '../../src/errors';
import { fakeBackend, requiresAction, retrieval, runWith } from '../support/fixtures';
import { testScheduler } from '../support/scheduler';

const emptyPage = { data: [], has_more: false, first_id: null, last_id: null };

/**
 * A backend with one run: it asks for `calls` once, then completes (or ends
 * `end`) after the outputs are submitted.
 */
function toolRun(
  calls: Array<{ id: string; name: string; arguments: string }>,
  end: Run = runWith('completed'),
) {
  const submits: SubmitToolOutputsParams[] = [];
  const cancels: string[] = [];
  let submitted = false;
  const backend = fakeBackend({
    runs: {
      create: () => of(runWith('queued')),
      retrieve: () =>
        of(
          retrieval(
            cancels.length ? runWith('cancelled') : submitted ? end : requiresAction(calls),
          ),
        ),
      submitToolOutputs: (_t, _r, params) => {
        submits.push(params);
        submitted = true;
        return of(runWith('queued'));
      },
      cancel: (_t, runId) => {
        cancels.push(runId);
        return of(runWith('cancelling'));
      },
    },
    steps: { list: () => of(emptyPage) },
  });
  const rx = rxAssistants(backend, { poll: 1 });
  return { rx, submits, cancels };
}

const start = (rx: ReturnType<typeof toolRun>['rx'], options: RunOptions) =>
  rx.run('thread_1', { assistant_id: 'asst_1' }, options);

describe('run: the tool loop', () => {
  it('answers every call in parallel and submits all outputs at once', async () => {
    const calls = [
      { id: 'call_1', name: 'add', arguments: '{"a":1,"b":2}' },
      { id: 'call_2', name: 'slow', arguments: '{}' },
      { id: 'call_3', name: 'stream', arguments: '{}' },
      { id: 'call_4', name: 'text', arguments: '' },
    ];
    const { rx, submits } = toolRun(calls);
    const started: string[] = [];
    let releaseSlow!: (v: unknown) => void;
    const events = await lastValueFrom(
      start(rx, {
        tools: {
          add: ({ a, b }: { a: number; b: number }) => ({ sum: a + b }),
          slow: () => {
            started.push('slow');
            return new Promise((resolve) => (releaseSlow = resolve));
          },
          stream: () => {
            started.push('stream');
            // Released only once every handler has started: proof they run side by side.
            queueMicrotask(() => releaseSlow(started.length === 2 ? 'both started' : 'serial'));
            return of('first', 'last');
          },
          text: () => 'plain',
        },
      }).pipe(toArray()),
    );
    expect(submits).toEqual([
      {
        tool_outputs: [
          { tool_call_id: 'call_1', output: '{"sum":3}' },
          { tool_call_id: 'call_2', output: 'both started' },
          { tool_call_id: 'call_3', output: 'last' },
          { tool_call_id: 'call_4', output: 'plain' },
        ],
      },
    ]);
    // Polling tells the statuses the run passed through between polls, as a stream would.
    expect(events.map((e) => e.event)).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.requires_action',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.completed',
    ]);
  });

  it('submits an error output for an unknown tool, a throwing handler and bad arguments', async () => {
    const { rx, submits } = toolRun([
      { id: 'call_1', name: 'nope', arguments: '{}' },
      { id: 'call_2', name: 'boom', arguments: '{}' },
      { id: 'call_3', name: 'boom', arguments: '{not json' },
      { id: 'call_4', name: 'rejects', arguments: '{}' },
      { id: 'call_5', name: 'errors', arguments: '{}' },
    ]);
    await lastValueFrom(
      start(rx, {
        tools: {
          boom: () => {
            throw new Error('kaput');
          },
          rejects: () => Promise.reject(new Error('no luck')),
          errors: () => throwError(() => new Error('stream broke')),
        },
      }),
    );
    const outputs = submits[0]!.tool_outputs.map((o) => JSON.parse(o.output!).error as string);
    expect(outputs[0]).toBe(
      'Tool call call_1 of run run_1: no handler is registered for tool "nope"',
    );
    expect(outputs[1]).toBe('Tool call call_2 of run run_1: tool "boom" failed: kaput');
    expect(outputs[2]).toMatch(/^Tool call call_3 of run run_1: tool "boom" failed: .*JSON/);
    expect(outputs[3]).toBe('Tool call call_4 of run run_1: tool "rejects" failed: no luck');
    expect(outputs[4]).toBe('Tool call call_5 of run run_1: tool "errors" failed: stream broke');
  });

  it("fails with ToolCallError under onToolError: 'fail', and cancels the run once", async () => {
    const { rx, submits, cancels } = toolRun([{ id: 'call_1', name: 'nope', arguments: '{}' }]);
    const error = await lastValueFrom(start(rx, { onToolError: 'fail' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolCallError);
    expect(error).toMatchObject({ toolName: 'nope', toolCallId: 'call_1', runId: 'run_1' });
    expect(submits).toEqual([]);
    expect(cancels).toEqual(['run_1']);
  });

  it('raises the typed error after emitting the terminal event', async () => {
    const failed = runWith('failed', {
      last_error: { code: 'rate_limit_exceeded', message: 'slow down' },
    });
    const { rx } = toolRun([{ id: 'call_1', name: 'ok', arguments: '{}' }], failed);
    const seen: string[] = [];
    const error = await lastValueFrom(
      start(rx, { tools: { ok: () => 'fine' } }).pipe(tap((e) => seen.push(e.event))),
    ).catch((e: unknown) => e);
    expect(seen.at(-1)).toBe('thread.run.failed');
    expect(error).toEqual(new RunFailedError(failed));
    expect((error as RunFailedError).message).toBe(
      'Run run_1 on thread thread_1 failed: rate_limit_exceeded: slow down',
    );
  });

  it('hands each handler an AbortSignal that aborts when the subscriber leaves', async () => {
    const { rx } = toolRun([{ id: 'call_1', name: 'wait', arguments: '{}' }]);
    let signal: AbortSignal | undefined;
    let entered!: () => void;
    const called = new Promise<void>((resolve) => (entered = resolve));
    const subscription = start(rx, {
      tools: {
        wait: (_args, context) => {
          signal = context.signal;
          entered();
          return NEVER;
        },
      },
    }).subscribe();
    await called;
    expect(signal?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(signal?.aborted).toBe(true);
  });
});

describe('run: ownership', () => {
  it('cancels the run once when unsubscribed before a terminal status', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      const { rx, cancels } = toolRun([{ id: 'call_1', name: 'slow', arguments: '{}' }]);
      const run$ = start(rx, { tools: { slow: () => NEVER } });
      expectObservable(run$.pipe(map((e) => e.event)), '^ 50ms !').toBe('(abic)', {
        a: 'thread.run.created',
        b: 'thread.run.queued',
        i: 'thread.run.in_progress',
        c: 'thread.run.requires_action',
      });
      flush();
      expect(cancels).toEqual(['run_1']);
    });
  });

  it('does not cancel after a terminal status, nor with cancelOnUnsubscribe: false', async () => {
    const done = toolRun([{ id: 'call_1', name: 'ok', arguments: '{}' }]);
    await lastValueFrom(start(done.rx, { tools: { ok: () => 1 } }));
    expect(done.cancels).toEqual([]);

    testScheduler().run(({ expectObservable, flush }) => {
      const kept = toolRun([{ id: 'call_1', name: 'slow', arguments: '{}' }]);
      const run$ = start(kept.rx, { tools: { slow: () => NEVER }, cancelOnUnsubscribe: false });
      expectObservable(run$.pipe(map((e) => e.event)), '^ 50ms !').toBe('(abic)', {
        a: 'thread.run.created',
        b: 'thread.run.queued',
        i: 'thread.run.in_progress',
        c: 'thread.run.requires_action',
      });
      flush();
      expect(kept.cancels).toEqual([]);
    });
  });

  it('passes a create error on without cancelling anything', async () => {
    const backend = fakeBackend({
      runs: {
        create: () =>
          throwError(() => Object.assign(new Error('no such assistant'), { status: 404 })),
      },
    });
    const error = await firstValueFrom(
      rxAssistants(backend).run('thread_1', { assistant_id: 'x' }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'no such assistant', status: 404 });
  });

  it('is cold: nothing is created before subscribe', () => {
    let creates = 0;
    const backend = fakeBackend({
      runs: {
        create: () =>
          new Observable<Run>(() => {
            creates++;
          }),
      },
    });
    const run$ = rxAssistants(backend).run('thread_1', { assistant_id: 'asst_1' });
    expect(creates).toBe(0);
    run$.subscribe().unsubscribe();
    expect(creates).toBe(1);
  });
});
