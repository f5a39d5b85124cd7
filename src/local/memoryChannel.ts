import { defer, map, Observable, of, Subject } from 'rxjs';
import type { RunEventChannel, SharedRunEvent } from './storePort';

/**
 * The {@link RunEventChannel} of runtimes that share a memory store in one
 * process: each batch is handed to the run's listeners as it is published,
 * and each cancel asked for to the listeners of `cancels()`.
 *
 * ## Example
 *
 * ```ts
 * import type { AssistantStreamEvent } from 'rx-assistants';
 * import { memoryChannel } from 'src/local/memoryChannel';
 *
 * const channel = memoryChannel();
 * channel.listen('run_1').subscribe((batch) => console.log(batch.length)); // 0, then 1
 * declare const event: AssistantStreamEvent; // thread.run.in_progress, say
 * channel.publish('run_1', [{ event }]).subscribe();
 * ```
 */
export function memoryChannel(): RunEventChannel & { cancelRequested(runId: string): void } {
  const listeners = new Map<string, Set<(batch: readonly SharedRunEvent[]) => void>>();
  const cancels = new Subject<string>();
  return {
    cancels: () =>
      new Observable<readonly string[]>((subscriber) => {
        subscriber.next([]);
        return cancels.pipe(map((runId) => [runId])).subscribe(subscriber);
      }),
    /** Tells the listeners of `cancels()` that `runId`'s cancel was asked for. */
    cancelRequested: (runId) => cancels.next(runId),
    publish: (runId, events) =>
      defer(() => {
        for (const listener of [...(listeners.get(runId) ?? [])]) listener(events);
        return of(undefined);
      }),
    listen: (runId) =>
      new Observable<readonly SharedRunEvent[]>((subscriber) => {
        const listener = (batch: readonly SharedRunEvent[]) => subscriber.next(batch);
        const ofRun = listeners.get(runId) ?? new Set();
        listeners.set(runId, ofRun.add(listener));
        subscriber.next([]);
        return () => {
          ofRun.delete(listener);
          if (ofRun.size === 0) listeners.delete(runId);
        };
      }),
  };
}
