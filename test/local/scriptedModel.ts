import { Observable, type ObservableInput, from } from 'rxjs';
import type { ModelAdapter, ModelEvent, ModelRequest } from '../../src/local';

/**
 * A model whose turns are scripted: turn n answers with `turns[n]` (the last
 * repeats). It records each request and whether each turn was unsubscribed.
 */
export function scriptedModel(
  turns: Array<ModelEvent[] | ((request: ModelRequest) => ObservableInput<ModelEvent>)>,
) {
  const requests: ModelRequest[] = [];
  const unsubscribed: boolean[] = [];
  const model: ModelAdapter = {
    name: 'scripted',
    respond: (request) =>
      new Observable<ModelEvent>((subscriber) => {
        const turn = requests.length;
        requests.push(request);
        unsubscribed.push(false);
        const script = turns[Math.min(turn, turns.length - 1)]!;
        let done = false;
        const subscription = from(
          typeof script === 'function' ? script(request) : script,
        ).subscribe({
          next: (event) => subscriber.next(event),
          error: (error: unknown) => ((done = true), subscriber.error(error)),
          complete: () => ((done = true), subscriber.complete()),
        });
        return () => {
          if (!done) unsubscribed[turn] = true;
          subscription.unsubscribe();
        };
      }),
  };
  return { model, requests, unsubscribed };
}

/** Text deltas, one per word, then usage. */
export const say = (
  text: string,
  usage?: { promptTokens: number; completionTokens: number },
): ModelEvent[] => [
  ...text.split(/(?<= )/).map((delta): ModelEvent => ({ type: 'text', delta })),
  ...(usage ? [{ type: 'usage' as const, ...usage }] : []),
];

/** Ids `asst_1`, `thread_1`, `run_1`... so that tests can name them. */
export const counterIds = () => {
  const counts = new Map<string, number>();
  return (prefix: string) => {
    const n = (counts.get(prefix) ?? 0) + 1;
    counts.set(prefix, n);
    return `${prefix}_${n}`;
  };
};
