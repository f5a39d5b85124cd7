import type { AssistantTool, MessageContent } from '../backend/types';
import { BackendError } from '../errors/BackendError';
import { API_LIMITS, FUNCTION_NAME, nestsDeeperThan } from './limits';

/** A 400 `invalid_request_error` naming the parameter at fault. */
export const invalid = (param: string | null, message: string): BackendError =>
  new BackendError({ status: 400, message, param });

type Fields = Record<string, unknown>;
const typeName = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

/** The request body (or query) as an object of fields; `undefined` reads as `{}`. */
export function fieldsOf(value: unknown, param: string | null = null): Fields {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(
      param,
      `Invalid type for '${param ?? 'body'}': expected an object, got ${typeName(value)}.`,
    );
  }
  return value as Fields;
}

/** Refuses a value whose objects and arrays nest deeper than {@link API_LIMITS.jsonDepth}. */
export function checkDepth(value: unknown, param: string | null = null): void {
  if (nestsDeeperThan(value, API_LIMITS.jsonDepth)) {
    throw invalid(
      param,
      `Invalid '${param ?? 'body'}': objects and arrays nest more than ${API_LIMITS.jsonDepth} levels deep.`,
    );
  }
}

/** A string field: required unless `optional`, `null` allowed when `nullable`, at most `max` characters. */
export function stringField(
  fields: Fields,
  key: string,
  options: { param?: string; optional?: boolean; nullable?: boolean; max?: number } = {},
): string | null | undefined {
  const param = options.param ?? key;
  const value = fields[key];
  if (value === undefined && options.optional) return undefined;
  if (value === null && options.nullable) return null;
  if (typeof value !== 'string') {
    throw value === undefined
      ? invalid(param, `Missing required parameter: '${param}'.`)
      : invalid(param, `Invalid type for '${param}': expected a string, got ${typeName(value)}.`);
  }
  if (options.max !== undefined && value.length > options.max) {
    throw invalid(
      param,
      `Invalid '${param}': string too long. Expected at most ${options.max} characters, got ${value.length}.`,
    );
  }
  return value;
}

/** An optional number field within `[min, max]`, an integer when `integer`; `null` allowed. */
export function numberField(
  fields: Fields,
  key: string,
  options: { param?: string; min?: number; max?: number; integer?: boolean } = {},
): number | null | undefined {
  const param = options.param ?? key;
  const value = fields[key];
  if (value === undefined || value === null) return value;
  const kind = options.integer ? 'an integer' : 'a number';
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (options.integer && !Number.isInteger(value))
  ) {
    throw invalid(param, `Invalid type for '${param}': expected ${kind}, got ${typeName(value)}.`);
  }
  if (
    (options.min !== undefined && value < options.min) ||
    (options.max !== undefined && value > options.max)
  ) {
    const range =
      options.max === undefined
        ? `at least ${options.min}`
        : `from ${options.min ?? '-∞'} to ${options.max}`;
    throw invalid(param, `Invalid '${param}': expected ${range}, got ${value}.`);
  }
  return value;
}

/** An optional boolean field. */
export function booleanField(fields: Fields, key: string, param = key): boolean | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    throw invalid(
      param,
      `Invalid type for '${param}': expected a boolean, got ${typeName(value)}.`,
    );
  }
  return value;
}

/** An optional field with one of `values`. */
export function enumField<T extends string>(
  fields: Fields,
  key: string,
  values: readonly T[],
  param = key,
): T | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (!values.includes(value as T)) {
    throw invalid(
      param,
      `Invalid value for '${param}': expected one of ${values.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(value)}.`,
    );
  }
  return value as T;
}

