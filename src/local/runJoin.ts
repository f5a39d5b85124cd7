import {
  concat,
  concatMap,
  EMPTY,
  Observable,
  type ObservableInput,
  type SchedulerLike,
  Subject,
  Subscription,
  takeWhile,
  timer,
} from 'rxjs';
import { runEvent, type RunEventOf } from '../backend/runEvent';
import { isRunEvent, isTerminalStatus } from '../backend/runStatus';
import type { AssistantStreamEvent, Message, Run, RunStatus, RunStep } from '../backend/types';
import { nothingSeen, recordEvent, type SeenEvents, snapshotEvents } from '../client/runEvents';
import { textLengthOf } from './sharedEvents';
import type { SharedRunEvent } from './storePort';

/** A run as stored: the run, its steps in creation order, the messages of its steps by id. */
export interface RunSnapshot {
  run: Run;
  steps: RunStep[];
  messages: Map<string, Message>;
}

/** What {@link joinedEvents} joins. */
export interface JoinConfig {
  /** The run's live events, after an empty batch once it listens (`RunEventChannel.listen`). */
  live$: Observable<readonly SharedRunEvent[]>;
  /** The run as stored, read once `live$` listens. */
  snapshot$: Observable<RunSnapshot>;
  /** A message as stored now: what fills a gap in the text a delta continues. */
  message(id: string): Observable<Message | undefined>;
  /** When the store is read again for a gap. */
  scheduler: SchedulerLike;
}

/**
 * How long a gap in a message's text waits for the store to have it: the
 * text a process announces goes to the store within 200 ms (see
 * `RunRecorder`). Tried this often before the message's deltas are given up.
 */
const GAP_WAIT = 250;
const GAP_TRIES = 4;

/**
 * The events of a run joined mid-way, as a poller would see them up to now
 * and live from then on, with neither gap nor repeat: it listens first, then
 * reads the run as stored and tells it (a message being written comes with
 * its text so far, as one delta), then tells each live event that the
 * stored state did not already tell. A delta that repeats text the store
 * had is cut to what is new; one that comes after text the store did not
 * have yet waits for the store to have it. The events end with the run's
 * end, or once it waits for tool outputs (stored or live).
 *
 * ## Example
 *
 * ```ts
 * import { asyncScheduler, of } from 'rxjs';
 * import type { Run } from 'rx-assistants';
 * import { joinedEvents } from 'src/local/runJoin';
 *
 * declare const run: Run; // completed
 * joinedEvents({
 *   live$: of([]),
 *   snapshot$: of({ run, steps: [], messages: new Map() }),
 *   message: () => of(undefined),
 *   scheduler: asyncScheduler,
 * }).subscribe((event) => console.log(event.event)); // ...thread.run.completed
 * ```
 */
export function joinedEvents(config: JoinConfig): Observable<AssistantStreamEvent> {
  return new Observable<AssistantStreamEvent>((subscriber) => {
    const heard = new Subject<SharedRunEvent>();
    // What is heard before the snapshot is read waits for it.
    let held: Array<() => void> | undefined = [];
    const hear = (action: () => void) => (held ? held.push(action) : action());
    const joined = new Observable<SharedRunEvent>((inner) => {
      const listening = heard.subscribe(inner);
      const actions = held ?? [];
      held = undefined;
      for (const action of actions) action();
      return listening;
    });
    const subscription = new Subscription();
    let reading = false;
    const read = () =>
      config.snapshot$
        .pipe(
          concatMap((snapshot) => {
            const join = new RunJoin(snapshot, config);
            const rest = join.live
              ? joined.pipe(
                  concatMap((shared) => join.next(shared)),
                  takeWhile((event) => !endsStream(event), true),
                )
              : EMPTY;
            return concat(join.first, rest);
          }),
        )
        .subscribe(subscriber);
    subscription.add(
      config.live$.subscribe({
        next: (batch) => {
          for (const shared of batch) hear(() => heard.next(shared));
          if (reading) return;
          reading = true;
          subscription.add(read());
        },
        // Before it listens, nothing is read: the end is the join's.
        error: (error: unknown) =>
          reading ? hear(() => heard.error(error)) : subscriber.error(error),
        complete: () => (reading ? hear(() => heard.complete()) : subscriber.complete()),
      }),
    );
    return subscription;
  });
}

type Delta = RunEventOf<'thread.message.delta'>;

/** Whether `event` is a run's last: it ended, or waits for tool outputs. */
const endsStream = (event: AssistantStreamEvent): boolean =>
  isRunEvent(event) &&
  (isTerminalStatus(event.data.status) || event.data.status === 'requires_action');

/** Step and message statuses in the order they go: an event that goes back tells nothing new. */
const progress = (status: string): number =>
  status === 'created' ? 0 : status === 'in_progress' ? 1 : 2;

/** Run statuses within a turn, in the order they go. */
const runProgress = (status: RunStatus): number =>
  isTerminalStatus(status) ? 3 : status === 'queued' ? 0 : status === 'in_progress' ? 1 : 2;

/** The live events of one run against what its snapshot told (see {@link joinedEvents}). */
class RunJoin {
  readonly first: AssistantStreamEvent[];
  /** Whether live events follow the stored state: the run has not ended nor stopped for outputs. */
  readonly live: boolean;
  private readonly seen: SeenEvents = nothingSeen();
  /** Message id → how much of its text is told. */
  private readonly told = new Map<string, number>();
  /** Messages whose text has a gap the store did not fill: their deltas are not told. */
  private readonly lost = new Set<string>();
  /** Steps created after the snapshot: their deltas are told (the others' are in their step). */
  private readonly newSteps = new Set<string>();
  private runMoved = false;

