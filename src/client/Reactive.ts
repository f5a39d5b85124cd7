import type { Observable } from 'rxjs';
import type { Page, RequestOptions, RunRetrieval } from '../backend/AssistantsBackend';

/** Whether two types are identical (not merely assignable to each other). */
type Same<X, Y> =
  (<G>() => G extends X ? 1 : 2) extends <G>() => G extends Y ? 1 : 2 ? true : false;

/**
 * A parameter list without its trailing `options?: RequestOptions`: the client
 * sends its own (one `Idempotency-Key` per write, kept across its retries).
 * The other parameters keep their names, so editors show them.
 */
export type WithoutRequestOptions<A extends unknown[]> = A extends [
  ...infer Head,
  ...[options?: RequestOptions],
]
  ? A extends [...Head, ...infer Last]
    ? Same<Last, [options?: RequestOptions]> extends true
      ? Head
      : A
    : A
  : A;

/**
 * What the client emits for a value of the port: each item of a page (lists
 * follow every page), the run of a retrieval (the poll hint is the watchers'
 * business), any other value as it is.
 */
export type Emitted<T> = T extends Page<infer Item> ? Item : T extends RunRetrieval ? T['run'] : T;

/** One method of the port as the client serves it. */
export type ReactiveMethod<F> = F extends (...args: infer A) => Observable<infer T>
  ? (...args: WithoutRequestOptions<A>) => Observable<Emitted<T>>
  : never;

/**
 * The resources of a port as the client serves them: each method keeps its
 * parameters (and its doc comment) but the request options, and emits
 * {@link Emitted} values.
 *
 * ## Example
 *
 * ```ts
 * import type { Observable } from 'rxjs';
 * import type { Assistant, AssistantsBackend, RxAssistants } from 'rx-assistants';
 *
 * declare const rx: RxAssistants;
 * declare const backend: AssistantsBackend;
 * const assistants: Observable<Assistant> = rx.assistants.list({ order: 'asc' }); // each one
 * backend.assistants.list({ order: 'asc' }); // Observable<Page<Assistant>>: one page
 * ```
 */
export type Reactive<Port> = {
  readonly [Resource in keyof Port]: {
    [Method in keyof Port[Resource]]: ReactiveMethod<Port[Resource][Method]>;
  };
};
