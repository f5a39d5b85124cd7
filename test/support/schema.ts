import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { spec as document } from '../../src/server/spec';

// The Assistants part of OpenAI's OpenAPI description, the one the server
// validates requests with (see src/server/assistants-openapi.NOTICE.md for its
// origin and licence). The server compiles a copy with the Metadata limits
// added; the tests check responses against the document as published.

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(document, 'openapi');

const validators = new Map<string, ValidateFunction>();

/** The names of the reference schemas, such as `RunObject`. */
export const schemaNames = Object.keys(document.components.schemas);

/**
 * The reference schema's verdict on `value`: `[]` when it conforms, else one
 * line per violation (`/path message`).
 */
export function schemaErrors(schemaName: string, value: unknown): string[] {
  if (!schemaNames.includes(schemaName)) throw new Error(`No schema named ${schemaName}`);
  let validate = validators.get(schemaName);
  if (!validate) {
    validate = ajv.getSchema(`openapi#/components/schemas/${schemaName}`)!;
    validators.set(schemaName, validate);
  }
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${schemaName}${e.instancePath} ${e.message ?? ''}`);
}
