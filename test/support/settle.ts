import type { Observable } from 'rxjs';

/** Subscribes to one request of the port; the local backend answers synchronously. */
export function settle<T>(request: Observable<T>): { value: T } | { error: unknown } {
  let outcome: { value: T } | { error: unknown } | undefined;
  request.subscribe({
    next: (value) => (outcome = { value }),
    error: (error: unknown) => (outcome = { error }),
  });
  if (!outcome) throw new Error('the request did not answer synchronously');
  return outcome;
}

/** The value of a synchronous request; its error is thrown. */
export function ok<T>(request: Observable<T>): T {
  const outcome = settle(request);
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}
