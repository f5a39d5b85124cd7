import type { Runtime } from './records';

/** How many fresh ids `claim` draws before it gives up on a broken id function. */
const MAX_DRAWS = 100;

/**
 * The ids of the runtime's tool calls, unique across threads and runs as
 * every other id of the API. A model's own id is kept while no recorded call
 * has it (so that logs and tests can follow it); a repeated or missing one is
 * replaced by a new `call_...` id of the runtime. The run shows, takes outputs
 * for, and hands back to the model only the id claimed here.
 *
 * It reads the calls already in the store once, on the first claim, then
 * keeps every id it hands out, even after its thread is deleted.
 *
 * ## Example
 *
 * ```ts
 * import { CallIds } from 'src/local/CallIds';
 * import { memoryStore } from 'rx-assistants/local';
 *
 * const runtime = { store: memoryStore(), now: () => 0, newId: (p: string) => `${p}_${Math.random()}` };
 * const ids = new CallIds(runtime);
 * ids.claim('call_1'); // 'call_1'
 * ids.claim('call_1'); // a new id, such as 'call_Xb3...'
 * ids.claim(); // a new id
 * ```
 */
export class CallIds {
  private taken?: Set<string>;

  constructor(private readonly runtime: Runtime) {}

  /** A tool call id no other call of the runtime has: `wanted` if it is new. */
  claim(wanted?: string): string {
    const taken = (this.taken ??= this.recorded());
    let id = wanted && !taken.has(wanted) ? wanted : this.runtime.newId('call');
    for (let draws = 1; taken.has(id); draws++) {
      if (draws === MAX_DRAWS) {
        throw new Error(`The runtime's ids gave ${MAX_DRAWS} tool call ids already in use.`);
      }
      id = this.runtime.newId('call');
    }
    taken.add(id);
    return id;
  }

  private recorded(): Set<string> {
    const ids = new Set<string>();
    for (const step of this.runtime.store.list('step')) {
      if (step.step_details.type !== 'tool_calls') continue;
      for (const call of step.step_details.tool_calls) ids.add(call.id);
    }
    return ids;
  }
}
