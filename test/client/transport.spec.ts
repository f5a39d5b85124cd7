import { describe, expect, it } from 'vitest';
import { concat, defer, map, NEVER, take, throwError } from 'rxjs';
import { BackendError, StreamInterruptedError } from '../../src/errors';
import { rxAssistants, type RunOptions, type RxAssistants, type Transport } from '../../src/client';
import type { AssistantsBackend, StreamingBackend } from '../../src/backend';
import type { AssistantStreamEvent } from '../../src/backend/types';
import { localBackend, tutorModel } from '../../src/local';
import { counterIds } from '../local/scriptedModel';
import { testScheduler } from '../support/scheduler';
import { quizTool } from '../support/quizTool';

interface Seen {
  at: number;
  event?: AssistantStreamEvent;
  error?: unknown;
}

/**
 * The same scenario on any transport, in virtual time: the tutor (thinking
 * 15 ms before each answer) is asked for a quiz, calls the quiz tool, gets its
 * output from the handler and answers with it.
 */
function quizScenario(
  transport: Transport,
  wrap: (b: AssistantsBackend) => AssistantsBackend = (b) => b,
  options: RunOptions = {},
) {
  const seen: Seen[] = [];
  const calls = { submits: 0, streamedSubmits: 0 };
  const scheduler = testScheduler();
  scheduler.run(({ flush }) => {
    const local = localBackend({
      ids: counterIds(),
      model: tutorModel({ delay: 15, chunkDelay: 5 }),
    });
    const counted: AssistantsBackend = {
      ...local,
      runs: {
        ...local.runs,
        submitToolOutputs: (...a) => (calls.submits++, local.runs.submitToolOutputs(...a)),
      },
      streaming: {
        ...local.streaming!,
        submitToolOutputs: (...a) => (
          calls.streamedSubmits++,
          local.streaming!.submitToolOutputs(...a)
        ),
      },
    };
    const rx: RxAssistants = rxAssistants(wrap(counted), { poll: 10 });
    rx.assistants.create({ model: 'tutor', tools: [quizTool] }).subscribe();
    rx.ask('asst_1', 'Quiz me, please!', {
      transport,
      tools: { display_quiz: () => ({ score: '2/2' }) },
      retry: { random: () => 0.5, initialDelay: 10 },
      ...options,
    }).subscribe({
      next: (event) => seen.push({ at: scheduler.now(), event }),
      error: (error: unknown) => seen.push({ at: scheduler.now(), error }),
    });
    flush();
  });
  return { seen, calls };
}

const withoutDeltas = (seen: Seen[]) =>
  seen.filter((s) => s.event && !s.event.event.endsWith('.delta')).map((s) => s.event!.event);

