import { concat, concatMap, forkJoin, map, of, takeWhile, toArray } from 'rxjs';
import type { AssistantsBackend, StreamingBackend } from '../backend/AssistantsBackend';
import type { Run, RunStep } from '../backend/types';
import { runEvent } from '../backend/runEvent';
import { paginate } from '../client/paginate';
import { nothingSeen, pollRunEvents, type SeenEvents } from '../client/runEvents';
import type { ResolvedWatchConfig } from '../client/watchRun';

const messageIdOf = (step: RunStep): string | undefined =>
  step.step_details.type === 'message_creation'
    ? step.step_details.message_creation.message_id
    : undefined;

/**
 * Event streams for a backend that cannot stream: each request is made
 * without streaming, then the run's events are synthesised by polling it
 * (`pollRunEvents`), up to its terminal event or `thread.run.requires_action`,
 * as a streaming backend would send them (without deltas).
 *
 * @param backend The backend to poll.
 * @param config The poll policy and the scheduler of the polls.
 */
export function pollingStreaming(
  backend: AssistantsBackend,
  config: ResolvedWatchConfig,
): StreamingBackend {
  const events = (threadId: string, runId: string, seen?: SeenEvents) =>
    pollRunEvents(backend, threadId, runId, config, undefined, seen).pipe(
      takeWhile((event) => event.event !== 'thread.run.requires_action', true),
    );
  const stepsOf = (threadId: string, runId: string) =>
    paginate((query) => backend.steps.list(threadId, runId, query), {
      order: 'asc' as const,
      limit: 100,
    }).pipe(toArray());

  return {
    createRun: (threadId, params, options) =>
      backend.runs
        .create(threadId, params, options)
        .pipe(concatMap((run) => events(threadId, run.id))),
    createThreadAndRun: (params, options) =>
      backend.threads
        .createAndRun(params, options)
        .pipe(
          concatMap((run) =>
            backend.threads
              .retrieve(run.thread_id)
              .pipe(
                concatMap((thread) =>
                  concat(of(runEvent('thread.created', thread)), events(run.thread_id, run.id)),
                ),
              ),
          ),
        ),
    submitToolOutputs: (threadId, runId, params, options) =>
      // What happened before the submit is not news: the poller starts from it.
      forkJoin([backend.runs.retrieve(threadId, runId), stepsOf(threadId, runId)]).pipe(
        map(([{ run }, steps]) => seenBefore(run, steps)),
        concatMap((seen) =>
          backend.runs
            .submitToolOutputs(threadId, runId, params, options)
            .pipe(concatMap(() => events(threadId, runId, seen))),
        ),
      ),
  };
}

/** What a stream of the run had reported by the time of a submit. */
function seenBefore(run: Run, steps: RunStep[]): SeenEvents {
  const seen = nothingSeen();
  seen.run = run;
  for (const step of steps) {
    seen.steps.set(step.id, step.status);
    const messageId = messageIdOf(step);
    if (messageId)
      seen.messages.set(messageId, step.status === 'in_progress' ? 'in_progress' : 'done');
  }
  return seen;
}
