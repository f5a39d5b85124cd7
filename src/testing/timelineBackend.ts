import { asyncScheduler, Observable, type SchedulerLike } from 'rxjs';
import type { AssistantsBackend, ThreadCreateAndRunParams } from '../backend/AssistantsBackend';
import type { Assistant, FunctionTool, Run } from '../backend/types';
import { parseTimeline, RunEngine, type TimelineToolCall } from './runTimeline';
import {
  badRequest,
  paginate,
  toolResourcesOf,
  TimelineStore,
  type RunParams,
  type ThreadRecord,
  type TimelineEvent,
} from './timelineStore';

export type { TimelineToolCall } from './runTimeline';

/**
 * Which run is being created, for a `runs` function of {@link TimelineBackendConfig}.
 *
 * ## Example
 *
 * ```ts
 * import { timelineBackend, type TimelineRunContext } from 'rx-assistants/testing';
 *
 * // The first run fails, every later one completes.
 * const runs = ({ index }: TimelineRunContext) => (index === 0 ? 'q-i-f' : 'q-i-c');
 * const backend = timelineBackend({ runs });
 * ```
 */
export interface TimelineRunContext {
  /** 0 for the first run the backend creates, then 1, 2, ... */
  index: number;
  threadId: string;
  assistantId: string;
}

/**
 * Configuration of {@link timelineBackend}.
 *
 * ## Example
 *
 * ```ts
 * import { timelineBackend, type TimelineBackendConfig } from 'rx-assistants/testing';
 *
 * const config: TimelineBackendConfig = {
 *   runs: 'q-i-r--i-c', // pauses for tool outputs at frame 4
 *   latency: 2,
 *   reply: (run) => `Run ${run.id} is done.`,
 *   toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
 *   pollAfterMs: 500,
 * };
 * const backend = timelineBackend(config);
 * ```
 */
export interface TimelineBackendConfig {
  /**
   * The timeline of each created run, in marble syntax with one frame per ms:
   * one for all runs, one per run in creation order (the last repeats), or
   * computed per run. Letters: `q` queued, `i` in_progress, `r`
   * requires_action, `n` cancelling, `x` cancelled, `c` completed, `f`
   * failed, `e` expired, `u` incomplete.
   */
  runs: string | string[] | ((context: TimelineRunContext) => string);
  /** Where time comes from; default `asyncScheduler` (virtual inside `TestScheduler.run`). */
  scheduler?: SchedulerLike;
  /** Virtual ms each request takes before it answers; default 0 (answers on subscribe). */
  latency?: number;
  /** The text of the assistant message a run writes when it completes; default `'Done.'`. */
  reply?: string | ((run: Run) => string);
  /**
   * The function calls a run asks for each time it enters `requires_action`
   * (`round` 0 the first time). Default: one call of the run's first function
   * tool (or `tool`) with arguments `'{}'`.
   */
  toolCalls?: TimelineToolCall[] | ((run: Run, round: number) => TimelineToolCall[]);
  /** When set, `runs.retrieve` sends it as the `openai-poll-after-ms` hint. */
  pollAfterMs?: number;
  /** How long after its creation a run expires, in ms (sets `expires_at`); default 600 000. */
  expiresAfter?: number;
}

/**
 * One request made to a {@link timelineBackend}, with its timing in scheduler
 * time: what tests read to prove that a call was (never) made, that requests
 * did not overlap, or that an unsubscribe aborted one.
 *
 * ## Example
 *
 * ```ts
 * import { expect } from 'vitest';
 * import { timelineBackend, type TimelineRequest } from 'rx-assistants/testing';
 *
 * const backend = timelineBackend({ runs: 'q-i--c' });
 * // ... drive the code under test ...
 * const cancels: TimelineRequest[] = backend.log.filter(({ op }) => op === 'runs.cancel');
 * expect(cancels).toEqual([]);
 * ```
 */
export interface TimelineRequest {
  /** The port method, such as `'runs.retrieve'`. */
  op: string;
  /** A copy of the arguments it was called with. */
  args: unknown[];
  subscribedAt: number;
  /** When it emitted its result or raised its error. */
  settledAt?: number;
  /** When it was unsubscribed before settling; such a request has no effect. */
  abortedAt?: number;
}

