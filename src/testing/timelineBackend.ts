import { asyncScheduler, defer, isObservable, Observable, type SchedulerLike } from 'rxjs';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import type { FunctionTool, Run } from '../backend/types';
import { localBackend, memoryStore } from '../local';
import { CatchUpScheduler } from '../internal/catchUpScheduler';
import { parseTimeline } from '../local/models/timelineMarbles';
import { timelineRuns, type TimelineToolCall } from '../local/models/timelineModel';

export type { TimelineToolCall } from '../local/models/timelineModel';

/**
 * Which run is being created, for a `runs` function of {@link TimelineBackendConfig}.
 *
 * ## Example
 *
 * ```ts
 * import type { TimelineRunContext } from 'rx-assistants/testing';
 *
 * const runs = ({ index }: TimelineRunContext) => (index === 0 ? 'q-i-f' : 'q-i-c');
 * ```
 */
export interface TimelineRunContext {
  /** 0 for the first run the backend creates, then 1, 2, ... */
  index: number;
  threadId: string;
  assistantId: string;
}

/**
 * Configuration of {@link timelineBackend} (see docs/testing.md).
 *
 * ## Example
 *
 * ```ts
 * import type { TimelineBackendConfig } from 'rx-assistants/testing';
 *
 * const config: TimelineBackendConfig = { runs: ['q-i-r--i-c', 'q-i-f'], latency: 2, reply: 'Hi' };
 * ```
 */
export interface TimelineBackendConfig {
  /** Each run's timeline: one for all, one per run (the last repeats), or computed per run. */
  runs: string | string[] | ((context: TimelineRunContext) => string);
  /** Where time comes from; default `asyncScheduler` (virtual inside `TestScheduler.run`). */
  scheduler?: SchedulerLike;
  /** Virtual ms each request takes before it answers; default 0 (answers on subscribe). */
  latency?: number;
  /** The text a run writes when it completes; default `'Done.'`. */
  reply?: string | ((run: Run) => string);
  /** The calls of each `r` (`round` 0 first); default `'{}'` to the run's first function tool. */
  toolCalls?: TimelineToolCall[] | ((run: Run, round: number) => TimelineToolCall[]);
  /** When set, `runs.retrieve` sends it as the `openai-poll-after-ms` hint. */
  pollAfterMs?: number;
  /** How long after its creation a run expires, in ms (sets `expires_at`); default 600 000. */
  expiresAfter?: number;
}

/**
 * One request made to a {@link timelineBackend}, with its timing in scheduler time.
 *
 * ## Example
 *
 * ```ts
 * import type { TimelineRequest } from 'rx-assistants/testing';
 *
 * const aborted = (log: TimelineRequest[]) => log.filter((r) => r.abortedAt !== undefined);
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
 * backend.log; // []
 * ```
 */
export type TimelineBackend = AssistantsBackend & { readonly log: TimelineRequest[] };

const WRITES = new Set(['create', 'update', 'createAndRun', 'cancel', 'submitToolOutputs']);
const firstTool = (run: Run): TimelineToolCall[] => {
  const tool = run.tools.find((t): t is FunctionTool => t.type === 'function');
  return [{ name: tool?.function.name ?? 'tool', arguments: '{}' }];
};
function nonNegative(name: string, value = 0): number {
  if (typeof value === 'number' && value >= 0 && Number.isFinite(value)) return value;
  throw new TypeError(`timelineBackend: '${name}' must be a finite number >= 0, got ${value}.`);
}

/**
 * The embedded runtime (`localBackend`: one store, one run engine) driven by
 * marble timelines, for marble tests: each run follows its timeline from its
 * creation, one frame per virtual ms (`'q-i--c'`: queued at 0, in_progress
 * at 2, completed at 5), pausing at `r` until the outputs are submitted. Ids
 * are `asst_1`, `thread_1`, `run_1`...; every request is cold, answers a copy
 * after `latency`, sees every letter due by then, and is recorded in `log`.
 *
 * ## Example
 *
 * ```ts
 * import { timelineBackend } from 'rx-assistants/testing';
 *
 * const backend = timelineBackend({ runs: 'q-i--c', reply: 'x = 1' });
 * backend.assistants.create({ model: 'gpt-4o' }).subscribe(); // asst_1
 * ```
 *
 * @param config The runs' timelines and how the backend answers.
 * @returns The backend, with `log` listing every request it received.
 */
