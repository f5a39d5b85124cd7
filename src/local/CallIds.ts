import { map, type Observable, of } from 'rxjs';
import type { AssistantsStore } from './storePort';

/** How many fresh ids `claim` draws before it gives up on a broken id function. */
const MAX_DRAWS = 100;

/**
 * The ids of the runtime's tool calls, unique across threads and runs as
 * every other id of the API. A model's own id is kept while no recorded call
 * has it (so that logs and tests can follow it); a repeated or missing one is
 * replaced by a new `call_...` id of the runtime. The run shows, takes outputs
 * for, and hands back to the model only the id claimed here.
 *
 * It reads the calls already in the store once ({@link CallIds.ready}, before
 * the first claim), then keeps every id it hands out, even after its thread
 * is deleted.
 *
 * ## Example
 *
 * ```ts
 * import { CallIds } from 'src/local/CallIds';
 * import { memoryStore } from 'rx-assistants/local';
 *
 * const ids = new CallIds(memoryStore(), (p) => `${p}_${Math.random()}`);
 * ids.ready().subscribe(); // reads the calls already stored
 * ids.claim('call_1'); // 'call_1'
 * ids.claim('call_1'); // a new id, such as 'call_Xb3...'
 * ids.claim(); // a new id
 * ```
 */
export class CallIds {
  private readonly taken = new Set<string>();
  private loaded = false;

  constructor(
    private readonly store: AssistantsStore,
    private readonly newId: (prefix: string) => string,
  ) {}

  /** Completes once the calls already in the store are known (at once after the first time). */
  ready(): Observable<void> {
    if (this.loaded) return of(undefined);
    return this.store.list('step').pipe(
      map((page) => {
        this.loaded = true;
        for (const { step_details: details } of page.data) {
          if (details.type !== 'tool_calls') continue;
          for (const call of details.tool_calls) this.taken.add(call.id);
        }
      }),
    );
  }

  /** A tool call id no other call of the runtime has: `wanted` if it is new. Call after {@link CallIds.ready}. */
  claim(wanted?: string): string {
    const taken = this.taken;
    let id = wanted && !taken.has(wanted) ? wanted : this.newId('call');
    for (let draws = 1; taken.has(id); draws++) {
      if (draws === MAX_DRAWS) {
        throw new Error(`The runtime's ids gave ${MAX_DRAWS} tool call ids already in use.`);
      }
      id = this.newId('call');
    }
    taken.add(id);
    return id;
  }
}