/**
 * An {@link AssistantsBackend} that also tells which requests it received.
 *
 * ## Example
 *
 * ```ts
 * import { timelineBackend, type TimelineBackend } from 'rx-assistants/testing';
 *
 * const backend: TimelineBackend = timelineBackend({ runs: 'q-c' });
 * backend.assistants.create({ model: 'gpt-4o' }).subscribe();
 * console.log(backend.log.map(({ op }) => op)); // ['assistants.create']
 * ```
 */
export type TimelineBackend = AssistantsBackend & { readonly log: TimelineRequest[] };

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new TypeError(`timelineBackend: '${name}' must be a finite number >= 0, got ${value}.`);
  }
  return value;
}

function timelinesOf(
  runs: TimelineBackendConfig['runs'],
): (c: TimelineRunContext) => TimelineEvent[] {
  if (typeof runs === 'function') return (context) => parseTimeline(runs(context));
  const list = (Array.isArray(runs) ? runs : [runs]).map(parseTimeline);
  if (list.length === 0)
    throw new TypeError('timelineBackend: `runs` needs at least one timeline.');
  return ({ index }) => structuredClone(list[Math.min(index, list.length - 1)]!);
}

function defaultToolCalls(run: Run): TimelineToolCall[] {
  const tool = run.tools.find((t): t is FunctionTool => t.type === 'function');
  return [{ name: tool?.function.name ?? 'tool', arguments: '{}' }];
}

/**
 * An in-memory {@link AssistantsBackend} whose runs follow marble timelines,
 * for marble tests of code built on rx-assistants.
 *
 * Each run plays its timeline from its creation, one frame per virtual ms:
 * `'q-i--c'` is queued at 0, in_progress at 2 and completed at 5. `r` pauses
 * the run in `requires_action` (with the calls of `toolCalls`) until
 * `submitToolOutputs`; the run is then `queued` again and the rest of the
 * timeline resumes, its frames counted from the submit. `cancel` makes an
 * active run `cancelling` at once and `cancelled` 1 ms later, dropping the
 * rest of its timeline. A timeline that ends on an active status leaves the
 * run there. Runs write the steps and messages a real run would: a
 * `message_creation` step and assistant message per round that ends in a
 * reply, a `tool_calls` step per `r`.
 *
 * Letters are applied lazily, in time order and with their own timestamps,
 * when a request comes: a request at frame N sees every letter at frames up
 * to N, whatever the order of same-frame actions, and an idle backend
 * schedules nothing.
 *
 * Everything else behaves like the API: deterministic ids (`asst_1`,
 * `thread_1`, `run_1`, `msg_1`, `step_1`, `call_1`), exact pagination, one
 * active run per thread, and {@link BackendError}s with the API's status and
 * `param` (400 bad input, 404 unknown id). Every request is cold, acts when it
 * answers (after `latency`), emits a fresh copy and is recorded in `log`.
 *
 * ## Example
 *
 * ```ts
 * import { expect, it } from 'vitest';
 * import { concatMap, map } from 'rxjs';
 * import { createTestScheduler, timelineBackend } from 'rx-assistants/testing';
 *
 * it('completes at frame 5', () => {
 *   createTestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
 *     const backend = timelineBackend({ runs: 'q-i--c' });
 *     backend.assistants.create({ model: 'gpt-4o' }).subscribe(); // asst_1
 *     backend.threads.create().subscribe(); // thread_1
 *     backend.runs.create('thread_1', { assistant_id: 'asst_1' }).subscribe(); // run_1
 *
 *     const status$ = cold('a-b--c|').pipe(
 *       concatMap(() => backend.runs.retrieve('thread_1', 'run_1')),
 *       map(({ run }) => run.status),
 *     );
 *     expectObservable(status$).toBe('a-b--c|', {
 *       a: 'queued',
 *       b: 'in_progress',
 *       c: 'completed',
 *     });
 *   });
 * });
 * ```
 *
 * @param config The runs' timelines and how the backend answers.
 * @returns The backend, with `log` listing every request it received.
 */
