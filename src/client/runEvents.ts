import { concatMap, from, map, mergeMap, type Observable, toArray } from 'rxjs';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import { isTerminalStatus } from '../backend/runStatus';
import type { AssistantStreamEvent, Message, Run, RunStep } from '../backend/types';
import { paginate } from './paginate';
import type { PollTick } from './pollLoop';
import { pollRun, runChanged, type ResolvedWatchConfig } from './watchRun';

/** Any event of a run's stream; the SDK's own `AssistantStreamEvent`. */
export type RunEvent = AssistantStreamEvent;

const event = (name: string, data: unknown) => ({ event: name, data }) as RunEvent;

const messageIdOf = (step: RunStep): string | undefined =>
  step.step_details.type === 'message_creation'
    ? step.step_details.message_creation.message_id
    : undefined;

/** What one subscription has already reported. */
interface Seen {
  run?: Run;
  steps: Map<string, RunStep['status']>;
  /** Message id → whether its terminal event was emitted. */
  messages: Map<string, boolean>;
}

/** The messages a poll must retrieve: new ones, and those whose step has just ended. */
function messagesToFetch(steps: RunStep[], seen: Seen): string[] {
  return steps.flatMap((step) => {
    const id = messageIdOf(step);
    if (!id || seen.messages.get(id)) return [];
    const ended = step.status !== 'in_progress';
    return !seen.messages.has(id) || ended ? [id] : [];
  });
}

function stepEvents(steps: RunStep[], messages: Map<string, Message>, seen: Seen): RunEvent[] {
  const events: RunEvent[] = [];
  for (const step of steps) {
    const before = seen.steps.get(step.id);
    if (before === undefined) {
      events.push(event('thread.run.step.created', step));
      if (step.status === 'in_progress') events.push(event('thread.run.step.in_progress', step));
    }
    const id = messageIdOf(step);
    const message = id ? messages.get(id) : undefined;
    if (id && message) {
      if (!seen.messages.has(id)) events.push(event('thread.message.created', message));
      const ended = step.status !== 'in_progress' || message.status !== 'in_progress';
      if (ended) {
        const name = message.status === 'incomplete' ? 'incomplete' : 'completed';
        events.push(event(`thread.message.${name}`, message));
      }
      seen.messages.set(id, ended);
    }
    if (step.status !== before && step.status !== 'in_progress') {
      events.push(event(`thread.run.step.${step.status}`, step));
    }
    seen.steps.set(step.id, step.status);
  }
  return events;
}

/** The run events a new snapshot calls for, split around the step events. */
function runEventsFor(run: Run, seen: Seen): { before: RunEvent[]; after: RunEvent[] } {
  const before: RunEvent[] = [];
  const after: RunEvent[] = [];
  if (!seen.run) {
    const queued = { ...run, status: 'queued' as const };
    before.push(event('thread.run.created', queued), event('thread.run.queued', queued));
  }
  if (runChanged(seen.run, run) && (seen.run || run.status !== 'queued')) {
    const late = isTerminalStatus(run.status) || run.status === 'requires_action';
    (late ? after : before).push(event(`thread.run.${run.status}`, run));
  }
  seen.run = run;
  return { before, after };
}

/**
 * The event stream of a run, synthesised by polling the run, its steps and
 * the messages they create; see `rx.runs.events` for the semantics.
 */
export function pollRunEvents(
  backend: AssistantsBackend,
  threadId: string,
  runId: string,
  config: ResolvedWatchConfig,
  kick$?: Observable<unknown>,
): Observable<RunEvent> {
  return pollRun<RunEvent>(
    backend,
    threadId,
    runId,
    config,
    () => {
      const seen: Seen = { steps: new Map(), messages: new Map() };
      return (run, hint) => {
        const changed = runChanged(seen.run, run);
        const done = isTerminalStatus(run.status);
        const steps$ = paginate((q) => backend.steps.list(threadId, runId, q), {
          order: 'asc' as const,
          limit: 100,
        }).pipe(toArray());
        return steps$.pipe(
          concatMap((steps) =>
            from(messagesToFetch(steps, seen)).pipe(
              mergeMap((id) => backend.messages.retrieve(threadId, id)),
              toArray(),
              map((messages) => ({ steps, messages: new Map(messages.map((m) => [m.id, m])) })),
            ),
          ),
          map(({ steps, messages }): PollTick<RunEvent> => {
            const { before, after } = runEventsFor(run, seen);
            const values = [...before, ...stepEvents(steps, messages, seen), ...after];
            return { values, changed: changed || values.length > 0, done, run, hint };
          }),
        );
      };
    },
    kick$,
  );
}
