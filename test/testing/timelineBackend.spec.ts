import { asyncScheduler, concatMap, map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Message, Run, RunStep, TextContentBlock } from '../../src/backend/types';
import { BackendError } from '../../src/errors/BackendError';
import { timelineBackend, type TimelineBackendConfig } from '../../src/testing';
import { testScheduler } from '../support/scheduler';

/** Subscribes and returns the value a latency-0 request emits synchronously, or throws its error. */
function now<T>(source: Observable<T>): T {
  let result: { value: T } | undefined;
  let failure: { error: unknown } | undefined;
  source.subscribe({
    next: (value) => (result = { value }),
    error: (error) => (failure = { error }),
  });
  if (failure) throw failure.error;
  if (!result) throw new Error('The request did not answer synchronously.');
  return result.value;
}

/** The error a latency-0 request raises. */
function errorOf(source: Observable<unknown>): BackendError {
  try {
    now(source);
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error('The request did not fail.');
}

/** Runs `body` in virtual time, where the clock starts at 0. */
const virtual = (body: () => void) => testScheduler().run(body);

/** Runs `work` at an absolute virtual frame (inside `TestScheduler.run`). */
function at(frame: number, work: () => void): void {
  asyncScheduler.schedule(work, frame);
}

const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
};

/** A backend with `asst_1` (one function tool) and an empty `thread_1`. */
function setup(config: TimelineBackendConfig) {
  const backend = timelineBackend(config);
  now(backend.assistants.create({ model: 'gpt-4o', instructions: 'Be brief.', tools: [weather] }));
  now(backend.threads.create());
  return backend;
}

type Backend = ReturnType<typeof setup>;

const run = (backend: Backend, runId = 'run_1', threadId = 'thread_1'): Run =>
  now(backend.runs.retrieve(threadId, runId)).run;

/** The status of a run each time `marbles` emits. */
function statuses(backend: Backend, marbles: string, cold: (m: string) => Observable<string>) {
  return cold(marbles).pipe(
    concatMap(() => backend.runs.retrieve('thread_1', 'run_1')),
    map(({ run }) => run.status),
  );
}

const startRun = (backend: Backend) =>
  now(backend.runs.create('thread_1', { assistant_id: 'asst_1' }));

const textOf = (message: Message) => (message.content[0] as TextContentBlock).text.value;

