import type { SchedulerLike } from 'rxjs';
import type { Run, Thread } from '../backend/types';
import type { Finders } from './finders';
import type { Runtime } from './records';
import { runFrom, threadFrom } from './requests';
import type { RunEngine } from './RunEngine';
import { fieldsOf, invalid, stringField } from './validation';

/** What {@link threadsAndRuns} works with. */
export interface ThreadsAndRunsConfig {
  runtime: Runtime;
  scheduler: SchedulerLike;
  engine: RunEngine;
  finders: Finders;
  /** How long after creation a run expires, in ms. */
  expiresAfter: number;
}

/** The writes that create and delete threads and runs, each whole or not at all. */
export interface ThreadsAndRuns {
  /** Stores a thread and its initial messages (`param` prefixes the names of bad fields). */
  createThread(body: unknown, param?: string): Thread;
  /** Stops the thread's active run and removes the thread, its messages, runs and steps. */
  deleteThread(threadId: string): void;
  /** Stores a run (and its `additional_messages`) as `queued` and starts it. */
  createRun(threadId: string, body: unknown): Run;
  /** A thread and a run on it; a bad run parameter leaves no thread behind. */
  createThreadAndRun(params: unknown): Run;
  /** Throws a 400 if the thread has a run that has not ended. */
  refuseIfActive(threadId: string): void;
}

/**
 * Creates the {@link ThreadsAndRuns} writes of a runtime. Every check is
 * done before the first write, so that a request that fails changes nothing.
 *
 * ## Example
 *
 * ```ts
 * import type { ThreadsAndRuns } from 'src/local/threadsAndRuns';
 *
 * declare const writes: ThreadsAndRuns;
 * const thread = writes.createThread({ messages: [{ role: 'user', content: 'Hi' }] });
 * writes.createRun(thread.id, { assistant_id: 'asst_1' });
 * ```
 *
 * @param config The runtime, its scheduler and engine, and the finders.
 * @returns The writes.
 */
export function threadsAndRuns(config: ThreadsAndRunsConfig): ThreadsAndRuns {
  const { runtime, scheduler, engine, expiresAfter } = config;
  const { find } = config.finders;
  const { store } = runtime;

  const createThread = (body: unknown, param = ''): Thread => {
    const { thread: created, messages } = threadFrom(runtime, body, param);
    store.put('thread', created);
    for (const message of messages) store.put('message', message);
    return created;
  };

  const deleteThread = (threadId: string) => {
    engine.forget(threadId);
    for (const run of store.list('run', threadId)) {
      for (const step of store.list('step', run.id)) store.delete('step', step.id);
      store.delete('run', run.id);
    }
    for (const message of store.list('message', threadId)) store.delete('message', message.id);
    store.delete('thread', threadId);
  };

  const createRun = (threadId: string, body: unknown): Run => {
    const fields = fieldsOf(body);
    const assistant = find('assistant', stringField(fields, 'assistant_id'), 'assistant_id');
    const expiresAt = Math.floor((scheduler.now() + expiresAfter) / 1000);
    const { run, messages: extra } = runFrom(runtime, threadId, fields, assistant, expiresAt);
    // Every check is done: from here on, nothing fails.
    for (const message of extra) store.put('message', message);
    store.put('run', run);
    engine.start(run);
    return store.get('run', run.id)!;
  };

  const createThreadAndRun = (params: unknown): Run => {
    const fields = fieldsOf(params);
    find('assistant', stringField(fields, 'assistant_id'), 'assistant_id');
    const created = createThread(fields['thread'], 'thread.');
    const { thread: _thread, ...runFields } = fields;
    try {
      return createRun(created.id, runFields);
    } catch (error) {
      // A bad run parameter leaves no thread behind.
      deleteThread(created.id);
      throw error;
    }
  };

  const refuseIfActive = (threadId: string) => {
    const active = engine.activeRunOf(threadId);
    if (active) {
      throw invalid('thread_id', `Thread ${threadId} already has an active run ${active}.`);
    }
  };

  return { createThread, deleteThread, createRun, createThreadAndRun, refuseIfActive };
}
