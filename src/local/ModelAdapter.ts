import type { Observable, SchedulerLike } from 'rxjs';
import type { Run } from '../backend/types';

/** A function the model may call: the `function` part of an assistant's function tool. */
export interface ModelTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>;
  strict?: boolean | null;
}

/** A function call the model made, complete. */
export interface ModelToolCall {
  id: string;
  name: string;
  /** The arguments, as a JSON text. */
  arguments: string;
}

/**
 * One entry of the conversation handed to the model, in the shape Chat
 * Completions uses: the thread's messages (text only) and, within the current
 * run, the model's earlier tool calls and their outputs.
 */
export type ModelMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ModelToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** Which tool the model must, may or must not call. */
export type ModelToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string };

/** Everything a model needs for one turn of a run. */
export interface ModelRequest {
  /** The run's model name (from the run, else its assistant). */
  model: string;
  /** The run's instructions, with `additional_instructions` appended. */
  instructions: string;
  /** The conversation so far, oldest first. */
  messages: ModelMessage[];
  /** The function tools the model may call. */
  tools: ModelTool[];
  /**
   * The built-in tools the run declares (`code_interpreter`, `file_search`),
   * which this runtime does not implement yet: a model may say it cannot use
   * them, and a run whose model calls one fails with `unsupported_tool`.
   */
  builtinTools?: Array<'code_interpreter' | 'file_search'>;
  toolChoice: ModelToolChoice;
  /** Whether the model may make several tool calls in one turn. */
  parallelToolCalls: boolean;
  temperature?: number | null;
  topP?: number | null;
  /** The most completion tokens the run may still use, when the run set a limit. */
  maxCompletionTokens?: number | null;
  /** `'json_object'` or `'json_schema'` when the run asks for structured output. */
  responseFormat?: 'text' | 'json_object' | 'json_schema';
  /** With `responseFormat: 'json_schema'`: the run's schema, its name and strictness. */
  jsonSchema?: ModelJsonSchema;
}

/** The JSON Schema a run's answer must follow: the `json_schema` of its `response_format`. */
export interface ModelJsonSchema {
  name: string;
  description?: string;
  /** The schema itself, as a JSON Schema object. */
  schema?: Record<string, unknown>;
  strict?: boolean | null;
}

/**
 * Why a model's turn ended, as Chat Completions' `finish_reason` says it:
 * `stop` (it was done), `tool_calls` (it called tools), `length` (it hit its
 * token limit) or `content_filter` (its output was filtered).
 */
export type ModelFinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

/** What the runtime gives a model besides the request. */
export interface ModelContext {
  /** The runtime's scheduler: the only clock a model may use (for pacing, say). */
  scheduler: SchedulerLike;
  /**
   * The run this turn serves, as it is when the turn begins (`in_progress`).
   * The runtime always gives it; it is optional for callers of an adapter
   * outside the runtime (tests of the adapter itself).
   */
  run?: Readonly<Run>;
}

/**
 * One piece of a model's answer, as it streams:
 *
 * - `text`: the next piece of the reply's text; an empty one opens the
 *   turn's message (its `message_creation` step) without writing to it;
 * - `tool_call`: a piece of a tool call, Chat Completions style: calls are told
 *   apart by `index`; `id` and `name` come with the first piece of a call, and
 *   `arguments` pieces are concatenated. A model that knows a whole call at
 *   once sends it in one piece. Several indexes make parallel calls;
 * - `usage`: the tokens this turn used (the last one sent counts). Without it,
 *   the runtime estimates them (see docs/local-runtime.md);
 * - `finish`: why the turn ended (the last one sent counts), optional. A turn
 *   cut off by `length` ends the run `incomplete` (`incomplete_details.reason:
 *   'max_completion_tokens'`, its message `incomplete` with `max_tokens`), as
 *   the API does; one stopped by `content_filter` ends it `incomplete` too,
 *   its message `incomplete` with `content_filter`. `stop` and `tool_calls`
 *   change nothing: the turn's content (tool calls or not) decides.
 */
export type ModelEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; index: number; id?: string; name?: string; arguments?: string }
  | { type: 'usage'; promptTokens: number; completionTokens: number }
  | { type: 'finish'; reason: ModelFinishReason };

/**
 * The model behind the embedded runtime: thread messages, instructions and
 * tools in; an Observable of text deltas, tool calls and usage out.
 *
 * `respond` is called once per model turn of a run. Its Observable is
 * subscribed by the runtime and must be cold; the runtime unsubscribes when the
 * run is cancelled or expires, so an adapter should abort its request then. An
 * error fails the run with `last_error`; completion ends the turn: the run
 * goes to `requires_action` if the turn made tool calls, else it completes
 * (or ends `incomplete`, after a `finish` with `length` or `content_filter`).
 *
 * ## Example
 *
 * ```ts
 * import { of } from 'rxjs';
 * import type { ModelAdapter } from 'rx-assistants/local';
 *
 * // A model that always answers "Hello!".
 * const hello: ModelAdapter = {
 *   name: 'hello',
 *   respond: () => of({ type: 'text', delta: 'Hello!' }),
 * };
 * ```
 */
export interface ModelAdapter {
  /** A name for logs and docs. */
  readonly name: string;
  respond(request: ModelRequest, context: ModelContext): Observable<ModelEvent>;
}
