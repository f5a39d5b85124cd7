import { map, type Observable, toArray } from 'rxjs';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import type { Message } from '../backend/types';
import { paginate } from './paginate';
import { pollLoop } from './pollLoop';
import type { ResolvedWatchConfig } from './watchRun';

/**
 * The thread's messages in ascending order, then each new one as it appears;
 * see `rx.messages.watch` for the semantics.
 */
export function watchMessages(
  backend: AssistantsBackend,
  threadId: string,
  config: ResolvedWatchConfig,
  after?: string,
): Observable<Message> {
  return pollLoop<Message>({
    scheduler: config.scheduler,
    policy: config.poll,
    start: () => {
      let cursor = after;
      return () =>
        paginate((q) => backend.messages.list(threadId, q), {
          order: 'asc' as const,
          limit: 100,
          ...(cursor === undefined ? {} : { after: cursor }),
        }).pipe(
          toArray(),
          map((messages) => {
            // A message still being written is held back, with all after it,
            // until it is done: each message is emitted once, in its final form.
            const pending = messages.findIndex((message) => message.status === 'in_progress');
            const values = pending === -1 ? messages : messages.slice(0, pending);
            cursor = values.at(-1)?.id ?? cursor;
            return { values, changed: values.length > 0, done: false };
          }),
        );
    },
  });
}
