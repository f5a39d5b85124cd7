import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { badRequest, type HttpError } from './errors';
import { spec, type OpenApiDocument, type OperationSpec } from './spec';

/** The checks of one operation's input, compiled once. */
export interface RequestValidator {
  /** Checks a parsed JSON body; returns the 400 to answer, or `undefined` when it is valid. */
  body?: (body: unknown) => HttpError | undefined;
  /** Checks (and converts in place: `"5"` → `5`) the query; returns the 400, or `undefined`. */
  query: (query: Record<string, unknown>) => HttpError | undefined;
}

/**
 * The reference document with the limits that its `Metadata` schema states
 * only in prose (16 pairs, keys up to 64 characters, values up to 512), made
 * checkable, as the API enforces them.
 */
function withMetadataLimits(doc: OpenApiDocument): OpenApiDocument {
  const copy = structuredClone(doc);
  const metadata = copy.components.schemas['Metadata'] as {
    anyOf?: Array<Record<string, unknown>>;
  };
  const map = metadata.anyOf?.find((s) => s['type'] === 'object');
  if (map) {
    map['maxProperties'] = 16;
    map['propertyNames'] = { maxLength: 64 };
    map['additionalProperties'] = { type: 'string', maxLength: 512 };
  }
  return copy;
}

/**
 * Compiles the validators of every operation of the document: each request
 * body against its schema (`CreateRunRequest`...), each query against its
 * parameters. Call once, at startup.
 */
export function compileValidators(
  operations: OperationSpec[],
  doc: OpenApiDocument = spec,
): Map<string, RequestValidator> {
  const options = { strict: false, validateFormats: false, verbose: true } as const;
  const bodies = new Ajv2020(options);
  bodies.addSchema(withMetadataLimits(doc), 'openapi');
  // Query values arrive as text: "5" must pass as the integer 5.
  const queries = new Ajv2020({ ...options, coerceTypes: 'array' });

  const validators = new Map<string, RequestValidator>();
  for (const op of operations) {
    const body = op.bodySchema
      ? bodies.getSchema(`openapi#/components/schemas/${op.bodySchema}`)
      : undefined;
    if (op.bodySchema && !body) throw new Error(`No schema named ${op.bodySchema}`);
    const query = queries.compile({
      type: 'object',
      properties: Object.fromEntries(op.query.map((p) => [p.name, p.schema])),
      required: op.query.filter((p) => p.required).map((p) => p.name),
    });
    validators.set(op.operationId, {
      body: body && ((value) => check(body, value, doc.components.schemas)),
      query: (value) => check(query, value, {}),
    });
  }
  return validators;
}

function check(
  validate: ValidateFunction,
  value: unknown,
  schemas: Record<string, unknown>,
): HttpError | undefined {
  if (validate(value)) return undefined;
  const errors = validate.errors ?? [];
  const error = mostSpecific(errors);
  return (
    unknownVariant(errors, schemas) ?? (error ? errorOf(error) : badRequest('Invalid request.'))
  );
}

/** The `type` values a union's branch accepts, such as `['function']`, if it has such a tag. */
function tagsOf(branch: unknown, schemas: Record<string, unknown>): unknown[] | undefined {
  const ref = (branch as { $ref?: unknown }).$ref;
  const schema = (typeof ref === 'string' ? schemas[ref.split('/').pop()!] : branch) as {
    properties?: { type?: { enum?: unknown[]; const?: unknown } };
  };
  const tag = schema?.properties?.type;
  return tag?.enum ?? (tag && 'const' in tag ? [tag.const] : undefined);
}

/**
 * A tagged union (tools, content parts...) given an object whose `type` no
 * branch accepts: the fault is that `type`, not whatever the last branch
 * missed (`tools[0].type`, not `tools[0].function`).
 */