export function timelineBackend(config: TimelineBackendConfig): TimelineBackend {
  const { runs: given, reply = 'Done.', toolCalls = firstTool, pollAfterMs } = config;
  const base = config.scheduler ?? asyncScheduler;
  const latency = nonNegative('latency', config.latency);
  const expiresAfter = nonNegative('expiresAfter', config.expiresAfter ?? 600_000);
  const list = typeof given === 'function' ? [] : [given].flat().map(parseTimeline);
  if (typeof given !== 'function' && list.length === 0) throw new TypeError('`runs` is empty.');
  const timelineOf = (c: TimelineRunContext) =>
    typeof given === 'function'
      ? parseTimeline(given(c))
      : list[Math.min(c.index, list.length - 1)]!;
  const scheduler = new CatchUpScheduler(base);
  const store = memoryStore();
  const counts = new Map<string, number>();
  const next = (prefix: string) => `${prefix}_${(counts.get(prefix) ?? 0) + 1}`;
  const runs = timelineRuns(
    {
      reply: (run) => (typeof reply === 'function' ? reply(run) : reply),
      toolCalls: (run, n) => (typeof toolCalls === 'function' ? toolCalls(run, n) : toolCalls),
      cancel: (run) => inner.runs.cancel(run.thread_id, run.id).subscribe({ error: () => {} }),
    },
    scheduler,
  );
  const inner = localBackend({
    model: runs.model,
    timing: runs.timing,
    scheduler,
    store,
    limits: { runExpiresAfter: expiresAfter },
    ids: (prefix) => {
      const id = next(prefix);
      counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
      return id;
    },
  });
  /** Picks the timeline of the run about to be created (a bad one fails the request first). */
  const timed = <T>(threadId: string, assistantId: string, create: () => Observable<T>) =>
    defer(() => {
      runs.expect(timelineOf({ index: runs.count(), threadId, assistantId }));
      return create();
    });
  const port: AssistantsBackend = {
    ...inner,
    runs: {
      ...inner.runs,
      create: (threadId, params, options) =>
        timed(threadId, params.assistant_id, () => inner.runs.create(threadId, params, options)),
    },
    threads: {
      ...inner.threads,
      createAndRun: (params, options) =>
        timed(next('thread'), params.assistant_id, () =>
          inner.threads.createAndRun(params, options),
        ),
    },
  };
  const log: TimelineRequest[] = [];
  /** The answer: a run as it is now (after its frame-0 letters), a retrieval with the hint. */
  const current = (op: string, value: unknown) => {
    if (typeof value !== 'object' || value === null) return value;
    if ('object' in value && value.object === 'thread.run' && 'id' in value) {
      let run: unknown;
      // The memory store answers as it is asked.
      store.get('run', String(value.id)).subscribe((stored) => (run = stored));
      return run;
    }
    return op === 'runs.retrieve' && pollAfterMs !== undefined ? { ...value, pollAfterMs } : value;
  };

  /** One cold request: logged on subscribe, performed (after catching up) once `latency` is over. */
  const request = (op: string, args: unknown[], perform: (sent: unknown[]) => unknown) =>
    new Observable<unknown>((subscriber) => {
      const sent = structuredClone(args);
      const entry: TimelineRequest = { op, args: structuredClone(args), subscribedAt: base.now() };
      log.push(entry);
      const settle = () => {
        entry.settledAt = base.now();
        scheduler.catchUp();
        const ids = new Map(counts);
        const outcomes: Array<{ value: unknown } | { error: unknown }> = [];
        const answer = perform(sent);
        if (isObservable(answer)) {
          answer.subscribe({
            next: (value) => outcomes.push({ value }),
            error: (error: unknown) => outcomes.push({ error }),
          });
        }
        const [outcome = { error: new TypeError(`${op} did not answer.`) }] = outcomes;
        if ('error' in outcome) {
          counts.clear(); // a failed request changes nothing, and takes no id
          ids.forEach((n, prefix) => counts.set(prefix, n));
          return subscriber.error(outcome.error);
        }
        scheduler.catchUp();
        subscriber.next(structuredClone(current(op, outcome.value)));
        subscriber.complete();
      };
      if (latency === 0) return settle();
      const action = base.schedule(settle, latency);
      return () => {
        if (entry.settledAt !== undefined) return;
        entry.abortedAt = base.now();
        action.unsubscribe();
      };
    });
  /** A port group whose methods are logged requests (their options logged only when given). */
  const wrap = <G extends object>(name: string, group: G): G => {
    const wrapped = { ...group };
    for (const key of Object.keys(group)) {
      const method: unknown = Reflect.get(group, key);
      if (typeof method !== 'function') continue;
      const arity = method.length - (WRITES.has(key) ? 1 : 0);
      Reflect.set(wrapped, key, (...given: unknown[]) => {
        const args = Array.from({ length: Math.max(given.length, arity) }, (_, i) => given[i]);
        return request(`${name}.${key}`, args, (sent) => Reflect.apply(method, group, sent));
      });
    }
    return wrapped;
  };
  return {
    log,
    assistants: wrap('assistants', port.assistants),
    threads: wrap('threads', port.threads),
    messages: wrap('messages', port.messages),
    runs: wrap('runs', port.runs),
    steps: wrap('steps', port.steps),
  };
}