  constructor(
    { run, steps, messages }: RunSnapshot,
    private readonly config: JoinConfig,
  ) {
    this.first = snapshotEvents(run, steps, messages, this.seen);
    for (const [id, state] of this.seen.messages) {
      const message = messages.get(id);
      if (!message) continue;
      const length = textLengthOf(message.content);
      this.told.set(id, length);
      if (state === 'in_progress' && length > 0) {
        this.first.push(textDelta(id, message.content, 0, length));
      }
    }
    this.live = !isTerminalStatus(run.status) && run.status !== 'requires_action';
  }

  /** What `shared` tells that was not told yet. */
  next({ event, at }: SharedRunEvent): ObservableInput<AssistantStreamEvent> {
    if (event.event === 'thread.message.delta') return this.delta(event, at);
    if (event.event === 'thread.run.step.delta')
      return this.newSteps.has(event.data.id) ? [event] : [];
    if (isStepEvent(event)) {
      const before = this.seen.steps.get(event.data.id);
      if (before !== undefined && progress(before) >= progress(statusOf(event.event))) return [];
      if (event.event === 'thread.run.step.created') this.newSteps.add(event.data.id);
    } else if (isMessageEvent(event)) {
      const before = this.seen.messages.get(event.data.id);
      if (before !== undefined && progress(before) >= progress(statusOf(event.event))) return [];
      if (event.event === 'thread.message.created') {
        this.told.set(event.data.id, textLengthOf(event.data.content));
      }
    } else if (isRunEvent(event) && !this.runMoved) {
      // Until the run moves past its stored status, its events are those the snapshot told.
      const stored = this.seen.run!.status;
      if (event.event === 'thread.run.created') return [];
      if (runProgress(event.data.status) <= runProgress(stored)) return [];
      this.runMoved = true;
    }
    recordEvent(this.seen, event);
    return [event];
  }

  private delta(event: Delta, at: number | undefined): ObservableInput<AssistantStreamEvent> {
    const id = event.data.id;
    if (this.lost.has(id)) return [];
    const told = this.told.get(id);
    const length = textLengthOf(event.data.delta.content);
    if (at === undefined || told === undefined) {
      if (at !== undefined) this.told.set(id, at + length);
      return [event];
    }
    if (at <= told) {
      if (at + length <= told && length > 0) return [];
      this.told.set(id, at + length);
      return [at === told ? event : trimmed(event, told - at)];
    }
    return this.filled(event, told, at, GAP_TRIES);
  }

  /** `event`, after the text the store has before it (from `from` to its `at`), once the store has it. */
  private filled(
    event: Delta,
    from: number,
    at: number,
    tries: number,
  ): Observable<AssistantStreamEvent> {
    const id = event.data.id;
    return timer(GAP_WAIT, this.config.scheduler).pipe(
      concatMap(() => this.config.message(id)),
      concatMap((message): ObservableInput<AssistantStreamEvent> => {
        if (message && textLengthOf(message.content) >= at) {
          this.told.set(id, at + textLengthOf(event.data.delta.content));
          return [textDelta(id, message.content, from, at), event];
        }
        if (tries > 1) return this.filled(event, from, at, tries - 1);
        // Its text comes whole with `thread.message.completed`.
        this.lost.add(id);
        return [];
      }),
    );
  }
}

/** Whether `event` carries a whole step (`thread.run.step.created`, `.completed`...). */
const isStepEvent = (
  event: AssistantStreamEvent,
): event is Extract<AssistantStreamEvent, { data: RunStep }> =>
  event.event.startsWith('thread.run.step.') && event.event !== 'thread.run.step.delta';

/** Whether `event` carries a whole message (`thread.message.created`, `.completed`...). */
const isMessageEvent = (
  event: AssistantStreamEvent,
): event is Extract<AssistantStreamEvent, { data: Message }> =>
  event.event.startsWith('thread.message.') && event.event !== 'thread.message.delta';

/** The status a step or message event's name says: `created`, `in_progress`, or an end. */
const statusOf = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

/** A delta of the text of `content` from character `from` to `to` (of its text parts, in order). */
function textDelta(id: string, content: Message['content'], from: number, to: number): Delta {
  const parts: NonNullable<Delta['data']['delta']['content']> = [];
  let offset = 0;
  content.forEach((part, index) => {
    if (part.type !== 'text') return;
    const value = part.text.value;
    const start = Math.max(from - offset, 0);
    const end = Math.min(to - offset, value.length);
    if (end > start) {
      parts.push({
        index,
        type: 'text',
        text: { value: value.slice(start, end), annotations: [] },
      });
    }
    offset += value.length;
  });
  return runEvent('thread.message.delta', {
    id,
    object: 'thread.message.delta',
    delta: { content: parts },
  });
}

/** `event` without the first `skip` characters of its text. */
function trimmed(event: Delta, skip: number): Delta {
  const content: NonNullable<Delta['data']['delta']['content']> = [];
  for (const part of event.data.delta.content ?? []) {
    if (part.type !== 'text' || skip === 0) {
      content.push(part);
      continue;
    }
    const value = part.text?.value ?? '';
    if (skip >= value.length) skip -= value.length;
    else {
      content.push({ ...part, text: { ...part.text, value: value.slice(skip) } });
      skip = 0;
    }
  }
  return { ...event, data: { ...event.data, delta: { ...event.data.delta, content } } };
}
