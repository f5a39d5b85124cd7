// The arguments of the tutor's tool calls: a value valid against the tool's
// JSON schema, meaningful where a property's name says what it holds.
import type { Equation } from './equations';
import { QUIZ_REQUEST, quizQuestion } from './quiz';

export type Schema = { [key: string]: unknown };

/** What the arguments are built from: the request's text and what was found in it. */
export interface Hints {
  text: string;
  equation?: Equation;
  quizCount: number;
}

/** Where in the arguments a value goes: in which quiz question, at which choice. */
interface Place {
  root: Schema;
  hints: Hints;
  depth: number;
  question?: number;
  choice?: number;
  /** How many choices the list of `choice` has. */
  choices?: number;
}

const TITLE = /title|heading|topic|subject|name/i;
const QUESTION = /question|prompt|problem|task/i;
const QUESTIONS = /questions|problems|quiz|items|exercises|tasks/i;
const CHOICES = /choice|option|answers/i;
const ANSWER = /answer|solution|correct|result/i;
const EXPLANATION = /explanation|hint|feedback|reason|steps/i;
const EQUATION = /equation|expression|formula|problem|input|query|expr/i;
const COUNT = /count|number|num|^n_|how_many|amount|total|questions/i;

/** The arguments of a call of the tool whose parameters are `root`, from what the request says. */
export function argumentsFor(root: Schema, hints: Hints): unknown {
  return valueOf(root, '', { root, hints, depth: 0 });
}

export const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function resolve(schema: Schema, root: Schema): Schema {
  if (typeof schema.$ref !== 'string' || !schema.$ref.startsWith('#')) return schema;
  const path = schema.$ref.slice(1).split('/').filter(Boolean);
  const target = path.reduce<unknown>(
    (node, key) => (isSchema(node) ? node[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined),
    root,
  );
  return isSchema(target) ? target : {};
}

function typeOf(schema: Schema): string {
  const type = Array.isArray(schema.type)
    ? (schema.type.find((t) => t !== 'null') ?? 'null')
    : schema.type;
  if (typeof type === 'string') return type;
  return schema.properties ? 'object' : schema.items ? 'array' : 'string';
}

/** A value valid against `input`, meaningful where the property name says what it is. */
function valueOf(input: Schema, name: string, place: Place): unknown {
  const schema = resolve(input, place.root);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const inQuestion = place.question !== undefined && /type|kind|format|style/i.test(name);
    return schema.enum[inQuestion ? (place.question ?? 0) % schema.enum.length : 0];
  }
  const variants = [schema.anyOf, schema.oneOf, schema.allOf].find(Array.isArray);
  if (variants) {
    const usable = variants.filter(isSchema);
    const first = usable.find((v) => typeOf(resolve(v, place.root)) !== 'null') ?? usable[0];
    return valueOf(first ?? {}, name, place);
  }
  if ('default' in schema) return schema.default;
  switch (typeOf(schema)) {
    case 'object':
      return objectValue(schema, place);
    case 'array':
      return arrayValue(schema, name, place);
    case 'integer':
    case 'number':
      return numberValue(schema, name, place);
    case 'boolean':
      return /show|include|steps|explain/i.test(name);
    case 'null':
      return null;
    default:
      return stringValue(schema, name, place);
  }
}

function objectValue(schema: Schema, place: Place): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const inner = { ...place, depth: place.depth + 1 };
  const known = new RegExp(
    [TITLE, QUESTION, CHOICES, ANSWER, EXPLANATION, EQUATION].map((r) => r.source).join('|'),
    'i',
  );
  const worth = (key: string, sub: Schema) =>
    place.depth < 4 && ('enum' in sub || 'const' in sub || 'default' in sub || known.test(key));
  const value: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(properties)) {
    if (isSchema(sub) && (required.has(key) || worth(key, sub)))
      value[key] = valueOf(sub, key, inner);
  }
  for (const key of required) if (!(key in value)) value[key] = valueOf({}, key, inner);
  // An optional list of choices only goes with a multiple-choice question.
  const kind = Object.entries(value).find(
    ([k, v]) => /type|kind/i.test(k) && typeof v === 'string',
  );
  if (kind && !/choice|multiple|select|option/i.test(String(kind[1]))) {
    for (const key of Object.keys(value))
      if (CHOICES.test(key) && !required.has(key)) delete value[key];
  }
  return value;
}

function arrayValue(schema: Schema, name: string, place: Place): unknown[] {
  const inner = { ...place, depth: place.depth + 1 };
  const tuple = [schema.prefixItems, schema.items].find(Array.isArray);
  if (tuple) return tuple.map((item) => valueOf(isSchema(item) ? item : {}, name, inner));
  const item = isSchema(schema.items) ? schema.items : {};
  const questions = QUESTIONS.test(name) && place.question === undefined;
  const wanted = questions ? place.hints.quizCount : CHOICES.test(name) ? 4 : 1;
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
  const count = Math.min(Math.max(wanted, min), max);
  return Array.from({ length: count }, (_, i) =>
    valueOf(
      item,
      name,
      questions ? { ...inner, question: i } : { ...inner, choice: i, choices: count },
    ),
  );
}

function numberValue(schema: Schema, name: string, place: Place): number {
  const quiz = place.question !== undefined ? quizQuestion(place.question) : undefined;
  let n = quiz && ANSWER.test(name) ? quiz.correct : COUNT.test(name) ? place.hints.quizCount : 1;
  const { minimum, maximum, exclusiveMinimum: above, exclusiveMaximum: below } = schema;
  if (typeof minimum === 'number') n = Math.max(n, minimum);
  if (typeof above === 'number' && n <= above) n = above + 1;
  if (typeof maximum === 'number') n = Math.min(n, maximum);
  if (typeof below === 'number' && n >= below)
    n = typeOf(schema) === 'integer' ? below - 1 : below - 0.5;
  return typeOf(schema) === 'integer' ? Math.ceil(n) : n;
}

function stringValue(schema: Schema, name: string, place: Place): string {
  const formats: Record<string, string> = {
    'date-time': '2024-01-01T00:00:00Z',
    date: '2024-01-01',
    email: 'student@example.com',
    uri: 'https://example.com',
  };
  let value = meaningOf(name, place) ?? formats[String(schema.format)] ?? place.hints.text;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  if (value.length < min) value = value.padEnd(min, '.');
  return typeof schema.maxLength === 'number' ? value.slice(0, schema.maxLength) : value;
}

/** The text a property's name asks for, in a quiz question or about the request's equation. */
function meaningOf(name: string, { hints, question, choice, choices }: Place): string | undefined {
  const quiz = question === undefined ? undefined : quizQuestion(question, choices);
  if (quiz && choice !== undefined && CHOICES.test(name)) return quiz.choices[choice];
  if (quiz && QUESTION.test(name)) return quiz.text;
  if (quiz && ANSWER.test(name)) return quiz.answer;
  if (quiz && EXPLANATION.test(name)) return quiz.explanation;
  if (TITLE.test(name))
    return QUIZ_REQUEST.test(hints.text) ? 'Linear equations quiz' : 'Linear equations';
  if (hints.equation && /variable|unknown|letter/i.test(name)) return hints.equation.variable;
  if (hints.equation && (EQUATION.test(name) || QUESTION.test(name))) return hints.equation.text;
  return undefined;
}