/** Metadata: at most 16 string pairs, keys up to 64 characters, values up to 512. */
export function metadataField(
  fields: Fields,
  param = 'metadata',
): Record<string, string> | undefined {
  const value = fields['metadata'];
  if (value === undefined || value === null) return undefined;
  const metadata = fieldsOf(value, param);
  const entries = Object.entries(metadata);
  const { metadataKeys, metadataKey, metadataValue } = API_LIMITS;
  if (entries.length > metadataKeys)
    throw invalid(
      param,
      `Invalid '${param}': at most ${metadataKeys} keys are allowed, got ${entries.length}.`,
    );
  for (const [key, item] of entries) {
    if (key.length > metadataKey)
      throw invalid(
        param,
        `Invalid '${param}': key '${key.slice(0, 16)}…' is longer than ${metadataKey} characters.`,
      );
    if (typeof item !== 'string')
      throw invalid(param, `Invalid '${param}.${key}': expected a string, got ${typeName(item)}.`);
    if (item.length > metadataValue)
      throw invalid(
        param,
        `Invalid '${param}.${key}': value is longer than ${metadataValue} characters.`,
      );
  }
  return { ...(metadata as Record<string, string>) };
}

/** Tools: code_interpreter, file_search or function tools with a valid name, at most `max`. */
export function toolsField(
  fields: Fields,
  max: number,
  param = 'tools',
): AssistantTool[] | undefined {
  const value = fields['tools'];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw invalid(param, `Invalid type for '${param}': expected an array, got ${typeName(value)}.`);
  if (value.length > max)
    throw invalid(
      param,
      `Invalid '${param}': at most ${max} tools are allowed, got ${value.length}.`,
    );
  return value.map((item, index) => {
    const tool = fieldsOf(item, `${param}[${index}]`);
    const type = enumField(
      tool,
      'type',
      ['code_interpreter', 'file_search', 'function'] as const,
      `${param}[${index}].type`,
    );
    if (!type)
      throw invalid(
        `${param}[${index}].type`,
        `Missing required parameter: '${param}[${index}].type'.`,
      );
    if (type !== 'function') {
      checkDepth(tool, `${param}[${index}]`);
      return structuredClone(tool) as unknown as AssistantTool;
    }
    const fn = fieldsOf(tool['function'] ?? null, `${param}[${index}].function`);
    const at = `${param}[${index}].function`;
    const name = stringField(fn, 'name', { param: `${at}.name`, max: API_LIMITS.functionName })!;
    if (!FUNCTION_NAME.test(name)) {
      throw invalid(`${at}.name`, `Invalid '${at}.name': use a-z, A-Z, 0-9, _ and - only.`);
    }
    stringField(fn, 'description', {
      param: `${at}.description`,
      optional: true,
      max: API_LIMITS.functionDescription,
    });
    if (fn['parameters'] !== undefined) {
      fieldsOf(fn['parameters'], `${at}.parameters`);
      checkDepth(fn['parameters'], `${at}.parameters`);
    }
    return structuredClone(tool) as unknown as AssistantTool;
  });
}

/** A message's content, as a string or content parts, turned into the API's content blocks. */
export function contentField(fields: Fields, param = 'content'): MessageContent[] {
  const value = fields['content'];
  if (typeof value === 'string') {
    stringField(fields, 'content', { param, max: API_LIMITS.messageText });
    return [{ type: 'text', text: { value, annotations: [] } }];
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw value === undefined
      ? invalid(param, `Missing required parameter: '${param}'.`)
      : invalid(
          param,
          `Invalid '${param}': expected a string or a non-empty array of content parts.`,
        );
  }
  return value.map((item, index) => {
    const part = fieldsOf(item, `${param}[${index}]`);
    const type = enumField(
      part,
      'type',
      ['text', 'image_file', 'image_url'] as const,
      `${param}[${index}].type`,
    );
    if (type === 'text') {
      const text = stringField(part, 'text', {
        param: `${param}[${index}].text`,
        max: API_LIMITS.messageText,
      })!;
      return { type: 'text', text: { value: text, annotations: [] } };
    }
    if (type === undefined)
      throw invalid(
        `${param}[${index}].type`,
        `Missing required parameter: '${param}[${index}].type'.`,
      );
    fieldsOf(part[type] ?? null, `${param}[${index}].${type}`);
    return structuredClone(part) as unknown as MessageContent;
  });
}
