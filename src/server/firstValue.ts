import type { Observable, Subscription } from 'rxjs';
import { HttpError } from './errors';

/**
 * The first value of `source`, unsubscribing (which aborts the backend's
 * request) when the client goes away first. `signalOf` is called only when
 * the answer is not there at once, as building it costs a `Request` on Node.
 */
export function firstValue<T>(source: Observable<T>, signalOf: () => AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let subscription: Subscription | undefined = undefined;
    subscription = source.subscribe({
      next: (value) => {
        settled = true;
        resolve(value);
        subscription?.unsubscribe();
      },
      error: (error: unknown) => {
        settled = true;
        reject(error);
      },
      complete: () => {
        if (!settled) reject(new Error('The backend completed without a value.'));
        settled = true;
      },
    });
    if (settled) return subscription.unsubscribe();
    const signal = signalOf();
    const gone = () => {
      subscription.unsubscribe();
      reject(new HttpError(499, 'The client closed the request.'));
    };
    signal.addEventListener('abort', gone, { once: true });
    subscription.add(() => signal.removeEventListener('abort', gone));
  });
}
