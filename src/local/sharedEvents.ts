import type { Subscription } from 'rxjs';
import type { AssistantStreamEvent } from '../backend/types';
import type { RunEventChannel, SharedRunEvent } from './storePort';

/** Content parts, of a message or of a delta: only those of type `text` count. */
type Parts = ReadonlyArray<{ type: string; text?: { value?: string } }> | null | undefined;

/** How many characters of text `parts` have: the `text.value` of each text part, in order. */
export function textLengthOf(parts: Parts): number {
  let length = 0;
  for (const part of parts ?? []) if (part.type === 'text') length += part.text?.value?.length ?? 0;
  return length;
}

/**
 * How far the text of each message of a run has gone, as its events go by:
 * the `at` of each `thread.message.delta` (see {@link SharedRunEvent}).
 */
export class TextOffsets {
  private readonly lengths = new Map<string, number>();

  /** Where `event`'s text starts if it is a message delta; records what `event` tells. */
  next(event: AssistantStreamEvent): number | undefined {
    switch (event.event) {
      case 'thread.message.created':
        this.lengths.set(event.data.id, textLengthOf(event.data.content));
        return undefined;
      case 'thread.message.delta': {
        const at = this.lengths.get(event.data.id) ?? 0;
        this.lengths.set(event.data.id, at + textLengthOf(event.data.delta.content));
        return at;
      }
      case 'thread.message.completed':
      case 'thread.message.incomplete':
        this.lengths.delete(event.data.id);
        return undefined;
      default:
        return undefined;
    }
  }
}

/**
 * Publishes the events of one run on a {@link RunEventChannel}, in order: one
 * batch at a time, the events told while a batch is being sent going
 * together in the next. A batch the channel fails to send is dropped (its
 * listeners miss it); the next ones still go.
 *
 * ## Example
 *
 * ```ts
 * import type { AssistantStreamEvent } from 'rx-assistants';
 * import { memoryChannel } from 'src/local/memoryChannel';
 * import { EventPublisher } from 'src/local/sharedEvents';
 *
 * const publisher = new EventPublisher(memoryChannel(), 'run_1');
 * declare const event: AssistantStreamEvent; // thread.run.in_progress, say
 * publisher.push({ event });
 * ```
 */
export class EventPublisher {
  private queued: SharedRunEvent[] = [];
  private sending?: Subscription;
  private inFlight = false;
  private stopped = false;

  constructor(
    private readonly channel: RunEventChannel,
    private readonly runId: string,
  ) {}

  /** Publishes `shared` after the events pushed before it. */
  push(shared: SharedRunEvent): void {
    if (this.stopped) return;
    this.queued.push(shared);
    this.send();
  }

  /** Stops: what is not sent yet is not. */
  stop(): void {
    this.stopped = true;
    this.queued = [];
    this.sending?.unsubscribe();
  }

  private send(): void {
    while (!this.inFlight && this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      let answered = false;
      let waiting = false;
      const sent = () => {
        this.inFlight = false;
        answered = true;
        if (waiting) this.send();
      };
      this.inFlight = true;
      this.sending = this.channel.publish(this.runId, batch).subscribe({
        complete: sent,
        error: sent,
      });
      if (!answered) {
        waiting = true;
        return;
      }
    }
  }
}
