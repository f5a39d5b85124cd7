import { concat, concatMap, filter, map, of, takeWhile, toArray } from 'rxjs';
import type { AssistantsBackend, StreamingBackend } from '../backend/AssistantsBackend';
import type { AssistantStreamEvent, RunStep } from '../backend/types';
import { paginate } from '../client/paginate';
import { pollRunEvents } from '../client/runEvents';
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
  const events = (threadId: string, runId: string) =>
    pollRunEvents(backend, threadId, runId, config).pipe(
      takeWhile((event) => event.event !== 'thread.run.requires_action', true),
    );
  const stepsOf = (threadId: string, runId: string) =>
    paginate((query) => backend.steps.list(threadId, runId, query), {
      order: 'asc' as const,
      limit: 100,
    }).pipe(toArray());

  return {
    createRun: (threadId, params) =>
      backend.runs.create(threadId, params).pipe(concatMap((run) => events(threadId, run.id))),
    createThreadAndRun: (params) =>
      backend.threads
        .createAndRun(params)
        .pipe(
          concatMap((run) =>
            backend.threads
              .retrieve(run.thread_id)
              .pipe(
                concatMap((thread) =>
                  concat(
                    of({ event: 'thread.created', data: thread } as AssistantStreamEvent),
                    events(run.thread_id, run.id),
                  ),
                ),
              ),
          ),
        ),
    submitToolOutputs: (threadId, runId, params) =>
      // What happened before the submit is not news: a fresh poller would report it all again.
      stepsOf(threadId, runId).pipe(
        map((before) => ({
          steps: new Map(before.map((step) => [step.id, step.status])),
          messages: new Set(
            before
              .filter((s) => s.status !== 'in_progress')
              .map(messageIdOf)
              .filter(Boolean),
          ),
        })),
        concatMap((seen) =>
          backend.runs
            .submitToolOutputs(threadId, runId, params)
            .pipe(concatMap(() => events(threadId, runId).pipe(filter((e) => isNews(e, seen))))),
        ),
      ),
  };
}

/** Whether a synthesised event tells of something that changed since the submit. */
function isNews(
  event: AssistantStreamEvent,
  seen: { steps: Map<string, RunStep['status']>; messages: Set<string | undefined> },
): boolean {
  if (event.event === 'thread.run.created') return false;
  if (event.event.startsWith('thread.message.')) {
    return !seen.messages.has((event.data as { id: string }).id);
  }
  if (event.event.startsWith('thread.run.step.')) {
    const before = seen.steps.get((event.data as RunStep).id);
    if (before === undefined) return true;
    const name = event.event.slice('thread.run.step.'.length);
    return name !== 'created' && name !== 'in_progress' && name !== before;
  }
  return true;
}