export function timelineBackend(config: TimelineBackendConfig): TimelineBackend {
  const scheduler = config.scheduler ?? asyncScheduler;
  const latency = nonNegative('latency', config.latency, 0);
  const expiresAfter = nonNegative('expiresAfter', config.expiresAfter, 600_000);
  const timelineOf = timelinesOf(config.runs);
  const { reply = 'Done.', toolCalls = defaultToolCalls, pollAfterMs } = config;
  const store = new TimelineStore(scheduler);
  const engine = new RunEngine(store, {
    reply: typeof reply === 'function' ? reply : () => reply,
    toolCalls: typeof toolCalls === 'function' ? toolCalls : () => toolCalls,
  });
  const log: TimelineRequest[] = [];

  /**
   * One cold request: logged on subscribe, performed and answered after
   * `latency`. `perform` gets a copy of the arguments as they were on subscribe.
   */
  function request<A extends unknown[] | [], T>(
    op: string,
    args: A,
    perform: (...args: A) => T,
  ): Observable<T> {
    return new Observable<T>((subscriber) => {
      const sent = structuredClone(args);
      const entry: TimelineRequest = {
        op,
        args: structuredClone(args),
        subscribedAt: scheduler.now(),
      };
      log.push(entry);
      const settle = () => {
        entry.settledAt = scheduler.now();
        let result: T;
        try {
          engine.catchUp();
          result = structuredClone(perform(...sent));
        } catch (error) {
          subscriber.error(error);
          return;
        }
        subscriber.next(result);
        subscriber.complete();
      };
      if (latency === 0) return settle();
      const action = scheduler.schedule(settle, latency);
      return () => {
        if (entry.settledAt !== undefined) return;
        entry.abortedAt = scheduler.now();
        action.unsubscribe();
      };
    });
  }

  function createRun(
    thread: ThreadRecord,
    assistant: Assistant,
    params: RunParams,
    prepare?: () => void,
  ): Run {
    const context = {
      index: store.runCount,
      threadId: thread.thread.id,
      assistantId: assistant.id,
    };
    const timeline = timelineOf(context);
    prepare?.();
    const record = store.addRun(thread, assistant, params, timeline, expiresAfter);
    engine.catchUp();
    return record.run;
  }

  return {
    log,
    assistants: {
      create: (params) =>
        request('assistants.create', [params], (params) => {
          if (typeof params?.model !== 'string' || params.model === '') {
            throw badRequest("Missing required parameter: 'model'.", 'model');
          }
          const assistant: Assistant = {
            id: store.id('asst'),
            object: 'assistant',
            created_at: store.seconds(),
            name: params.name ?? null,
            description: params.description ?? null,
            model: params.model,
            instructions: params.instructions ?? null,
            tools: params.tools ?? [],
            metadata: params.metadata ?? {},
            temperature: params.temperature ?? 1,
            top_p: params.top_p ?? 1,
            response_format: params.response_format ?? 'auto',
            tool_resources: toolResourcesOf(params.tool_resources),
          };
          store.assistants.set(assistant.id, assistant);
          return assistant;
        }),
      retrieve: (assistantId) =>
        request('assistants.retrieve', [assistantId], (assistantId) =>
          store.assistant(assistantId),
        ),
      update: (assistantId, params) =>
        request('assistants.update', [assistantId, params], (assistantId, params) => {
          const assistant = store.assistant(assistantId);
          const { tool_resources, reasoning_effort: _effort, ...fields } = params;
          for (const [key, value] of Object.entries(fields)) {
            if (value !== undefined) Object.assign(assistant, { [key]: value });
          }
          if (tool_resources !== undefined) {
            assistant.tool_resources = toolResourcesOf(tool_resources);
          }
          return assistant;
        }),
      list: (query) =>
        request('assistants.list', [query], (query) =>
          paginate([...store.assistants.values()], query),
        ),
      delete: (assistantId) =>
        request('assistants.delete', [assistantId], (assistantId) => {
          store.assistants.delete(store.assistant(assistantId).id);
          return { id: assistantId, object: 'assistant.deleted' as const, deleted: true };
        }),
    },
    threads: {
      create: (params) =>
        request('threads.create', [params], (params) => store.createThread(params ?? {}).thread),
      retrieve: (threadId) =>
        request('threads.retrieve', [threadId], (threadId) => store.thread(threadId).thread),
      update: (threadId, params) =>
        request('threads.update', [threadId, params], (threadId, params) => {
          const { thread } = store.thread(threadId);
          if (params.metadata !== undefined) thread.metadata = params.metadata;
          if (params.tool_resources !== undefined) {
            thread.tool_resources = toolResourcesOf(params.tool_resources);
          }
          return thread;
        }),
      delete: (threadId) =>
        request('threads.delete', [threadId], (threadId) => {
          store.threads.delete(store.thread(threadId).thread.id);
          return { id: threadId, object: 'thread.deleted' as const, deleted: true };
        }),
      createAndRun: (params: ThreadCreateAndRunParams) =>
        request('threads.createAndRun', [params], (params) => {
          const assistant = store.assistant(params.assistant_id);
          const { thread: threadParams, tool_resources: _resources, ...runParams } = params;
          store.validateMessages(threadParams?.messages, 'thread.messages.');
          const thread = store.createThread(threadParams ?? {});
          try {
            return createRun(thread, assistant, runParams);
          } catch (error) {
            store.threads.delete(thread.thread.id);
            throw error;
          }
        }),
    },
    messages: {
      create: (threadId, params) =>
        request('messages.create', [threadId, params], (threadId, params) => {
          const thread = store.thread(threadId);
          store.validateMessages([params], '');
          store.assertIdle(thread);
          return store.addMessage(thread, params);
        }),
      retrieve: (threadId, messageId) =>
        request('messages.retrieve', [threadId, messageId], (threadId, messageId) =>
          store.message(threadId, messageId),
        ),
      update: (threadId, messageId, params) =>
        request('messages.update', [threadId, messageId, params], (threadId, messageId, params) => {
          const message = store.message(threadId, messageId);
          if (params.metadata !== undefined) message.metadata = params.metadata;
          return message;
        }),
      list: (threadId, query) =>
        request('messages.list', [threadId, query], (threadId, query) => {
          const { messages } = store.thread(threadId);
          const runId = query?.run_id;
          return paginate(
            runId === undefined ? messages : messages.filter((m) => m.run_id === runId),
            query,
          );
        }),
      delete: (threadId, messageId) =>
        request('messages.delete', [threadId, messageId], (threadId, messageId) => {
          const thread = store.thread(threadId);
          const message = store.message(threadId, messageId);
          thread.messages.splice(thread.messages.indexOf(message), 1);
          return { id: messageId, object: 'thread.message.deleted' as const, deleted: true };
        }),
    },
    runs: {
      create: (threadId, params) =>
        request('runs.create', [threadId, params], (threadId, params) => {
          const thread = store.thread(threadId);
          const assistant = store.assistant(params.assistant_id);
          store.assertIdle(thread);
          const { additional_messages, include: _include, ...runParams } = params;
          store.validateMessages(additional_messages, 'additional_messages.');
          return createRun(thread, assistant, runParams, () => {
            for (const message of additional_messages ?? []) store.addMessage(thread, message);
          });
        }),
      retrieve: (threadId, runId) =>
        request('runs.retrieve', [threadId, runId], (threadId, runId) => {
          const { run } = store.run(threadId, runId);
          return pollAfterMs === undefined ? { run } : { run, pollAfterMs };
        }),
      update: (threadId, runId, params) =>
        request('runs.update', [threadId, runId, params], (threadId, runId, params) => {
          const { run } = store.run(threadId, runId);
          if (params.metadata !== undefined) run.metadata = params.metadata;
          return run;
        }),
      list: (threadId, query) =>
        request('runs.list', [threadId, query], (threadId, query) =>
          paginate(
            store.thread(threadId).runs.map(({ run }) => run),
            query,
          ),
        ),
      cancel: (threadId, runId) =>
        request('runs.cancel', [threadId, runId], (threadId, runId) => {
          const record = store.run(threadId, runId);
          engine.cancel(record);
          return record.run;
        }),
      submitToolOutputs: (threadId, runId, params) =>
        request('runs.submitToolOutputs', [threadId, runId, params], (threadId, runId, params) => {
          const record = store.run(threadId, runId);
          engine.submit(record, params);
          return record.run;
        }),
    },
    steps: {
      retrieve: (threadId, runId, stepId, query) =>
        request(
          'steps.retrieve',
          [threadId, runId, stepId, query],
          (threadId, runId, stepId, _query) => store.step(threadId, runId, stepId),
        ),
      list: (threadId, runId, query) =>
        request('steps.list', [threadId, runId, query], (threadId, runId, query) =>
          paginate(store.run(threadId, runId).steps, query),
        ),
    },
  };
}