function unknownVariant(
  errors: ErrorObject[],
  schemas: Record<string, unknown>,
): HttpError | undefined {
  for (const error of errors) {
    if (error.keyword !== 'oneOf' && error.keyword !== 'anyOf') continue;
    if (!Array.isArray(error.schema) || typeof error.data !== 'object' || !error.data) continue;
    const tags = error.schema.map((branch) => tagsOf(branch, schemas));
    if (tags.some((t) => t === undefined)) continue;
    const allowed = tags.flat() as unknown[];
    const type = (error.data as { type?: unknown }).type;
    if (allowed.includes(type)) continue;
    const param = paramOf([...pathOf(error), 'type'])!;
    const supported = allowed.map((t) => `'${String(t)}'`).join(', ');
    return badRequest(
      type === undefined
        ? `Missing required parameter: '${param}'.`
        : `Invalid value for '${param}': ${JSON.stringify(type)}. Supported values are: ${supported}.`,
      param,
    );
  }
  return undefined;
}

/** How telling a failed keyword is: a failed branch of a union says least. */
const weight = (error: ErrorObject): number =>
  error.keyword === 'anyOf' || error.keyword === 'oneOf'
    ? 0
    : ['type', 'enum', 'const'].includes(error.keyword)
      ? 1
      : 2;

/**
 * The error that says most about what is wrong. In a union (`anyOf`,
 * `oneOf`), every branch reports; the deepest error comes from the branch
 * that matched furthest, so it names the field at fault (`tools[0].function.name`
 * rather than `tools[0]`).
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  let bestScore = -1;
  const relevant = errors.filter((e) => !fromOtherVariant(e));
  for (const error of relevant.length > 0 ? relevant : errors) {
    const score = pathOf(error).length * 4 + weight(error);
    if (score > bestScore) [best, bestScore] = [error, score];
  }
  return best;
}

/**
 * Whether `error` comes from a branch of a tagged union meant for another
 * `type` than the object has: a text part need not have an `image_file`.
 */
function fromOtherVariant(error: ErrorObject): boolean {
  const tag = (error.parentSchema as { properties?: { type?: { enum?: unknown[] } } } | undefined)
    ?.properties?.type?.enum;
  const data = error.data as { type?: unknown } | null;
  return (
    Array.isArray(tag) &&
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    !tag.includes(data.type)
  );
}

/** The segments of the field at fault: the instance path, plus the property a keyword names. */
function pathOf(error: ErrorObject): string[] {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  const named = params['missingProperty'] ?? params['additionalProperty'];
  return typeof named === 'string' ? [...segments, named] : segments;
}

/** `['tools', '0', 'function', 'name']` → `tools[0].function.name`, as the API names params. */
export function paramOf(segments: string[]): string | null {
  let param = '';
  for (const segment of segments) {
    const name = segment.replace(/\[\]$/, ''); // `include[]` is the query's name of `include`
    param += /^\d+$/.test(name) ? `[${name}]` : param ? `.${name}` : name;
  }
  return param || null;
}

const typeOf = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : Number.isInteger(value)
        ? 'an integer'
        : typeof value === 'number'
          ? 'a decimal'
          : typeof value === 'object'
            ? 'an object'
            : `a ${typeof value}`;

function errorOf(error: ErrorObject): HttpError {
  const param = paramOf(pathOf(error));
  const name = `'${param ?? 'body'}'`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return badRequest(`Missing required parameter: ${name}.`, param);
    case 'additionalProperties':
      return badRequest(`Unrecognized request argument supplied: ${param}.`, param);
    case 'type': {
      const expected = [params['type']].flat().join(' or ');
      return badRequest(
        `Invalid type for ${name}: expected ${expected}, but got ${typeOf(error.data)} instead.`,
        param,
      );
    }
    case 'enum': {
      const supported = (params['allowedValues'] as unknown[]).map((v) => `'${String(v)}'`);
      return badRequest(
        `Invalid value for ${name}: ${JSON.stringify(error.data)}. Supported values are: ${supported.join(', ')}.`,
        param,
      );
    }
    default:
      if (error.propertyName !== undefined) {
        const key = error.propertyName;
        const shown = key.length > 24 ? `${key.slice(0, 24)}...` : key;
        return badRequest(`Invalid key '${shown}' in ${name}: ${error.message ?? ''}.`, param);
      }
      return badRequest(`Invalid value for ${name}: ${error.message ?? 'not allowed'}.`, param);
  }
}
