import {
  catchError,
  defaultIfEmpty,
  defer,
  forkJoin,
  from,
  isObservable,
  last,
  map,
  type Observable,
  of,
  throwError,
} from 'rxjs';
import type { RequiredActionFunctionToolCall, Run } from '../backend/types';
import { ToolCallError } from '../errors/ToolCallError';

/** What a tool handler is told besides its arguments. */
export interface ToolCallContext {
  /** The call being answered. */
  call: RequiredActionFunctionToolCall;
  /** The run snapshot that asked for it. */
  run: Run;
  /** Aborted when the run's subscriber unsubscribes: pass it on to `fetch` and the like. */
  signal: AbortSignal;
}

/**
 * Answers one function tool call. It receives the parsed JSON arguments
 * (`unknown` unless you say what they are) and may return a value, a Promise
 * or an Observable (its last value counts). The output is JSON-encoded unless
 * it is already a string; `undefined` becomes an empty string.
 *
 * The arguments come from the model: annotate them with the type your
 * function tool's JSON schema describes, or check them.
 *
 * ## Example
 *
 * ```ts
 * import type { ToolHandler, ToolHandlers } from 'rx-assistants';
 *
 * const getWeather: ToolHandler<{ city: string }> = async ({ city }, { signal }) => {
 *   const response = await fetch(`https://weather.example/${city}`, { signal });
 *   return response.json();
 * };
 * const tools: ToolHandlers = {
 *   get_weather: getWeather,
 *   add: ({ a, b }: { a: number; b: number }) => a + b,
 * };
 * ```
 */
export type ToolHandler<A = unknown> = {
  // A method, so that a handler of any argument type fits in `ToolHandlers`.
  handle(args: A, context: ToolCallContext): unknown;
}['handle'];

/** Handlers by function name. */
export type ToolHandlers = Record<string, ToolHandler>;

/**
 * What happens when a tool call cannot be answered (no handler of that name,
 * arguments that are not JSON, or a handler that throws, rejects or errors):
 * `'submit'` (the default) submits `{"error": "<message>"}` as its output so
 * that the model can recover; `'fail'` ends the stream with a `ToolCallError`.
 */
export type ToolErrorPolicy = 'submit' | 'fail';

/** One entry of `submit_tool_outputs`. */
export interface ToolOutput {
  tool_call_id: string;
  output: string;
}

const encode = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);

function callHandler(
  call: RequiredActionFunctionToolCall,
  handlers: ToolHandlers,
  context: ToolCallContext,
): Observable<unknown> {
  return defer(() => {
    const handler = Object.hasOwn(handlers, call.function.name)
      ? handlers[call.function.name]
      : undefined;
    if (!handler) return throwError(() => undefined);
    const args: unknown = call.function.arguments ? JSON.parse(call.function.arguments) : {};
    const result = handler(args, context);
    if (isObservable(result)) return result.pipe(defaultIfEmpty(undefined), last());
    if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
      return from(result as PromiseLike<unknown>);
    }
    return of(result);
  });
}

/**
 * Dispatches every function tool call of a run in `requires_action` to its
 * handler, all in parallel, and emits the outputs for one submit.
 */
export function answerToolCalls(
  run: Run,
  handlers: ToolHandlers,
  policy: ToolErrorPolicy,
  signal: AbortSignal,
): Observable<ToolOutput[]> {
  const calls = run.required_action?.submit_tool_outputs.tool_calls ?? [];
  return forkJoin(
    calls.map((call) =>
      callHandler(call, handlers, { call, run, signal }).pipe(
        map((value) => ({ tool_call_id: call.id, output: encode(value) })),
        catchError((cause: unknown) => {
          const error = new ToolCallError({
            threadId: run.thread_id,
            runId: run.id,
            toolCallId: call.id,
            toolName: call.function.name,
            cause,
          });
          return policy === 'fail'
            ? throwError(() => error)
            : of({ tool_call_id: call.id, output: JSON.stringify({ error: error.message }) });
        }),
      ),
    ),
  ).pipe(defaultIfEmpty([]));
}
