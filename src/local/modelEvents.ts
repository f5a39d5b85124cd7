import type { ModelEvent, ModelFinishReason } from './ModelAdapter';

const FINISH_REASONS: readonly ModelFinishReason[] = [
  'stop',
  'length',
  'content_filter',
  'tool_calls',
];

/**
 * A model broke the {@link ModelEvent} contract: it sent something that is not
 * a model event, or ended a turn with a call the runtime cannot ask for. The
 * run fails with its message as `last_error`.
 */
export class ModelEventError extends Error {
  override readonly name = 'ModelEventError';

  constructor(
    message: string,
    /** What the model sent. */
    readonly event?: unknown,
  ) {
    super(message);
  }
}

/** A short, readable rendering of any value, for error messages. */
function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const isFinishReason = (value: unknown): value is ModelFinishReason =>
  FINISH_REASONS.some((reason) => reason === value);

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * Checks one event a model sent and returns it as a {@link ModelEvent} with
 * only its known fields (a `tool_call`'s absent `id`, `name` or `arguments`
 * may be `null`). Anything else throws a {@link ModelEventError} that says
 * what was wrong, so that the engine fails that run at once.
 *
 * ## Example
 *
 * ```ts
 * import { checkModelEvent } from 'src/local/modelEvents';
 *
 * checkModelEvent({ type: 'text', delta: 'Hi' }); // { type: 'text', delta: 'Hi' }
 * checkModelEvent({ type: 'foo' }); // throws "The model sent an event of unknown type 'foo'."
 * ```
 *
 * @param event What the model's Observable emitted.
 * @returns The event, checked.
 */
export function checkModelEvent(event: unknown): ModelEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new ModelEventError(
      `The model sent an event that is not an object: ${show(event)}.`,
      event,
    );
  }
  const fields = event as Record<string, unknown>;
  const { type } = fields;
  const wrong = (field: string, expected: string) =>
    new ModelEventError(
      `The model sent a '${String(type)}' event whose '${field}' is not ${expected}: ${show(fields[field])}.`,
      event,
    );
  switch (type) {
    case 'text':
      if (typeof fields['delta'] !== 'string') throw wrong('delta', 'a string');
      return { type, delta: fields['delta'] };
    case 'usage': {
      const { promptTokens, completionTokens } = fields;
      if (!isCount(promptTokens)) throw wrong('promptTokens', 'a whole number from 0');
      if (!isCount(completionTokens)) throw wrong('completionTokens', 'a whole number from 0');
      return { type, promptTokens, completionTokens };
    }
    case 'finish': {
      const { reason } = fields;
      if (!isFinishReason(reason)) {
        throw wrong('reason', `one of ${FINISH_REASONS.map((r) => `'${r}'`).join(', ')}`);
      }
      return { type, reason };
    }
    case 'tool_call': {
      if (!isCount(fields['index'])) throw wrong('index', 'a whole number from 0');
      const call: Extract<ModelEvent, { type: 'tool_call' }> = { type, index: fields['index'] };
      for (const field of ['id', 'name', 'arguments'] as const) {
        const value = fields[field];
        if (value === undefined || value === null) continue;
        if (typeof value !== 'string') throw wrong(field, 'a string');
        call[field] = value;
      }
      return call;
    }
    case undefined:
      throw new ModelEventError(`The model sent an event without a 'type'.`, event);
    default:
      throw new ModelEventError(
        `The model sent an event of unknown type ${typeof type === 'string' ? `'${type}'` : show(type)}.`,
        event,
      );
  }
}

/**
 * Checks the tool calls a turn ended with, by `index`: each must have a name,
 * or the run could not ask for it. Throws a {@link ModelEventError} otherwise.
 *
 * ## Example
 *
 * ```ts
 * import { checkCallsNamed } from 'src/local/modelEvents';
 *
 * checkCallsNamed(new Map([[0, { name: 'add' }]])); // fine
 * checkCallsNamed(new Map([[0, { name: '' }]])); // throws: tool call (index 0) has no name
 * ```
 *
 * @param calls The turn's calls by index.
 */
export function checkCallsNamed(calls: ReadonlyMap<number, { name: string }>): void {
  for (const [index, call] of calls) {
    if (!call.name) {
      throw new ModelEventError(
        `The model ended its turn with a tool call (index ${index}) that has no name.`,
      );
    }
  }
}
