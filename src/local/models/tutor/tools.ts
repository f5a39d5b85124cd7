// When the tutor calls a function tool, and what it says about the outputs.
import type { ModelMessage, ModelRequest, ModelTool, ModelToolCall } from '../../ModelAdapter';
import { findEquation, type Equation } from './equations';
import { Fraction } from './fraction';
import { solve } from './solve';
import { QUIZ_REQUEST, quizCount } from './quiz';
import { argumentsFor, isSchema, type Hints } from './toolArguments';

const QUIZ_TOOL = /quiz|test|exam/i;
const SOLVER_TOOL = /solv|equation|calculat|algebra|arithmetic/i;
const GENERIC =
  /^(?:get|set|list|create|update|delete|fetch|find|show|display|make|run|call|tool|function|current|info|data|value|result|user|item)$/;

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
    const args = argumentsFor(root, hints);
    return { id: `call_${seed}${index}`, name: tool.name, arguments: JSON.stringify(args) };
  });
}

/** FNV-1a, as 8 hex digits: a deterministic id part. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
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