describe('timelineBackend', () => {
  describe('timelines', () => {
    it('changes the status at each letter, one frame per ms', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const backend = setup({ runs: 'q-i--c' });
        startRun(backend);
        expectObservable(statuses(backend, 'abcdefg', cold)).toBe('abcdefg', {
          a: 'queued',
          b: 'queued',
          c: 'in_progress',
          d: 'in_progress',
          e: 'in_progress',
          f: 'completed',
          g: 'completed',
        });
      });
    });

    it('supports time progression and groups', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const backend = setup({ runs: '(qi) 100ms c' });
        startRun(backend);
        expectObservable(statuses(backend, 'a 102ms b c', cold)).toBe('a 102ms b c', {
          a: 'in_progress',
          b: 'in_progress',
          c: 'completed',
        });
      });
    });

    it('counts frames from the run creation, not from the backend creation', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const backend = setup({ runs: 'q-c' });
        at(10, () => startRun(backend));
        expectObservable(statuses(backend, '10ms a b c', cold)).toBe('10ms a b c', {
          a: 'queued',
          b: 'queued',
          c: 'completed',
        });
      });
    });

    it('uses 1 ms frames even when configured outside TestScheduler.run', () => {
      const backend = setup({ runs: 'q-i' });
      expect(TestScheduler.frameTimeFactor).toBe(10);
      testScheduler().run(({ cold, expectObservable }) => {
        startRun(backend);
        expectObservable(statuses(backend, 'a-b', cold)).toBe('a-b', {
          a: 'queued',
          b: 'in_progress',
        });
      });
      expect(TestScheduler.frameTimeFactor).toBe(10);
    });

    it('leaves the run in a non-terminal last status, and ignores letters after |', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const backend = setup({ runs: 'q-i|-c' });
        startRun(backend);
        expectObservable(statuses(backend, 'a 10s b', cold)).toBe('a 10s b', {
          a: 'queued',
          b: 'in_progress',
        });
      });
    });

    it('starts queued when frame 0 has no letter, and applies frame 0 at once', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: ['--i', 'c'] });
        expect(startRun(backend).status).toBe('queued');
        at(5, () => {
          now(backend.threads.create());
          expect(now(backend.runs.create('thread_2', { assistant_id: 'asst_1' })).status).toBe(
            'completed',
          );
        });
      });
    });

    it('applies the letters of all runs in time order, ties in creation order', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: ['q-i', 'q-i', 'q---i', 'q-i'] });
        now(backend.threads.create());
        now(backend.runs.create('thread_2', { assistant_id: 'asst_1' }));
        now(backend.runs.create('thread_1', { assistant_id: 'asst_1' }));
        at(10, () => {
          const messageOf = (threadId: string) =>
            now(backend.messages.list(threadId)).data.map((m) => [m.id, m.run_id]);
          expect(messageOf('thread_2')).toEqual([['msg_1', 'run_1']]);
          expect(messageOf('thread_1')).toEqual([['msg_2', 'run_2']]);
          now(backend.threads.create());
          now(backend.threads.create());
          now(backend.runs.create('thread_3', { assistant_id: 'asst_1' }));
          now(backend.runs.create('thread_4', { assistant_id: 'asst_1' }));
        });
        at(20, () => {
          expect(now(backend.messages.list('thread_4')).data[0]?.id).toBe('msg_3');
          expect(now(backend.messages.list('thread_3')).data[0]?.id).toBe('msg_4');
        });
      });
    });

    it('takes timelines per creation in order, the last one repeating', () =>
      virtual(() => {
        const backend = setup({ runs: ['c', 'f', 'x'] });
        const statusesOf = ['thread_1', 'thread_2', 'thread_3', 'thread_4'].map((threadId) => {
          if (threadId !== 'thread_1') now(backend.threads.create());
          return now(backend.runs.create(threadId, { assistant_id: 'asst_1' })).status;
        });
        expect(statusesOf).toEqual(['completed', 'failed', 'cancelled', 'cancelled']);
      }));

    it('computes timelines from the run context', () =>
      virtual(() => {
        const contexts: unknown[] = [];
        const backend = setup({
          runs: (context) => {
            contexts.push(context);
            return context.index === 0 ? 'c' : 'f';
          },
        });
        now(backend.threads.create());
        expect(startRun(backend).status).toBe('completed');
        expect(now(backend.runs.create('thread_2', { assistant_id: 'asst_1' })).status).toBe(
          'failed',
        );
        expect(contexts).toEqual([
          { index: 0, threadId: 'thread_1', assistantId: 'asst_1' },
          { index: 1, threadId: 'thread_2', assistantId: 'asst_1' },
        ]);
      }));

    it('rejects unknown letters and markers at configuration time', () =>
      virtual(() => {
        expect(() => timelineBackend({ runs: 'q-z' })).toThrow(
          new TypeError("Run timeline 'q-z': unknown letter 'z' (use q i r n x c f e u)."),
        );
        expect(() => timelineBackend({ runs: ['c', 'q1'] })).toThrow(/unknown letter '1'/);
        expect(() => timelineBackend({ runs: 'q-#' })).toThrow(TypeError);
        expect(() => timelineBackend({ runs: '^q' })).toThrow(TypeError);
        expect(() => timelineBackend({ runs: 'q!' })).toThrow(TypeError);
        expect(() => timelineBackend({ runs: [] })).toThrow(TypeError);
        expect(() => timelineBackend({ runs: 42 as never })).toThrow(TypeError);
      }));

    it('rejects an unknown letter of a computed timeline at run creation, creating nothing', () =>
      virtual(() => {
        const backend = setup({ runs: () => 'q-?' });
        const seen: unknown[] = [];
        backend.runs
          .create('thread_1', {
            assistant_id: 'asst_1',
            additional_messages: [{ role: 'user', content: 'Hi' }],
          })
          .subscribe({ error: (error) => seen.push(error) });
        expect(seen).toEqual([expect.any(TypeError)]);
        expect(now(backend.runs.list('thread_1')).data).toEqual([]);
        expect(now(backend.messages.list('thread_1')).data).toEqual([]);
        expect(() => now(backend.threads.createAndRun({ assistant_id: 'asst_1' }))).toThrow(
          TypeError,
        );
        expect(errorOf(backend.threads.retrieve('thread_2')).status).toBe(404);
      }));

    it('rejects bad latency and expiresAfter', () =>
      virtual(() => {
        expect(() => timelineBackend({ runs: 'c', latency: -1 })).toThrow(TypeError);
        expect(() => timelineBackend({ runs: 'c', latency: Infinity })).toThrow(TypeError);
        expect(() => timelineBackend({ runs: 'c', expiresAfter: Number.NaN })).toThrow(TypeError);
      }));
  });

  describe('requires_action', () => {
    it('pauses at r until the outputs are submitted, then resumes from the submit', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const backend = setup({ runs: 'q-i-r--i-c' });
        startRun(backend);
        at(20, () => {
          const submitted = now(
            backend.runs.submitToolOutputs('thread_1', 'run_1', {
              tool_outputs: [{ tool_call_id: 'call_1', output: '{"temp":21}' }],
            }),
          );
          expect(submitted.status).toBe('queued');
          expect(submitted.required_action).toBeNull();
        });
        expectObservable(statuses(backend, 'a-b-c 14ms d-g-h-f', cold)).toBe('a-b-c 14ms d-g-h-f', {
          a: 'queued',
          b: 'in_progress',
          c: 'requires_action',
          d: 'requires_action',
          g: 'queued',
          h: 'in_progress',
          f: 'completed',
        });
      });
    });

    it('fills required_action with the configured tool calls, arguments encoded', () => {
      const rounds: number[] = [];
      testScheduler().run(() => {
        const backend = setup({
          runs: 'r(r)c',
          toolCalls: (run, round) => {
            rounds.push(round);
            expect(run.status).toBe('requires_action');
            return [
              { name: 'get_weather', arguments: { city: 'Paris', round } },
              { name: 'get_time', arguments: '{}' },
            ];
          },
        });
        const outputs = (ids: string[]) => ({
          tool_outputs: ids.map((id) => ({ tool_call_id: id, output: `out ${id}` })),
        });
        expect(startRun(backend).required_action).toEqual({
          type: 'submit_tool_outputs',
          submit_tool_outputs: {
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris","round":0}' },
              },
              { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
            ],
          },
        });
        at(3, () => {
          const submitted = now(
            backend.runs.submitToolOutputs('thread_1', 'run_1', outputs(['call_2', 'call_1'])),
          );
          expect(submitted.status).toBe('queued');
        });
        at(4, () => {
          const paused = run(backend);
          expect(paused.status).toBe('requires_action');
          expect(paused.required_action?.submit_tool_outputs.tool_calls).toEqual([
            expect.objectContaining({ id: 'call_3' }),
            expect.objectContaining({
              id: 'call_4',
              function: { name: 'get_time', arguments: '{}' },
            }),
          ]);
          now(backend.runs.submitToolOutputs('thread_1', 'run_1', outputs(['call_3', 'call_4'])));
        });
        at(6, () => expect(run(backend).status).toBe('queued'));
        at(7, () => expect(run(backend).status).toBe('completed'));
      });
      expect(rounds).toEqual([0, 1]);
    });

    it('resumes at once with letters grouped with r', () =>
      virtual(() => {
        const backend = setup({ runs: '(ri)--c', toolCalls: [{ name: 'f', arguments: '{}' }] });
        startRun(backend);
        const resumed = now(
          backend.runs.submitToolOutputs('thread_1', 'run_1', {
            tool_outputs: [{ tool_call_id: 'call_1', output: 'ok' }],
          }),
        );
        expect(resumed.status).toBe('in_progress');
      }));

    it("calls the run's first function tool by default", () =>
      virtual(() => {
        const backend = setup({ runs: 'r' });
        expect(startRun(backend).required_action?.submit_tool_outputs.tool_calls).toEqual([
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
        ]);
        now(backend.threads.create());
        const bare = now(
          backend.runs.create('thread_2', {
            assistant_id: 'asst_1',
            tools: [{ type: 'file_search' }],
          }),
        );
        expect(bare.required_action?.submit_tool_outputs.tool_calls[0]?.function.name).toBe('tool');
      }));

    it('records a tool_calls step, completed with the outputs on submit', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: 'q-i-r-i-c' });
        startRun(backend);
        at(4, () => {
          const { data } = now(backend.steps.list('thread_1', 'run_1'));
          expect(data).toEqual([
            expect.objectContaining({
              id: 'step_1',
              object: 'thread.run.step',
              type: 'tool_calls',
              status: 'in_progress',
              run_id: 'run_1',
              thread_id: 'thread_1',
              assistant_id: 'asst_1',
              step_details: {
                type: 'tool_calls',
                tool_calls: [
                  {
                    id: 'call_1',
                    type: 'function',
                    function: { name: 'get_weather', arguments: '{}', output: null },
                  },
                ],
              },
            }),
          ]);
          expect(now(backend.messages.list('thread_1')).data).toEqual([]);
          now(
            backend.runs.submitToolOutputs('thread_1', 'run_1', {
              tool_outputs: [{ tool_call_id: 'call_1', output: 'sunny' }],
            }),
          );
          const step = now(backend.steps.retrieve('thread_1', 'run_1', 'step_1'));
          expect(step.status).toBe('completed');
          expect(step.completed_at).toBe(0);
          expect(step.step_details).toEqual(
            expect.objectContaining({
              tool_calls: [
                expect.objectContaining({ function: expect.objectContaining({ output: 'sunny' }) }),
              ],
            }),
          );
        });
        at(6, () => {
          const { data } = now(backend.steps.list('thread_1', 'run_1', { order: 'asc' }));
          expect(data.map((s) => [s.id, s.type, s.status])).toEqual([
            ['step_1', 'tool_calls', 'completed'],
            ['step_2', 'message_creation', 'in_progress'],
          ]);
        });
      });
    });

    it('refuses outputs outside requires_action and bad tool_call_ids', () =>
      virtual(() => {
        const backend = setup({ runs: 'r' });
        startRun(backend);
        const submit = (tool_outputs: { tool_call_id?: string; output?: string }[]) =>
          errorOf(backend.runs.submitToolOutputs('thread_1', 'run_1', { tool_outputs }));
        for (const error of [
          submit([{ tool_call_id: 'call_9', output: 'x' }]),
          submit([{ output: 'x' }]),
          submit([
            { tool_call_id: 'call_1', output: 'x' },
            { tool_call_id: 'call_1', output: 'y' },
          ]),
          submit([]),
        ]) {
          expect(error).toMatchObject({
            status: 400,
            type: 'invalid_request_error',
            param: expect.stringMatching(/^tool_outputs/),
          });
        }
        expect(run(backend).status).toBe('requires_action');
        now(
          backend.runs.submitToolOutputs('thread_1', 'run_1', {
            tool_outputs: [{ tool_call_id: 'call_1' }],
          }),
        );
        expect(submit([{ tool_call_id: 'call_1', output: 'x' }])).toMatchObject({
          status: 400,
          param: null,
          message: 'Runs in status "queued" do not accept tool outputs.',
        });
      }));
  });

  describe('cancel', () => {
    it('is cancelling at once and cancelled 1 ms later, abandoning the timeline', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const backend = setup({ runs: 'q-i----c' });
        startRun(backend);
        at(3, () =>
          expect(now(backend.runs.cancel('thread_1', 'run_1')).status).toBe('cancelling'),
        );
        expectObservable(statuses(backend, 'a--bc 10ms d', cold)).toBe('a--bc 10ms d', {
          a: 'queued',
          b: 'cancelling',
          c: 'cancelled',
          d: 'cancelled',
        });
        at(50, () => {
          const cancelled = run(backend);
          expect(cancelled.cancelled_at).toBe(0);
          expect(cancelled.completed_at).toBeNull();
          expect(cancelled.expires_at).toBeNull();
          const [message] = now(backend.messages.list('thread_1')).data;
          expect(message).toMatchObject({
            status: 'incomplete',
            incomplete_details: { reason: 'run_cancelled' },
            content: [],
          });
          const [step] = now(backend.steps.list('thread_1', 'run_1')).data;
          expect(step).toMatchObject({ status: 'cancelled', cancelled_at: 0 });
        });
      });
    });

    it('cancels a run waiting for tool outputs, and its tool_calls step', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: 'r' });
        startRun(backend);
        const cancelling = now(backend.runs.cancel('thread_1', 'run_1'));
        expect(cancelling.required_action).toBeNull();
        at(1, () => {
          expect(run(backend).status).toBe('cancelled');
          expect(now(backend.steps.retrieve('thread_1', 'run_1', 'step_1')).status).toBe(
            'cancelled',
          );
        });
      });
    });

    it('refuses to cancel a terminal or cancelling run', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: 'q-n' });
        startRun(backend);
        at(2, () => {
          expect(errorOf(backend.runs.cancel('thread_1', 'run_1'))).toMatchObject({
            status: 400,
            message: "Cannot cancel run with status 'cancelling'.",
          });
        });
      });
      const done = setup({ runs: 'c' });
      startRun(done);
      expect(errorOf(done.runs.cancel('thread_1', 'run_1'))).toMatchObject({
        status: 400,
        message: "Cannot cancel run with status 'completed'.",
      });
    });
  });

  describe('steps and messages', () => {
    it('opens a message_creation step and an empty assistant message at in_progress', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: 'q-i-i-c', reply: (r) => `Reply to ${r.id}` });
        startRun(backend);
        at(2, () => {
          const [message] = now(backend.messages.list('thread_1')).data;
          expect(message).toEqual({
            id: 'msg_1',
            object: 'thread.message',
            created_at: 0,
            thread_id: 'thread_1',
            role: 'assistant',
            content: [],
            assistant_id: 'asst_1',
            run_id: 'run_1',
            attachments: [],
            metadata: {},
            status: 'in_progress',
            completed_at: null,
            incomplete_at: null,
            incomplete_details: null,
          });
          const [step] = now(backend.steps.list('thread_1', 'run_1')).data;
          expect(step).toMatchObject({
            type: 'message_creation',
            status: 'in_progress',
            step_details: { type: 'message_creation', message_creation: { message_id: 'msg_1' } },
          });
          expect(run(backend).started_at).toBe(0);
        });
        at(6, () => {
          expect(now(backend.steps.list('thread_1', 'run_1')).data).toHaveLength(1);
          const message = now(backend.messages.retrieve('thread_1', 'msg_1'));
          expect(message).toMatchObject({ status: 'completed', completed_at: 0 });
          expect(message.content).toEqual([
            { type: 'text', text: { value: 'Reply to run_1', annotations: [] } },
          ]);
          const step = now(backend.steps.retrieve('thread_1', 'run_1', 'step_1'));
          expect(step).toMatchObject({ status: 'completed', completed_at: 0 });
        });
      });
    });

    it('writes the reply and usage on completion, even without in_progress', () =>
      virtual(() => {
        const backend = setup({ runs: 'c' });
        now(backend.messages.create('thread_1', { role: 'user', content: 'What is 2 + 2?' }));
        const completed = startRun(backend);
        expect(completed.started_at).toBe(0);
        expect(completed.completed_at).toBe(0);
        expect(completed.expires_at).toBeNull();
        const { data } = now(backend.messages.list('thread_1'));
        expect(data.map((m) => [m.role, textOf(m), m.status])).toEqual([
          ['assistant', 'Done.', 'completed'],
          ['user', 'What is 2 + 2?', 'completed'],
        ]);
        const [step] = now(backend.steps.list('thread_1', 'run_1')).data;
        expect(completed.usage).toEqual(step?.usage);
        expect(completed.usage).toEqual({
          prompt_tokens: Math.ceil('Be brief.What is 2 + 2?'.length / 4),
          completion_tokens: Math.ceil('Done.'.length / 4),
          total_tokens: Math.ceil(23 / 4) + 2,
        });
      }));

    it('timestamps in unix seconds of the scheduler', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: 'q 2s i 999ms c' });
        at(5000, () => expect(startRun(backend).expires_at).toBe(605));
        at(7000, () => expect(run(backend).started_at).toBeNull());
        at(9000, () => {
          const done = run(backend);
          expect([done.created_at, done.started_at, done.completed_at]).toEqual([5, 7, 8]);
          const [message] = now(backend.messages.list('thread_1')).data;
          expect([message?.created_at, message?.completed_at]).toEqual([7, 8]);
        });
        const soon = setup({ runs: 'q', expiresAfter: 60_000 });
        at(1500, () => expect(startRun(soon).expires_at).toBe(61));
      });
    });

    it.each([
      [
        'f',
        'failed',
        {
          status: 'failed',
          failed_at: 0,
          last_error: { code: 'server_error', message: 'The timeline failed the run.' },
        },
        'run_failed',
      ],
      ['e', 'expired', { status: 'expired', expired_at: 0 }, 'run_expired'],
      ['u', 'completed', { status: 'completed', completed_at: 0, last_error: null }, 'max_tokens'],
      ['x', 'cancelled', { status: 'cancelled', cancelled_at: 0 }, 'run_cancelled'],
    ] as const)(
      'ends the open step and message on %s',
      (letter, stepStatus, stepFields, reason) => {
        const backend = setup({ runs: `q-i-${letter}` });
        testScheduler().run(() => {
          startRun(backend);
          at(4, () => {
            const [step] = now(backend.steps.list('thread_1', 'run_1')).data;
            expect(step).toMatchObject({ ...stepFields, status: stepStatus });
            const [message] = now(backend.messages.list('thread_1')).data;
            expect(message).toMatchObject({
              status: 'incomplete',
              incomplete_at: 0,
              incomplete_details: { reason },
            });
          });
        });
      },
    );

    it('fills the terminal fields of the run', () =>
      virtual(() => {
        const ended = (letter: string) => startRun(setup({ runs: `(i${letter})` }));
        expect(ended('f')).toMatchObject({
          status: 'failed',
          failed_at: 0,
          last_error: { code: 'server_error', message: 'The timeline failed the run.' },
          expires_at: null,
          usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
        });
        expect(ended('e')).toMatchObject({ status: 'expired', expires_at: 0 });
        expect(ended('u')).toMatchObject({
          status: 'incomplete',
          incomplete_details: { reason: 'max_completion_tokens' },
        });
        expect(ended('x')).toMatchObject({ status: 'cancelled', cancelled_at: 0 });
      }));

    it('creates a full, plausible run object', () =>
      virtual(() => {
        const backend = setup({ runs: 'q' });
        expect(
          now(
            backend.runs.create('thread_1', {
              assistant_id: 'asst_1',
              additional_instructions: 'Use metric units.',
              metadata: { user: 'u1' },
              temperature: 0.2,
            }),
          ),
        ).toEqual({
          id: 'run_1',
          object: 'thread.run',
          created_at: 0,
          thread_id: 'thread_1',
          assistant_id: 'asst_1',
          status: 'queued',
          model: 'gpt-4o',
          instructions: 'Be brief.\n\nUse metric units.',
          tools: [weather],
          metadata: { user: 'u1' },
          temperature: 0.2,
          top_p: 1,
          max_completion_tokens: null,
          max_prompt_tokens: null,
          parallel_tool_calls: true,
          response_format: 'auto',
          tool_choice: 'auto',
          truncation_strategy: { type: 'auto', last_messages: null },
          required_action: null,
          last_error: null,
          incomplete_details: null,
          usage: null,
          started_at: null,
          completed_at: null,
          cancelled_at: null,
          failed_at: null,
          expires_at: 600,
        });
      }));
  });

  describe('requests', () => {
    it('is cold: nothing happens before subscribe, one request per subscription', () =>
      virtual(() => {
        const backend = setup({ runs: 'q' });
        const create$ = backend.assistants.create({ model: 'gpt-4o-mini' });
        expect(now(backend.assistants.list()).data.map((a) => a.id)).toEqual(['asst_1']);
        expect(now(create$).id).toBe('asst_2');
        expect(now(create$).id).toBe('asst_3');
        expect(backend.log.map((r) => r.op)).toEqual([
          'assistants.create',
          'threads.create',
          'assistants.list',
          'assistants.create',
          'assistants.create',
        ]);
      }));

    it('answers after the latency, and logs when', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const backend = timelineBackend({ runs: 'q', latency: 5, pollAfterMs: 250 });
        const asst$ = cold('--a').pipe(
          concatMap(() => backend.assistants.create({ model: 'gpt-4o' })),
          map((a) => a.id),
        );
        expectObservable(asst$).toBe('-------a', { a: 'asst_1' });
        at(20, () =>
          expect(backend.log).toEqual([
            { op: 'assistants.create', args: [{ model: 'gpt-4o' }], subscribedAt: 2, settledAt: 7 },
          ]),
        );
      });
    });

    it('aborts an unsettled request on unsubscribe: logged, and without effect', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const backend = timelineBackend({ runs: 'q', latency: 10 });
        expectObservable(backend.assistants.create({ model: 'gpt-4o' }), '^--!').toBe('');
        const pages: unknown[] = [];
        at(3, () => backend.assistants.list().subscribe((page) => pages.push(page)));
        expectObservable(
          cold('a').pipe(concatMap(() => backend.assistants.retrieve('asst_9'))),
        ).toBe('10ms #', null, expect.objectContaining({ status: 404 }));
        at(20, () => {
          expect(backend.log).toEqual([
            { op: 'assistants.create', args: [{ model: 'gpt-4o' }], subscribedAt: 0, abortedAt: 3 },
            { op: 'assistants.retrieve', args: ['asst_9'], subscribedAt: 0, settledAt: 10 },
            { op: 'assistants.list', args: [undefined], subscribedAt: 3, settledAt: 13 },
          ]);
        });
        at(21, () =>
          expect(pages).toEqual([{ data: [], has_more: false, first_id: null, last_id: null }]),
        );
      });
    });

    it('does not report an abort after the request settled', () => {
      testScheduler().run(() => {
        const backend = timelineBackend({ runs: 'q', latency: 1 });
        const subscription = backend.assistants.list().subscribe();
        at(5, () => {
          subscription.unsubscribe();
          expect(backend.log[0]).toEqual({
            op: 'assistants.list',
            args: [undefined],
            subscribedAt: 0,
            settledAt: 1,
          });
        });
      });
    });

    it('sends the poll hint with run retrievals only when configured', () =>
      virtual(() => {
        const hinted = setup({ runs: 'q', pollAfterMs: 250 });
        startRun(hinted);
        expect(now(hinted.runs.retrieve('thread_1', 'run_1')).pollAfterMs).toBe(250);
        const plain = setup({ runs: 'q' });
        startRun(plain);
        expect(Object.keys(now(plain.runs.retrieve('thread_1', 'run_1')))).toEqual(['run']);
      }));

    it('emits copies: a snapshot never changes, and changing it changes nothing', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: 'q-c' });
        const held = startRun(backend);
        const changed = run(backend);
        changed.status = 'failed';
        (changed.metadata as Record<string, string>)['x'] = 'y';
        const params = { metadata: { a: '1' } };
        now(backend.threads.update('thread_1', params));
        params.metadata.a = '2';
        at(3, () => {
          expect(held.status).toBe('queued');
          expect(held.completed_at).toBeNull();
          const current = run(backend);
          expect(current.status).toBe('completed');
          expect(current.metadata).toEqual({});
          expect(now(backend.threads.retrieve('thread_1')).metadata).toEqual({ a: '1' });
          expect(backend.log.find((r) => r.op === 'threads.update')?.args).toEqual([
            'thread_1',
            { metadata: { a: '1' } },
          ]);
        });
      });
    });
  });

  describe('errors', () => {
    it('raises 404 with the id field as param', () =>
      virtual(() => {
        const backend = setup({ runs: 'q' });
        startRun(backend);
        now(backend.threads.create()); // thread_2, without an active run
        const cases: [Observable<unknown>, string, string][] = [
          [
            backend.assistants.retrieve('asst_9'),
            'assistant_id',
            "No assistant found with id 'asst_9'.",
          ],
          [
            backend.threads.retrieve('thread_9'),
            'thread_id',
            "No thread found with id 'thread_9'.",
          ],
          [backend.runs.retrieve('thread_1', 'run_9'), 'run_id', "No run found with id 'run_9'."],
          [
            backend.messages.retrieve('thread_1', 'msg_9'),
            'message_id',
            "No message found with id 'msg_9'.",
          ],
          [
            backend.steps.retrieve('thread_1', 'run_1', 'step_9'),
            'step_id',
            "No run step found with id 'step_9'.",
          ],
          [
            backend.runs.create('thread_2', { assistant_id: 'asst_9' }),
            'assistant_id',
            "No assistant found with id 'asst_9'.",
          ],
          [
            backend.threads.createAndRun({ assistant_id: 'asst_9' }),
            'assistant_id',
            "No assistant found with id 'asst_9'.",
          ],
          [backend.messages.list('thread_9'), 'thread_id', "No thread found with id 'thread_9'."],
          [backend.steps.list('thread_1', 'run_9'), 'run_id', "No run found with id 'run_9'."],
        ];
        for (const [request$, param, message] of cases) {
          expect(errorOf(request$)).toMatchObject({
            name: 'BackendError',
            status: 404,
            type: 'invalid_request_error',
            param,
            message,
          });
        }
        expect(errorOf(backend.threads.retrieve('thread_3')).status).toBe(404);
      }));

    it('allows one active run per thread', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: 'q-i-c' });
        startRun(backend);
        const refusal = {
          status: 400,
          param: 'thread_id',
          message: 'Thread thread_1 already has an active run run_1.',
        };
        expect(errorOf(backend.runs.create('thread_1', { assistant_id: 'asst_1' }))).toMatchObject(
          refusal,
        );
        at(3, () =>
          expect(
            errorOf(backend.messages.create('thread_1', { role: 'user', content: 'Hi' })),
          ).toMatchObject(refusal),
        );
        at(4, () => {
          now(backend.messages.create('thread_1', { role: 'user', content: 'Hi' }));
          expect(startRun(backend).id).toBe('run_2');
        });
      });
    });

    it('validates input with 400s', () =>
      virtual(() => {
        const backend = setup({ runs: 'q' });
        expect(errorOf(backend.assistants.create({} as never))).toMatchObject({
          status: 400,
          param: 'model',
        });
        expect(
          errorOf(backend.messages.create('thread_1', { role: 'system' as never, content: 'x' })),
        ).toMatchObject({ status: 400, param: 'role' });
        expect(
          errorOf(backend.messages.create('thread_1', { role: 'user', content: 5 as never })),
        ).toMatchObject({ status: 400, param: 'content' });
        expect(
          errorOf(backend.threads.create({ messages: [{ role: 'bot' as never, content: 'x' }] })),
        ).toMatchObject({ status: 400, param: 'messages[0].role' });
        expect(
          errorOf(
            backend.runs.create('thread_1', {
              assistant_id: 'asst_1',
              additional_messages: [{ role: 'user', content: null as never }],
            }),
          ),
        ).toMatchObject({ status: 400, param: 'additional_messages[0].content' });
        expect(now(backend.runs.list('thread_1')).data).toEqual([]);
        expect(now(backend.threads.create()).id).toBe('thread_2');
      }));
  });

  describe('pagination', () => {
    function withMessages(count: number) {
      const backend = setup({ runs: 'c' });
      for (let n = 1; n <= count; n++) {
        now(backend.messages.create('thread_1', { role: 'user', content: `m${n}` }));
      }
      return backend;
    }
    const ids = (page: { data: { id: string }[] }) => page.data.map((item) => item.id);

    it('pages newest first by default, 20 at a time', () =>
      virtual(() => {
        const backend = withMessages(25);
        const page = now(backend.messages.list('thread_1'));
        expect(page.data).toHaveLength(20);
        expect(page).toMatchObject({ has_more: true, first_id: 'msg_25', last_id: 'msg_6' });
        const rest = now(backend.messages.list('thread_1', { after: 'msg_6' }));
        expect(ids(rest)).toEqual(['msg_5', 'msg_4', 'msg_3', 'msg_2', 'msg_1']);
        expect(rest).toMatchObject({ has_more: false, first_id: 'msg_5', last_id: 'msg_1' });
      }));

    it('supports limit, order, after and before', () =>
      virtual(() => {
        const backend = withMessages(5);
        const list = (query: Parameters<typeof backend.messages.list>[1]) =>
          now(backend.messages.list('thread_1', query));
        expect(list({ limit: 2, order: 'asc' })).toEqual(
          expect.objectContaining({ has_more: true, first_id: 'msg_1', last_id: 'msg_2' }),
        );
        expect(ids(list({ limit: 2, order: 'asc', after: 'msg_2' }))).toEqual(['msg_3', 'msg_4']);
        expect(list({ limit: 2, order: 'asc', after: 'msg_4' })).toMatchObject({
          has_more: false,
          last_id: 'msg_5',
        });
        expect(ids(list({ limit: 2, order: 'asc', before: 'msg_5' }))).toEqual(['msg_3', 'msg_4']);
        expect(list({ limit: 2, order: 'asc', before: 'msg_5' }).has_more).toBe(true);
        expect(list({ limit: 2, order: 'asc', before: 'msg_3' }).has_more).toBe(false);
        expect(ids(list({ order: 'desc', after: 'msg_5', before: 'msg_1' }))).toEqual([
          'msg_4',
          'msg_3',
          'msg_2',
        ]);
        expect(ids(list({ limit: 1, after: 'msg_4', before: 'msg_1' }))).toEqual(['msg_3']);
        expect(list({ after: 'msg_1' })).toEqual({
          data: [],
          has_more: false,
          first_id: null,
          last_id: null,
        });
        expect(list({ limit: 100 }).data).toHaveLength(5);
      }));

    it('rejects bad limits, orders and cursors', () =>
      virtual(() => {
        const backend = withMessages(2);
        for (const [query, param] of [
          [{ limit: 0 }, 'limit'],
          [{ limit: 101 }, 'limit'],
          [{ limit: 1.5 }, 'limit'],
          [{ order: 'up' }, 'order'],
          [{ after: 'msg_9' }, 'after'],
          [{ before: 'msg_9' }, 'before'],
        ] as const) {
          expect(errorOf(backend.messages.list('thread_1', query as never))).toMatchObject({
            status: 400,
            param,
          });
        }
      }));

    it('filters messages by run and pages runs, steps and assistants', () =>
      virtual(() => {
        const backend = setup({ runs: 'r' });
        now(backend.messages.create('thread_1', { role: 'user', content: 'Hi' }));
        startRun(backend);
        now(
          backend.runs.submitToolOutputs('thread_1', 'run_1', {
            tool_outputs: [{ tool_call_id: 'call_1', output: '' }],
          }),
        );
        expect(ids(now(backend.messages.list('thread_1', { run_id: 'run_1' })))).toEqual([]);
        const other = setup({ runs: 'c' });
        now(other.messages.create('thread_1', { role: 'user', content: 'Hi' }));
        startRun(other);
        expect(ids(now(other.messages.list('thread_1', { run_id: 'run_1' })))).toEqual(['msg_2']);
        now(other.assistants.create({ model: 'gpt-4o' }));
        expect(ids(now(other.assistants.list({ limit: 1 })))).toEqual(['asst_2']);
        expect(ids(now(other.runs.list('thread_1', { order: 'asc' })))).toEqual(['run_1']);
        expect(ids(now(other.steps.list('thread_1', 'run_1', { limit: 1 })))).toEqual(['step_1']);
      }));
  });

  describe('resources', () => {
    it('creates threads with messages, and runs with additional messages', () =>
      virtual(() => {
        const backend = setup({ runs: 'q' });
        const thread = now(
          backend.threads.create({
            messages: [
              { role: 'user', content: 'Hello' },
              {
                role: 'assistant',
                content: [
                  { type: 'text', text: 'Hi!' },
                  { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
                ],
                metadata: { k: 'v' },
              },
            ],
            metadata: { topic: 'greeting' },
            tool_resources: { code_interpreter: { file_ids: ['file_1'] } },
          }),
        );
        expect(thread).toEqual({
          id: 'thread_2',
          object: 'thread',
          created_at: 0,
          metadata: { topic: 'greeting' },
          tool_resources: { code_interpreter: { file_ids: ['file_1'] } },
        });
        const { data } = now(backend.messages.list('thread_2', { order: 'asc' }));
        expect(data.map((m) => [m.id, m.role, m.content, m.metadata])).toEqual([
          ['msg_1', 'user', [{ type: 'text', text: { value: 'Hello', annotations: [] } }], {}],
          [
            'msg_2',
            'assistant',
            [
              { type: 'text', text: { value: 'Hi!', annotations: [] } },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            ],
            { k: 'v' },
          ],
        ]);
        now(
          backend.runs.create('thread_2', {
            assistant_id: 'asst_1',
            additional_messages: [{ role: 'user', content: 'And now?' }],
          }),
        );
        expect(textOf(now(backend.messages.list('thread_2')).data[0]!)).toBe('And now?');
      }));

    it('creates a thread and its run in one call', () =>
      virtual(() => {
        const backend = setup({ runs: 'q-i' });
        const created = now(
          backend.threads.createAndRun({
            assistant_id: 'asst_1',
            model: 'gpt-4.1',
            thread: {
              messages: [{ role: 'user', content: 'Hi' }],
              tool_resources: { file_search: { vector_store_ids: ['vs_1'] } },
            },
          }),
        );
        expect(created).toMatchObject({ id: 'run_1', thread_id: 'thread_2', model: 'gpt-4.1' });
        expect(now(backend.threads.retrieve('thread_2')).tool_resources).toEqual({
          file_search: { vector_store_ids: ['vs_1'] },
        });
        expect(textOf(now(backend.messages.list('thread_2')).data[0]!)).toBe('Hi');
        expect(
          errorOf(
            backend.threads.createAndRun({
              assistant_id: 'asst_1',
              thread: { messages: [{ role: 'x' as never, content: '' }] },
            }),
          ),
        ).toMatchObject({ param: 'thread.messages[0].role' });
        expect(now(backend.threads.createAndRun({ assistant_id: 'asst_1' })).thread_id).toBe(
          'thread_3',
        );
      }));

    it('does assistants CRUD', () =>
      virtual(() => {
        const backend = setup({ runs: 'q' });
        expect(now(backend.assistants.retrieve('asst_1'))).toEqual({
          id: 'asst_1',
          object: 'assistant',
          created_at: 0,
          name: null,
          description: null,
          model: 'gpt-4o',
          instructions: 'Be brief.',
          tools: [weather],
          metadata: {},
          temperature: 1,
          top_p: 1,
          response_format: 'auto',
          tool_resources: {},
        });
        const updated = now(
          backend.assistants.update('asst_1', {
            name: 'Tutor',
            instructions: undefined,
            tool_resources: { code_interpreter: {} },
          }),
        );
        expect(updated).toMatchObject({
          name: 'Tutor',
          instructions: 'Be brief.',
          tool_resources: { code_interpreter: {} },
        });
        expect(now(backend.assistants.delete('asst_1'))).toEqual({
          id: 'asst_1',
          object: 'assistant.deleted',
          deleted: true,
        });
        expect(errorOf(backend.assistants.delete('asst_1')).status).toBe(404);
        expect(now(backend.assistants.list()).data).toEqual([]);
      }));

    it('updates and deletes threads, messages and runs', () =>
      virtual(() => {
        const backend = setup({ runs: 'q' });
        now(backend.messages.create('thread_1', { role: 'user', content: 'Hi' }));
        expect(
          now(backend.threads.update('thread_1', { tool_resources: {} })).tool_resources,
        ).toEqual({});
        expect(
          now(backend.messages.update('thread_1', 'msg_1', { metadata: { a: 'b' } })).metadata,
        ).toEqual({ a: 'b' });
        expect(now(backend.messages.update('thread_1', 'msg_1', {})).metadata).toEqual({ a: 'b' });
        expect(now(backend.messages.delete('thread_1', 'msg_1'))).toEqual({
          id: 'msg_1',
          object: 'thread.message.deleted',
          deleted: true,
        });
        expect(now(backend.messages.list('thread_1')).data).toEqual([]);
        startRun(backend);
        expect(
          now(backend.runs.update('thread_1', 'run_1', { metadata: { x: '1' } })).metadata,
        ).toEqual({ x: '1' });
        expect(now(backend.runs.update('thread_1', 'run_1', {})).metadata).toEqual({ x: '1' });
        expect(now(backend.threads.update('thread_1', {})).metadata).toEqual({});
        expect(now(backend.threads.delete('thread_1'))).toEqual({
          id: 'thread_1',
          object: 'thread.deleted',
          deleted: true,
        });
        expect(errorOf(backend.runs.retrieve('thread_1', 'run_1')).param).toBe('thread_id');
      }));

    it('forgets the runs of a deleted thread', () => {
      testScheduler().run(() => {
        const backend = setup({ runs: 'q-i-c' });
        startRun(backend);
        at(1, () => now(backend.threads.delete('thread_1')));
        at(10, () => {
          now(backend.threads.create());
          const second = now(backend.runs.create('thread_2', { assistant_id: 'asst_1' }));
          expect(second.id).toBe('run_2');
        });
        at(20, () => expect(run(backend, 'run_2', 'thread_2').status).toBe('completed'));
      });
    });

    it('keeps step retrieval params out of the way', () =>
      virtual(() => {
        const backend = setup({ runs: 'c' });
        startRun(backend);
        expect(now(backend.steps.retrieve('thread_1', 'run_1', 'step_1', { include: [] })).id).toBe(
          'step_1',
        );
        const step: RunStep = now(backend.steps.list('thread_1', 'run_1', { include: [] }))
          .data[0]!;
        expect(step.usage?.completion_tokens).toBe(2);
      }));
  });

  it('runs the documented example', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const backend = timelineBackend({ runs: 'q-i--c' });
      backend.assistants.create({ model: 'gpt-4o' }).subscribe();
      backend.threads.create().subscribe();
      backend.runs.create('thread_1', { assistant_id: 'asst_1' }).subscribe();

      const status$ = cold('a-b--c|').pipe(
        concatMap(() => backend.runs.retrieve('thread_1', 'run_1')),
        map(({ run }) => run.status),
      );
      expectObservable(status$).toBe('a-b--c|', {
        a: 'queued',
        b: 'in_progress',
        c: 'completed',
      });
    });
  });
});
