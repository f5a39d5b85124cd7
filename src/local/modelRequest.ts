import type { Message, Run } from '../backend/types';
import type { ModelMessage, ModelRequest, ModelToolChoice } from './ModelAdapter';
import { builtinToolsOf, textOf } from './records';

/**
 * What the model is asked on a turn of `run`: the thread's finished messages
 * (the last `n` with a `last_messages` truncation), then the run's own tool
 * calls and outputs so far, with the run's instructions, tools and limits.
 */
export function modelRequestFor(
  run: Run,
  thread: readonly Message[],
  history: readonly ModelMessage[],
  completionTokensUsed: number,
): ModelRequest {
  const all = thread.filter((m) => m.status !== 'in_progress');
  const last =
    run.truncation_strategy?.type === 'last_messages'
      ? run.truncation_strategy.last_messages
      : null;
  const messages = last ? all.slice(-last) : all;
  const choice = run.tool_choice;
  const toolChoice: ModelToolChoice =
    typeof choice === 'string'
      ? choice
      : choice
        ? { type: 'function', name: choice.function?.name ?? '' }
        : 'auto';
  const builtinTools = builtinToolsOf(run);
  const format =
    typeof run.response_format === 'object' && run.response_format ? run.response_format : null;
  return {
    model: run.model,
    instructions: run.instructions,
    messages: [
      ...messages.map((m): ModelMessage => ({ role: m.role, content: textOf(m.content) })),
      ...history,
    ],
    tools: run.tools.flatMap((tool) => (tool.type === 'function' ? [{ ...tool.function }] : [])),
    ...(builtinTools.length > 0 && { builtinTools }),
    toolChoice,
    parallelToolCalls: run.parallel_tool_calls,
    temperature: run.temperature,
    topP: run.top_p,
    maxCompletionTokens:
      run.max_completion_tokens === null ? null : run.max_completion_tokens - completionTokensUsed,
    ...(format && { responseFormat: format.type }),
    ...(format?.type === 'json_schema' && { jsonSchema: { ...format.json_schema } }),
  };
}
