import { concatMap, from, map, mergeMap, type Observable, toArray } from 'rxjs';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import { runEvent } from '../backend/runEvent';
import { isRunEvent, isTerminalStatus, skippedStatuses } from '../backend/runStatus';
import type { AssistantStreamEvent, Message, Run, RunStatus, RunStep } from '../backend/types';
import { paginate } from './paginate';
import type { PollTick } from './pollLoop';
import { pollRun, runChanged, type ResolvedWatchConfig } from './watchRun';

/** Any event of a run's stream; the SDK's own `AssistantStreamEvent`. */
export type RunEvent = AssistantStreamEvent;

const messageIdOf = (step: RunStep): string | undefined =>
  step.step_details.type === 'message_creation'
    ? step.step_details.message_creation.message_id
    : undefined;

/** What a run's event stream has already reported. */
export interface SeenEvents {
  run?: Run;
  /** Step id → the last status reported (`created` until `in_progress` is). */
  steps: Map<string, RunStep['status'] | 'created'>;
  /** Message id → how far its events went. */
  messages: Map<string, 'created' | 'in_progress' | 'done'>;
}

type Seen = SeenEvents;

/** Nothing reported yet. */
export const nothingSeen = (): SeenEvents => ({ steps: new Map(), messages: new Map() });

/**
 * Records an event (from a stream or from polling) in `seen`, so that polling
 * can take over a stream without repeating what it reported.
 */
export function recordEvent(seen: SeenEvents, event: RunEvent): void {
  switch (event.event) {
    case 'thread.run.step.created':
      seen.steps.set(event.data.id, 'created');
      break;
    case 'thread.run.step.in_progress':
    case 'thread.run.step.completed':
    case 'thread.run.step.failed':
    case 'thread.run.step.cancelled':
    case 'thread.run.step.expired':
      seen.steps.set(event.data.id, event.data.status);
      break;
    case 'thread.message.created':
      seen.messages.set(event.data.id, 'created');
      break;
    case 'thread.message.in_progress':
      seen.messages.set(event.data.id, 'in_progress');
      break;
    case 'thread.message.completed':
    case 'thread.message.incomplete':
      seen.messages.set(event.data.id, 'done');
      break;
    default:
      if (isRunEvent(event)) seen.run = event.data;
  }
}

/** The messages a poll must retrieve: new ones, and those whose step has just ended. */
function messagesToFetch(steps: RunStep[], seen: Seen): string[] {
  return steps.flatMap((step) => {
    const id = messageIdOf(step);
    const state = id ? seen.messages.get(id) : 'done';
    if (!id || state === 'done') return [];
    return state !== 'in_progress' || step.status !== 'in_progress' ? [id] : [];
  });
}

function stepEvents(steps: RunStep[], messages: Map<string, Message>, seen: Seen): RunEvent[] {
  const events: RunEvent[] = [];
  for (const step of steps) {
    const before = seen.steps.get(step.id);
    if (before === undefined) events.push(runEvent('thread.run.step.created', step));
    if ((before === undefined || before === 'created') && step.status === 'in_progress') {
      events.push(runEvent('thread.run.step.in_progress', step));
    }
    const id = messageIdOf(step);
    const message = id ? messages.get(id) : undefined;
    if (id && message) {
      const state = seen.messages.get(id);
      if (state === undefined) events.push(runEvent('thread.message.created', message));
      if (state === undefined || state === 'created') {
        events.push(runEvent('thread.message.in_progress', { ...message, status: 'in_progress' }));
      }
      const ended = step.status !== 'in_progress' || message.status !== 'in_progress';
      if (ended) {
        const name = message.status === 'incomplete' ? 'incomplete' : 'completed';
        events.push(runEvent(`thread.message.${name}` as const, message));
      }
      seen.messages.set(id, ended ? 'done' : 'in_progress');
    }
    if (step.status !== before && step.status !== 'in_progress') {
      events.push(runEvent(`thread.run.step.${step.status}`, step));
    }
    seen.steps.set(step.id, step.status);
  }
  return events;
}

/**
 * The run events a new snapshot calls for, split around the new steps'
 * events. Statuses that polling skipped but the run must have passed through
 * are told too, as the API's stream tells them: `queued` after a submit, and
 * `in_progress` before the run asks for outputs or completes.
 */
function runEventsFor(run: Run, seen: Seen): { before: RunEvent[]; after: RunEvent[] } {
  const before: RunEvent[] = [];
  const after: RunEvent[] = [];
  const as = (status: RunStatus): Run => ({ ...run, status, required_action: null });
  if (!seen.run) {
    before.push(
      runEvent('thread.run.created', as('queued')),
      runEvent('thread.run.queued', as('queued')),
    );
  }
  if (runChanged(seen.run, run)) {
    for (const skipped of skippedStatuses(seen.run?.status ?? 'queued', run.status)) {
      before.push(runEvent(`thread.run.${skipped}`, as(skipped)));
    }
    if (seen.run || run.status !== 'queued') {
      // As the API's stream orders them: a run starts working before its new
      // steps appear; it asks for outputs, is queued again or ends after they do.
      (run.status === 'in_progress' ? before : after).push(
        runEvent(`thread.run.${run.status}`, run),
      );
    }
  }
  seen.run = run;
  return { before, after };
}

/**
 * The events that a snapshot of a run (the run, its steps in ascending order,
 * and the messages of its steps by id) calls for, given what was reported
 * before; records them in `seen`. Pure apart from `seen`: polling, the
 * server's polling streams and the embedded runtime's stream replays share it.
 */
export function snapshotEvents(
  run: Run,
  steps: RunStep[],
  messages: Map<string, Message>,
  seen: SeenEvents,
): RunEvent[] {
  // Steps seen before move on first (a tool step completes before the run is
  // queued again), then the run, then the steps it makes.
  const known = steps.filter((step) => seen.steps.has(step.id));
  const fresh = steps.filter((step) => !seen.steps.has(step.id));
  const progress = stepEvents(known, messages, seen);
  const { before, after } = runEventsFor(run, seen);
  return [...progress, ...before, ...stepEvents(fresh, messages, seen), ...after];
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
  seed?: SeenEvents,
): Observable<RunEvent> {
  return pollRun<RunEvent>(
    backend,
    threadId,
    runId,
    config,
    () => {
      const seen: Seen = seed
        ? { run: seed.run, steps: new Map(seed.steps), messages: new Map(seed.messages) }
        : nothingSeen();
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
            const values = snapshotEvents(run, steps, messages, seen);
            return { values, changed: changed || values.length > 0, done, run, hint };
          }),
        );
      };
    },
    kick$,
  );
}

/** A run event (`thread.run.*`, not a step's), whose `data` is a `Run`. */
type RunStatusEvent = Extract<RunEvent, { data: Run }>;

/** A run event whose data says the status its name says (the name is authoritative). */
export function withNamedStatus<E extends RunStatusEvent>(event: E): E {
  if (event.event === 'thread.run.created') return event;
  const status = event.event.slice('thread.run.'.length) as RunStatus;
  return event.data.status === status ? event : { ...event, data: { ...event.data, status } };
}
