import { describe, expect, it } from 'vitest';
import type { Observable } from 'rxjs';
import { defer, of, throwError } from 'rxjs';
import { rxAssistants } from '../../src/client';
import type { Page, RequestOptions, RunRetrieval } from '../../src/backend';
import type { Assistant, Run, RunStep } from '../../src/backend/types';
import { APIConnectionError, APIUserAbortError } from 'openai';
import { BackendError } from '../../src/errors';
import { fakeBackend, requiresAction, retrieval, runWith } from '../support/fixtures';
import { testScheduler } from '../support/scheduler';

const emptyPage = <T>(): Page<T> => ({ data: [], has_more: false, first_id: null, last_id: null });
const page = <T extends { id: string }>(data: T[]): Page<T> => ({
  data,
  has_more: false,
  first_id: data[0]?.id ?? null,
  last_id: data.at(-1)?.id ?? null,
});
const apiError = (status: number, headers: Record<string, string> = {}, message = 'boom') =>
  Object.assign(new BackendError({ status, message }), { headers });
const connectionError = () =>
  Object.assign(new Error('Connection error.'), { name: 'APIConnectionError' });

/** Answers each call with the next of `answers` (the last repeats); records when calls came. */
function sequence<T>(answers: Array<() => Observable<T>>, calls: number[], now: () => number) {
  return () =>
    defer(() => {
      calls.push(now());
      return answers[Math.min(calls.length - 1, answers.length - 1)]!();
    });
}

/** No jitter surprises: every wait is half its cap. */
const retry = { random: () => 0.5, initialDelay: 100 };

describe('reads are retried', () => {
  it('with full-jitter exponential backoff, on 5xx, 429, 408, 409 and connection errors', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const calls: number[] = [];
      const retrieve = sequence<RunRetrieval>(
        [
          () => throwError(() => apiError(500)),
          () => throwError(() => connectionError()),
          () => throwError(() => apiError(408)),
          () => throwError(() => apiError(409)),
          () => of(retrieval(runWith('completed'))),
        ],
        calls,
        () => scheduler.now(),
      );
      const rx = rxAssistants(fakeBackend({ runs: { retrieve } }), { retry });
      // Waits of 50, 100, 200 and 400 ms (half of 100 × 2ⁿ).
      expectObservable(rx.runs.retrieve('thread_1', 'run_1')).toBe('750ms (a|)', {
        a: runWith('completed'),
      });
      scheduler.flush();
      expect(calls).toEqual([0, 50, 150, 350, 750]);
    });
  });

  it('honours retry-after-ms and Retry-After', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const calls: number[] = [];
      const retrieve = sequence<RunRetrieval>(
        [
          () => throwError(() => apiError(429, { 'retry-after-ms': '300' })),
          () => throwError(() => apiError(503, { 'retry-after': '2' })),
          () => of(retrieval(runWith('completed'))),
        ],
        calls,
        () => scheduler.now(),
      );
      const rx = rxAssistants(fakeBackend({ runs: { retrieve } }), { retry });
      expectObservable(rx.runs.retrieve('thread_1', 'run_1')).toBe('2300ms (a|)', {
        a: runWith('completed'),
      });
      scheduler.flush();
      expect(calls).toEqual([0, 300, 2300]);
    });
  });

  it("retries the SDK's own connection errors (they set no name)", () => {
    testScheduler().run(({ expectObservable }) => {
      let calls = 0;
      const retrieve = () =>
        defer(() =>
          ++calls === 1
            ? throwError(() => new APIConnectionError({ message: 'Connection error.' }))
            : of(retrieval(runWith('completed'))),
        );
      const rx = rxAssistants(fakeBackend({ runs: { retrieve } }), { retry });
      expectObservable(rx.runs.retrieve('thread_1', 'run_1')).toBe('50ms (a|)', {
        a: runWith('completed'),
      });
    });
  });

  it('never retries an abort', () => {
    testScheduler().run(({ expectObservable }) => {
      const abort = new APIUserAbortError();
      const rx = rxAssistants(fakeBackend({ runs: { retrieve: () => throwError(() => abort) } }), {
        retry,
      });
      expectObservable(rx.runs.retrieve('thread_1', 'run_1')).toBe('#', undefined, abort);
    });
  });

  it('gives up after `retries`, and never retries a 400, 401 or 404', () => {
    testScheduler().run(({ expectObservable }) => {
      const failing = (status: number) =>
        rxAssistants(
          fakeBackend({ runs: { retrieve: () => throwError(() => apiError(status)) } }),
          { retry: { ...retry, retries: 2 } },
        ).runs.retrieve('thread_1', 'run_1');
      expectObservable(failing(500)).toBe('150ms #', undefined, apiError(500));
      expectObservable(failing(404)).toBe('#', undefined, apiError(404));
      expectObservable(failing(401)).toBe('#', undefined, apiError(401));
    });
  });

  it('turned off with retry: false', () => {
    testScheduler().run(({ expectObservable }) => {
      const rx = rxAssistants(
        fakeBackend({ runs: { retrieve: () => throwError(() => apiError(500)) } }),
        { retry: false },
      );
      expectObservable(rx.runs.retrieve('thread_1', 'run_1')).toBe('#', undefined, apiError(500));
    });
  });
});

