// When the tutor calls a function tool, with which arguments, and what it says
// about the outputs.
import type { ModelMessage, ModelRequest, ModelTool, ModelToolCall } from '../../ModelAdapter';
import { findEquation, Fraction, solve, type Equation } from './equations';

type Schema = { [key: string]: unknown };

/** What the arguments are built from: the request's text and what was found in it. */
interface Hints {
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

/** The equations of the tutor's quizzes and practice questions, in order. */
export const QUIZ_EQUATIONS = ['2x + 3 = 11', '3(y - 2) = 9', '4n + 1 = 2n - 5'];

/** Whether a message asks to be quizzed or tested. */
export const QUIZ_REQUEST =
  /\bquiz|\btest me\b|\bpractice\b|\bexercises?\b|\bgive me (?:a |some )?(?:problems?|questions?)\b/i;
const QUIZ_TOOL = /quiz|test|exam/i;
const SOLVER_TOOL = /solv|equation|calculat|algebra|arithmetic/i;
const GENERIC =
  /^(?:get|set|list|create|update|delete|fetch|find|show|display|make|run|call|tool|function|current|info|data|value|result|user|item)$/;

const TITLE = /title|heading|topic|subject|name/i;
const QUESTION = /question|prompt|problem|task/i;
const QUESTIONS = /questions|problems|quiz|items|exercises|tasks/i;
const CHOICES = /choice|option|answers/i;
const ANSWER = /answer|solution|correct|result/i;
const EXPLANATION = /explanation|hint|feedback|reason|steps/i;
const EQUATION = /equation|expression|formula|problem|input|query|expr/i;
const COUNT = /count|number|num|^n_|how_many|amount|total|questions/i;

/** A question of the tutor's quiz, with its multiple choices. */
interface QuizQuestion {
  /** `'Solve 2x + 3 = 11.'` */
  text: string;
  answer: string;
  choices: string[];
  /** The index of the right choice. */
  correct: number;
  explanation: string;
}

/** The `index`th question of the tutor's quiz, really solved. */
function quizQuestion(index: number, choiceCount = 4): QuizQuestion {
  const equation = findEquation(QUIZ_EQUATIONS[index % QUIZ_EQUATIONS.length] ?? '') as Equation;
  const solution = solve(equation);
  const value = solution.outcome.kind === 'one' ? solution.outcome.value : new Fraction(0n);
  const correct = index % choiceCount;
  const choices = Array.from({ length: choiceCount }, (_, i) => {
    const wrong = i < correct ? i : i - 1; // offsets 1, -2, 3, -4, ...
    const offset = i === correct ? 0 : (wrong % 2 === 0 ? 1 : -1) * (wrong + 1);
    return `${equation.variable} = ${value.plus(new Fraction(BigInt(offset)))}`;
  });
  const explanation = solution.steps.map((step) => step.action).join(', then ');
  return {
    text: `Solve ${equation.text}.`,
    answer: solution.answer,
    choices,
    correct,
    explanation,
  };
}

/** How many questions a message asks for (`'a quiz with 2 questions'`), from 1 to 3; 2 if it does not say. */
function quizCount(text: string): number {
  const words: Record<string, number> = { a: 1, one: 1, single: 1, two: 2, three: 3 };
  const match = /\b(\d+|a|one|single|two|three)\s+(?:[\w-]+\s+){0,2}?questions?\b/i.exec(text);
  const count = match?.[1] ? Number(match[1]) || (words[match[1].toLowerCase()] ?? 2) : 2;
  return Math.min(3, Math.max(1, count));
}

/** Whether a tool fits a message: a quiz tool for a quiz request, a solver for an equation, or its name's words. */
function fits(tool: ModelTool, text: string, equation?: Equation): boolean {
  const about = `${tool.name} ${tool.description ?? ''}`;
  if (QUIZ_REQUEST.test(text) && QUIZ_TOOL.test(about)) return true;
  if (equation && SOLVER_TOOL.test(about)) return true;
  const said = new Set(text.toLowerCase().match(/[a-z]+/g));
  const named = tool.name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/);
  return named.some((w) => w.length >= 4 && !GENERIC.test(w) && (said.has(w) || said.has(`${w}s`)));
}

/**
 * The tool calls the tutor makes for a request: none when `toolChoice` is
 * `'none'` or the last message is a tool's output (it answers then); the named
 * tool; the tools that fit the last user message (only the first unless
 * `parallelToolCalls`); or, when `'required'` and none fits, the first tool.
 */
