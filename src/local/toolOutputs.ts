import { API_LIMITS, utf8Length } from './limits';
import { invalid } from './validation';

/** The outputs of a submit, checked against the calls the run waits for. */
export function checkOutputs(
  value: unknown,
  calls: ReadonlyArray<{ id: string }>,
): Map<string, string> {
  if (!Array.isArray(value)) {
    throw invalid('tool_outputs', `Invalid type for 'tool_outputs': expected an array.`);
  }
  const expected = new Set(calls.map((call) => call.id));
  const outputs = new Map<string, string>();
  value.forEach((item: unknown, index) => {
    const { tool_call_id: id, output } = (item ?? {}) as {
      tool_call_id?: unknown;
      output?: unknown;
    };
    if (typeof id !== 'string') {
      throw invalid(
        `tool_outputs[${index}].tool_call_id`,
        `Missing required parameter: 'tool_outputs[${index}].tool_call_id'.`,
      );
    }
    if (!expected.has(id))
      throw invalid('tool_outputs', `No tool call found with id '${id}' in this run.`);
    if (outputs.has(id)) throw invalid('tool_outputs', `Duplicate output for tool call '${id}'.`);
    if (output !== undefined && typeof output !== 'string') {
      throw invalid(
        `tool_outputs[${index}].output`,
        `Invalid type for 'tool_outputs[${index}].output': expected a string.`,
      );
    }
    const max = API_LIMITS.toolOutputBytes;
    if (typeof output === 'string' && output.length > max / 3 && utf8Length(output) > max) {
      throw invalid(
        `tool_outputs[${index}].output`,
        `Invalid 'tool_outputs[${index}].output': too long. Expected at most ${max} bytes (512 KiB) of UTF-8, got ${utf8Length(output)}.`,
      );
    }
    outputs.set(id, output ?? '');
  });
  const missing = [...expected].filter((id) => !outputs.has(id));
  if (missing.length > 0) {
    throw invalid(
      'tool_outputs',
      `Expected tool outputs for call_ids ${JSON.stringify([...expected])}, got ${JSON.stringify([...outputs.keys()])}.`,
    );
  }
  return outputs;
}