describe('a failed read never ends a run', () => {
  it('runs.watch goes on through 20 failed polls in a row to the terminal status', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const calls: number[] = [];
      const answers = [
        () => of(retrieval(runWith('in_progress'))),
        ...Array.from({ length: 20 }, () => () => throwError(() => apiError(502))),
        () => of(retrieval(runWith('completed'))),
      ];
      const retrieve = sequence(answers, calls, () => scheduler.now());
      const rx = rxAssistants(fakeBackend({ runs: { retrieve } }), {
        poll: 10,
        retry: { ...retry, maxDelay: 1000 },
      });
      const values: string[] = [];
      rx.runs.watch('thread_1', 'run_1').subscribe({
        next: (run) => values.push(run.status),
        error: (error: unknown) => values.push(`error ${String(error)}`),
        complete: () => values.push('complete'),
      });
      scheduler.flush();
      expect(values).toEqual(['in_progress', 'completed', 'complete']);
      expect(calls).toHaveLength(22);
      void expectObservable;
    });
  });

  it('run() does not cancel a healthy run after a failed poll', () => {
    const scheduler = testScheduler();
    scheduler.run(() => {
      const cancels: string[] = [];
      const calls: number[] = [];
      const retrieve = sequence(
        [() => throwError(() => apiError(500)), () => of(retrieval(runWith('completed')))],
        calls,
        () => scheduler.now(),
      );
      const rx = rxAssistants(
        fakeBackend({
          runs: {
            create: () => of(runWith('queued')),
            retrieve,
            cancel: (_t, id) => (cancels.push(id), of(runWith('cancelling'))),
          },
          steps: { list: () => of(emptyPage<RunStep>()) },
        }),
        { poll: 10, retry },
      );
      const events: string[] = [];
      rx.run('thread_1', { assistant_id: 'asst_1' }).subscribe({
        next: (event) => events.push(event.event),
        error: (error: unknown) => events.push(`error ${String(error)}`),
      });
      scheduler.flush();
      expect(events.at(-1)).toBe('thread.run.completed');
      expect(cancels).toEqual([]);
    });
  });
});