export function toolCallsFor(request: ModelRequest, text: string): ModelToolCall[] {
  const { tools, toolChoice, messages } = request;
  if (toolChoice === 'none' || messages[messages.length - 1]?.role === 'tool') return [];
  const equation = findEquation(text);
  let chosen: ModelTool[];
  if (typeof toolChoice === 'object') {
    chosen = tools.filter((tool) => tool.name === toolChoice.name).slice(0, 1);
  } else {
    const fitting = tools.filter((tool) => fits(tool, text, equation));
    chosen = fitting.length > 0 ? fitting : toolChoice === 'required' ? tools.slice(0, 1) : [];
    if (!request.parallelToolCalls) chosen = chosen.slice(0, 1);
  }
  const hints: Hints = { text, equation, quizCount: quizCount(text) };
  const seed = `${hash(messages.map((m) => m.content).join('\n'))}${messages.length.toString(36)}`;
  return chosen.map((tool, index) => {
    const root = tool.parameters ?? { type: 'object', properties: {} };
    const args = valueOf(root, '', { root, hints, depth: 0 });
    return { id: `call_${seed}${index}`, name: tool.name, arguments: JSON.stringify(args) };
  });
}

/** FNV-1a, as 8 hex digits: a deterministic id part. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const isSchema = (value: unknown): value is Schema =>
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

/**
 * What the tutor says after its tool calls: for each output (the messages
 * after the last assistant message), what it returned; a quiz's answers are
 * graded against the questions the tutor sent.
 */
export function answerToolOutputs(messages: ModelMessage[]): string {
  let start = messages.length;
  while (start > 0 && messages[start - 1]?.role === 'tool') start--;
  const asked = messages[start - 1];
  const calls = asked?.role === 'assistant' ? (asked.toolCalls ?? []) : [];
  const answers = messages.slice(start).map((message) => {
    const call =
      message.role === 'tool' ? calls.find((c) => c.id === message.toolCallId) : undefined;
    const output = parseJson(message.content);
    if (call && QUIZ_TOOL.test(call.name)) {
      return `Here are your quiz results:${gradeQuiz(parseJson(call.arguments), output) ?? ` ${summarize(output)}`}`;
    }
    return `Here is what ${call?.name ?? 'the tool'} returned: ${summarize(output)}`;
  });
  return answers.join('\n\n');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function summarize(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : Array.isArray(value)
        ? value.map(summarize).join('; ')
        : isSchema(value)
          ? Object.entries(value)
              .map(([k, v]) => `${k}: ${summarize(v)}`)
              .join(', ')
          : String(value);
  return text.length > 600 ? `${text.slice(0, 599)}…` : text || '(nothing)';
}

/** Grades each answer of a quiz's output against the equation of its question, or `undefined`. */
function gradeQuiz(args: unknown, output: unknown): string | undefined {
  const arrays = (value: unknown) =>
    (isSchema(value) ? Object.values(value) : []).filter(Array.isArray);
  const strings = (value: unknown) =>
    (isSchema(value) ? Object.values(value) : []).filter((v) => typeof v === 'string');
  const questions = arrays(args).find((list) =>
    list.some((q) => strings(q).some((s) => findEquation(s))),
  );
  const responses = Array.isArray(output) ? output : arrays(output)[0];
  if (!questions || !responses) return undefined;
  let right = 0;
  const lines = questions.map((question, i) => {
    const text = strings(question).find((s) => findEquation(s)) ?? '';
    const solution = solve(findEquation(text) as Equation);
    const choices = arrays(question)[0]?.map(String) ?? [];
    const response = String(responses[i] ?? '');
    const letter = /^\s*\(?([a-h])[).]?\s*$/i.exec(response)?.[1]?.toLowerCase();
    const given = valueIn(letter ? (choices[letter.charCodeAt(0) - 97] ?? '') : response);
    const correct = solution.outcome.kind === 'one' && given?.equals(solution.outcome.value);
    if (correct) right++;
    const how = solution.steps.map((step) => step.action).join(', then ');
    const verdict = correct ? 'correct!' : `the answer is ${solution.answer} (${how}).`;
    return `\n${i + 1}. ${text} You answered "${response}": ${verdict}`;
  });
  return `${lines.join('')}\nYou got ${right} of ${questions.length} right.`;
}

/** The number an answer gives: `'x = 4'`, `'-3'`, `'7/2'`. */
function valueIn(answer: string): Fraction | undefined {
  const equation = findEquation(answer);
  if (equation) {
    const solution = solve(equation);
    return solution.outcome.kind === 'one' ? solution.outcome.value : undefined;
  }
  const [, top, bottom = '1'] = /(-?\d+(?:\.\d+)?)(?:\s*\/\s*(\d+(?:\.\d+)?))?/.exec(answer) ?? [];
  if (top === undefined || Number(bottom) === 0) return undefined;
  const sign = top.startsWith('-') ? -1n : 1n;
  return Fraction.parse(top.replace('-', '')).times(new Fraction(sign)).div(Fraction.parse(bottom));
}