describe('transports', () => {
  it('give identical event sequences over polling and streaming, once deltas are removed', () => {
    const polled = quizScenario('poll');
    const streamed = quizScenario('stream');
    expect(withoutDeltas(polled.seen)).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.step.created',
      'thread.run.step.in_progress',
      'thread.run.requires_action',
      'thread.run.step.completed',
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
    expect(withoutDeltas(streamed.seen)).toEqual(withoutDeltas(polled.seen));
    // Streaming adds the deltas, and sees the end without waiting for a poll.
    expect(streamed.seen.some((s) => s.event?.event === 'thread.message.delta')).toBe(true);
    expect(streamed.seen.at(-1)!.at).toBeLessThan(polled.seen.at(-1)!.at);
    // The tool loop goes on over the stream after the submit.
    expect(streamed.calls).toEqual({ submits: 0, streamedSubmits: 1 });
    expect(polled.calls).toEqual({ submits: 1, streamedSubmits: 0 });
  });

  it("falls back to polling under 'auto' when the stream breaks, losing and repeating nothing", () => {
    const complete = withoutDeltas(quizScenario('stream').seen);
    // The first stream breaks (a dropped connection) after 4 events.
    // (`ask` on a new thread streams `createThreadAndRun`: `thread.created`, then the run's events.)
    const breaking = (backend: AssistantsBackend): AssistantsBackend => ({
      ...backend,
      streaming: {
        ...backend.streaming!,
        createThreadAndRun: (params) =>
          concat(
            backend.streaming!.createThreadAndRun(params).pipe(take(5)),
            throwError(() => new TypeError('terminated')),
          ),
      } satisfies StreamingBackend,
    });
    const { seen, calls } = quizScenario('auto', breaking);
    expect(seen.filter((s) => s.error)).toEqual([]);
    expect(withoutDeltas(seen)).toEqual(complete);
    expect(calls.submits).toBe(1); // the rest of the run was followed by polling
  });

  it("fails under 'stream' when the stream breaks, and cancels the run it owns", () => {
    let cancels = 0;
    const breaking = (backend: AssistantsBackend): AssistantsBackend => ({
      ...backend,
      runs: { ...backend.runs, cancel: (...a) => (cancels++, backend.runs.cancel(...a)) },
      streaming: {
        ...backend.streaming!,
        createThreadAndRun: (params) => backend.streaming!.createThreadAndRun(params).pipe(take(4)),
      },
    });
    const { seen } = quizScenario('stream', breaking);
    expect((seen.at(-1)!.error as Error).name).toBe('StreamInterruptedError');
    expect(cancels).toBe(1);
  });

  it("polls under 'auto' when the backend cannot stream, and 'stream' fails with a TypeError", () => {
    const noStreaming = ({ streaming: _s, ...rest }: AssistantsBackend): AssistantsBackend => rest;
    expect(withoutDeltas(quizScenario('auto', noStreaming).seen)).toEqual(
      withoutDeltas(quizScenario('poll').seen),
    );
    const failed = quizScenario('stream', noStreaming).seen;
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toBeInstanceOf(TypeError);
  });

  it("never takes a tool error for a broken stream under 'auto': onToolError 'fail' ends the run", () => {
    const { seen, calls } = quizScenario('auto', undefined, {
      tools: {
        display_quiz: () => {
          throw new Error('no screen');
        },
      },
      onToolError: 'fail',
    });
    expect((seen.at(-1)!.error as Error).name).toBe('ToolCallError');
    expect(calls).toEqual({ submits: 0, streamedSubmits: 0 });
  });

  it('resubmits, with the same key, tool outputs whose streamed submit was lost before it arrived', () => {
    const complete = withoutDeltas(quizScenario('stream').seen);
    let attempts = 0;
    const keys: Array<string | undefined> = [];
    const losing = (backend: AssistantsBackend): AssistantsBackend => ({
      ...backend,
      streaming: {
        ...backend.streaming!,
        submitToolOutputs: (threadId, runId, params, options) =>
          defer(() => {
            keys.push(options?.idempotencyKey);
            return ++attempts === 1
              ? throwError(() => new TypeError('fetch failed'))
              : backend.streaming!.submitToolOutputs(threadId, runId, params, options);
          }),
      },
    });
    for (const transport of ['stream', 'auto'] as const) {
      attempts = 0;
      keys.length = 0;
      const { seen } = quizScenario(transport, losing);
      expect(seen.filter((s) => s.error)).toEqual([]);
      expect(withoutDeltas(seen)).toEqual(complete);
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
    }
  });

  it('counts a streamed submit whose answer was lost as done, and follows the run by polling', () => {
    const complete = withoutDeltas(quizScenario('stream').seen);
    let submits = 0;
    const answerLost = (backend: AssistantsBackend): AssistantsBackend => ({
      ...backend,
      streaming: {
        ...backend.streaming!,
        // The server takes the outputs; its answer never arrives.
        submitToolOutputs: (...a) =>
          defer(() => {
            submits++;
            backend.streaming!.submitToolOutputs(...a).subscribe();
            return throwError(() => Object.assign(new Error('Bad gateway'), { status: 502 }));
          }),
      },
    });
    const { seen } = quizScenario('stream', answerLost);
    expect(seen.filter((s) => s.error)).toEqual([]);
    expect(withoutDeltas(seen)).toEqual(complete);
    expect(submits).toBe(1);
  });

  it("keeps one deadline under 'stream': a stream that stalls fails with RunTimeoutError and the run is cancelled", () => {
    let cancels = 0;
    const stalling = (backend: AssistantsBackend): AssistantsBackend => ({
      ...backend,
      runs: { ...backend.runs, cancel: (...a) => (cancels++, backend.runs.cancel(...a)) },
      streaming: {
        ...backend.streaming!,
        createThreadAndRun: (params, options) =>
          concat(backend.streaming!.createThreadAndRun(params, options).pipe(take(4)), NEVER),
      },
    });
    const { seen } = quizScenario('stream', stalling, { timeout: 100 });
    const last = seen.at(-1)!;
    expect((last.error as Error).name).toBe('RunTimeoutError');
    expect(last.at).toBe(100);
    expect(cancels).toBe(1);
  });

  it("raises StreamInterruptedError under 'stream' when the server dies mid-stream", () => {
    const dying = (backend: AssistantsBackend): AssistantsBackend => ({
      ...backend,
      streaming: {
        ...backend.streaming!,
        createThreadAndRun: (params, options) =>
          concat(
            backend.streaming!.createThreadAndRun(params, options).pipe(take(4)),
            throwError(() => new TypeError('terminated')),
          ),
      },
    });
    const { seen } = quizScenario('stream', dying);
    const error = seen.at(-1)!.error as Error;
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error.cause as Error).message).toBe('terminated');
  });

  it('takes the terminal event name over a status that lags in its data', () => {
    const lagging = (backend: AssistantsBackend): AssistantsBackend => ({
      ...backend,
      streaming: {
        ...backend.streaming!,
        submitToolOutputs: (...a) =>
          backend
            .streaming!.submitToolOutputs(...a)
            .pipe(
              map((event) =>
                event.event === 'thread.run.completed'
                  ? ({ ...event, data: { ...event.data, status: 'in_progress' } } as typeof event)
                  : event,
              ),
            ),
      },
    });
    const { seen } = quizScenario('stream', lagging);
    expect(seen.filter((s) => s.error)).toEqual([]);
    const last = seen.at(-1)!.event!;
    expect(last.event).toBe('thread.run.completed');
    expect((last.data as { status: string }).status).toBe('completed');
  });

  it("polls under 'auto' when the server refuses to stream", () => {
    let streamed = 0;
    const refusing = (backend: AssistantsBackend): AssistantsBackend => ({
      ...backend,
      streaming: {
        ...backend.streaming!,
        createThreadAndRun: () =>
          defer(() => {
            streamed++;
            return throwError(
              () =>
                new BackendError({
                  status: 400,
                  message: 'Streaming is not supported by this server.',
                  param: 'stream',
                }),
            );
          }),
      },
    });
    const { seen } = quizScenario('auto', refusing);
    expect(withoutDeltas(seen)).toEqual(withoutDeltas(quizScenario('poll').seen));
    expect(streamed).toBe(1);
  });
});