describe('the gate', () => {
  it('lets at most maxInFlight requests through at once, the others in order', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const retrieve$ = cold('--(a|)', { a: retrieval(runWith('completed')) });
      const rx = rxAssistants(fakeBackend({ runs: { retrieve: () => retrieve$ } }), {
        maxInFlight: 2,
      });
      for (let i = 0; i < 5; i++) {
        expectObservable(rx.runs.retrieve('thread_1', 'run_1')).toBe(
          `${'--'.repeat(Math.floor(i / 2) + 1)}(a|)`,
          { a: runWith('completed') },
        );
      }
      expectSubscriptions(retrieve$.subscriptions).toBe([
        '^-!',
        '^-!',
        '--^-!',
        '--^-!',
        '----^-!',
      ]);
    });
  });

  it('holds every request of the client while a 429 asks it to wait', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const calls: number[] = [];
      const limited = sequence<RunRetrieval>(
        [
          () => cold('-#', undefined, apiError(429, { 'retry-after-ms': '500' })),
          () => of(retrieval(runWith('completed'))),
        ],
        calls,
        () => scheduler.now(),
      );
      const other: number[] = [];
      const rx = rxAssistants(
        fakeBackend({
          runs: { retrieve: limited },
          assistants: {
            retrieve: () =>
              defer(() => {
                other.push(scheduler.now());
                return of({ id: 'asst_1' } as Assistant);
              }),
          },
        }),
        { retry },
      );
      expectObservable(rx.runs.retrieve('thread_1', 'run_1')).toBe('501ms (a|)', {
        a: runWith('completed'),
      });
      // Sent at 10 ms, while the client is paused: it waits until 501 ms.
      expectObservable(
        defer(() => rx.assistants.retrieve('asst_1')),
        '10ms ^',
      ).toBe('501ms (a|)', { a: { id: 'asst_1' } });
      scheduler.flush();
      expect(calls).toEqual([0, 501]);
      expect(other).toEqual([501]);
    });
  });
});

describe('writes carry an idempotency key and are reconciled after an ambiguous failure', () => {
  /** A backend whose runs.create fails as told, and whose runs.list shows what the server has. */
  function creating(fail: () => Observable<Run>, listed: () => Run[]) {
    const keys: Array<string | undefined> = [];
    let creates = 0;
    const backend = fakeBackend({
      runs: {
        create: (_t, _p, options?: RequestOptions) =>
          defer(() => {
            keys.push(options?.idempotencyKey);
            return ++creates === 1 ? fail() : of(runWith('queued', { id: 'run_new' }));
          }),
        list: () => of(page(listed())),
      },
    });
    return { backend, keys, creates: () => creates };
  }

  it('retries a create refused by a 429 with the same key, without looking for its effect', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      const { backend, keys } = creating(
        () => throwError(() => apiError(429)),
        () => {
          throw new Error('must not list');
        },
      );
      const rx = rxAssistants(backend, { retry });
      expectObservable(rx.runs.create('thread_1', { assistant_id: 'asst_1' })).toBe('50ms (a|)', {
        a: runWith('queued', { id: 'run_new' }),
      });
      flush();
      expect(keys).toHaveLength(2);
      expect(keys[0]).toMatch(/^rxa_[0-9a-f]{32}$/);
      expect(keys[1]).toBe(keys[0]);
    });
  });

  it('adopts the run a create whose answer was lost made, instead of creating another', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      const made = runWith('in_progress', { id: 'run_lost', created_at: 0 });
      const older = runWith('completed', { id: 'run_old', created_at: 0, assistant_id: 'asst_2' });
      const { backend, creates } = creating(
        () => throwError(() => apiError(502)),
        () => [made, older],
      );
      const rx = rxAssistants(backend, { retry });
      expectObservable(rx.runs.create('thread_1', { assistant_id: 'asst_1' })).toBe('(a|)', {
        a: made,
      });
      flush();
      expect(creates()).toBe(1);
    });
  });

  it('sends the create again (same key) when the list shows it did not take effect', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      const { backend, keys } = creating(
        () => throwError(() => connectionError()),
        () => [runWith('completed', { id: 'run_old', created_at: -5 })],
      );
      const rx = rxAssistants(backend, { retry });
      expectObservable(rx.runs.create('thread_1', { assistant_id: 'asst_1' })).toBe('50ms (a|)', {
        a: runWith('queued', { id: 'run_new' }),
      });
      flush();
      expect(new Set(keys).size).toBe(1);
    });
  });

  it("adopts the active run when a retry is refused with 'already has an active run'", () => {
    testScheduler().run(({ expectObservable }) => {
      const active = runWith('in_progress', { id: 'run_lost', created_at: 0 });
      let listed: Run[] = [];
      let creates = 0;
      const backend = fakeBackend({
        runs: {
          create: () =>
            defer(() => {
              creates++;
              if (creates === 1) return throwError(() => apiError(500));
              listed = [active];
              return throwError(() =>
                apiError(400, {}, 'Thread thread_1 already has an active run run_lost.'),
              );
            }),
          list: () => defer(() => of(page(listed))),
        },
      });
      const rx = rxAssistants(backend, { retry });
      expectObservable(rx.runs.create('thread_1', { assistant_id: 'asst_1' })).toBe('50ms (a|)', {
        a: active,
      });
    });
  });

  it('does not adopt a run the client already knew, nor one of another assistant', () => {
    testScheduler().run(({ expectObservable }) => {
      let creates = 0;
      const first = runWith('completed', { id: 'run_first', created_at: 0 });
      const backend = fakeBackend({
        runs: {
          create: () =>
            defer(() => {
              creates++;
              if (creates === 1) return of(first);
              if (creates === 2) return throwError(() => apiError(500));
              return of(runWith('queued', { id: 'run_second' }));
            }),
          list: () =>
            of(page([runWith('completed', { id: 'run_x', assistant_id: 'asst_other' }), first])),
        },
      });
      const rx = rxAssistants(backend, { retry });
      rx.runs.create('thread_1', { assistant_id: 'asst_1' }).subscribe();
      expectObservable(rx.runs.create('thread_1', { assistant_id: 'asst_1' })).toBe('50ms (a|)', {
        a: runWith('queued', { id: 'run_second' }),
      });
    });
  });

  it('counts a submit whose answer was lost as done when the run no longer waits on its calls', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      let submits = 0;
      const backend = fakeBackend({
        runs: {
          submitToolOutputs: () => defer(() => (submits++, throwError(() => apiError(502)))),
          retrieve: () => of(retrieval(runWith('in_progress'))),
        },
      });
      const rx = rxAssistants(backend, { retry });
      const outputs = { tool_outputs: [{ tool_call_id: 'call_1', output: '4' }] };
      expectObservable(rx.runs.submitToolOutputs('thread_1', 'run_1', outputs)).toBe('(a|)', {
        a: runWith('in_progress'),
      });
      flush();
      expect(submits).toBe(1);
    });
  });

  it('submits again, with the same key, when the run still waits on the calls', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      const keys: Array<string | undefined> = [];
      const backend = fakeBackend({
        runs: {
          submitToolOutputs: (_t, _r, _p, options?: RequestOptions) =>
            defer(() => {
              keys.push(options?.idempotencyKey);
              return keys.length === 1
                ? throwError(() => connectionError())
                : of(runWith('queued'));
            }),
          retrieve: () =>
            of(retrieval(requiresAction([{ id: 'call_1', name: 'add', arguments: '{}' }]))),
        },
      });
      const rx = rxAssistants(backend, { retry });
      const outputs = { tool_outputs: [{ tool_call_id: 'call_1', output: '4' }] };
      expectObservable(rx.runs.submitToolOutputs('thread_1', 'run_1', outputs)).toBe('50ms (a|)', {
        a: runWith('queued'),
      });
      flush();
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
    });
  });

  it('a delete whose retry finds the object gone counts as done', () => {
    testScheduler().run(({ expectObservable }) => {
      let deletes = 0;
      const backend = fakeBackend({
        threads: {
          delete: () =>
            defer(() =>
              ++deletes === 1
                ? throwError(() => connectionError())
                : throwError(() => apiError(404)),
            ),
        },
      });
      const rx = rxAssistants(backend, { retry });
      expectObservable(rx.threads.delete('thread_1')).toBe('50ms (a|)', {
        a: { id: 'thread_1', object: 'thread.deleted', deleted: true },
      });
    });
  });
});
