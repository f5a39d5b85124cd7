import { concat, concatMap, defer, from, map, of, timer, type Observable } from 'rxjs';
import type { ModelAdapter, ModelEvent, ModelMessage, ModelRequest } from '../ModelAdapter';
import { findEquation } from './tutor/equations';
import { solve } from './tutor/solve';
import { chunkReply, estimateTokens } from './tutor/tokens';
import { QUIZ_EQUATIONS, QUIZ_REQUEST } from './tutor/quiz';
import { answerToolOutputs, toolCallsFor } from './tutor/tools';
import { builtinRefusal } from './tutor/builtins';
import { briefly, inDetail } from './tutor/explain';

/**
 * Options of {@link tutorModel}: the pace of its replies, in ms of the
 * runtime's scheduler (virtual ms under a `TestScheduler`).
 *
 * ## Example
 *
 * ```ts
 * import { tutorModel, type TutorModelOptions } from 'rx-assistants/local';
 *
 * // Replies at once, in one delta per sentence-ish chunk of 8 words.
 * const fast: TutorModelOptions = { delay: 0, chunkDelay: 0, chunkSize: 8 };
 * const model = tutorModel(fast);
 * ```
 */
export interface TutorModelOptions {
  /** Time before the first delta (or the tool calls). Default `0`. */
  delay?: number;
  /** Time between two deltas. Default `15`. */
  chunkDelay?: number;
  /** Words per text delta. Default `1`. */
  chunkSize?: number;
}

const HONEST =
  "I'm the offline demo tutor of rx-assistants, not a real language model. I can solve linear " +
  'equations in one unknown step by step (try `3x + 11 = 14`), explain the last solution, quiz ' +
  'you, and talk about equations, variables and linear algebra.';

/** The tutor's known topics: a pattern of the question, and the answer. */
const TOPICS: Array<[RegExp, string]> = [
  [
    /linear algebra/i,
    'Linear algebra is the math of vectors and matrices: lists and grids of numbers, and the ' +
      'linear equations that connect them. It lets you solve many equations at once, and it ' +
      'powers computer graphics, physics and machine learning. It starts with equations like ' +
      '3x + 11 = 14.',
  ],
  [
    /\b(?:(?:don'?t|do not|never) (?:like|enjoy|get|understand)|hate|bad at|not good at|struggl\w* with|afraid of) maths?\b|\bmaths? (?:is|feels) (?:hard|boring|difficult|scary)/i,
    "That's a very common feeling, and it can change. Take one small step at a time, check " +
      'each step, and count every right answer as a win. Link math to something you enjoy, ' +
      'like games, music or money. Want to try an easy one together? Send me `2x + 3 = 7`.',
  ],
  [
    /\bwhat(?:'s| is| are)(?: an?)? equations?\b|\bequations? mean|\bdefine (?:an )?equation/i,
    'An equation says that two expressions are equal, like 3x + 11 = 14. Solving it means ' +
      'finding the value of the unknown that makes both sides equal: here x = 1.',
  ],
  [
    /\bwhat(?:'s| is| are)(?: an?)? (?:variables?|unknowns?)\b|\bvariables? mean|\bdefine (?:a )?variable/i,
    "A variable is a letter, like x or y, that stands for a number we don't know yet or that " +
      'can change. In 3x + 11 = 14 the variable is x, and solving the equation shows x = 1.',
  ],
  [
    /\bhow (?:do|can|should|would) (?:i|you|we|one) solve\b|\bhow to solve\b/i,
    'To solve a linear equation, get the unknown alone, doing the same to both sides: gather ' +
      'the unknown terms on one side, move the numbers to the other, then divide by the ' +
      'coefficient. Send me one, like `5x - 2 = 3x + 8`, and I will show every step.',
  ],
];

/** Greetings, thanks and "who are you": after a follow-up question about the last solution. */
const SOCIAL: Array<[RegExp, string]> = [
  [
    /\b(?:who|what) are you\b|\bwhat can you do\b|^\s*help\b/i,
    `${HONEST} Ask me anything of that.`,
  ],
  [
    /\b(?:hi|hello|hey|greetings|good (?:morning|afternoon|evening))\b/i,
    "Hi! I'm the offline demo tutor of rx-assistants. Send me a linear equation like " +
      "`3x + 11 = 14` and I'll solve it step by step.",
  ],
  [
    /\b(?:thanks|thank you|thx|cheers)\b/i,
    "You're welcome! Send me another equation whenever you like.",
  ],
];

const EXPLAIN =
  /\b(?:explain|why|how did you|how come|walk me through|steps?|show (?:me )?(?:your )?work|i don'?t (?:understand|get))\b/i;
/** A follow-up about the last solution refers to it, or is short ("Why?"). */
const REFERS =
  /\b(?:this|that|it|these|those|again|the (?:solution|answer|steps?|equation|problem|last one)|your (?:answer|solution|steps|work))\b/i;

const userTexts = (messages: ModelMessage[]) =>
  messages.flatMap((m) => (m.role === 'user' ? [m.content] : []));

/** The text of the tutor's reply to a request (when it calls no tool). */
function replyTo(request: ModelRequest): string {
  const { messages } = request;
  if (messages[messages.length - 1]?.role === 'tool') return answerToolOutputs(messages);
  const asked = userTexts(messages);
  const text = asked[asked.length - 1] ?? '';
  const unsupported = builtinRefusal(request.builtinTools ?? [], text);
  if (unsupported) return unsupported;
  const explain = EXPLAIN.test(text);
  const equation = findEquation(text);
  if (equation) return (explain ? inDetail : briefly)(solve(equation));
  if (QUIZ_REQUEST.test(text)) {
    const practice = QUIZ_EQUATIONS[asked.length % QUIZ_EQUATIONS.length];
    return `Here's one to try: solve ${practice}. Send me your steps or the equation, and I'll go through it with you.`;
  }
  const topic = TOPICS.find(([pattern]) => pattern.test(text));
  if (topic) return topic[1];
  if (explain && (REFERS.test(text) || text.trim().split(/\s+/).length <= 3)) {
    const earlier = asked.map(findEquation).filter((e) => e !== undefined);
    const last = earlier[earlier.length - 1];
    if (last) return inDetail(solve(last));
    return "There's no equation in our conversation yet for me to explain. Send me one, like `3x + 11 = 14`, and I'll walk you through it.";
  }
  const social = SOCIAL.find(([pattern]) => pattern.test(text));
  if (social) return social[1];
  return `${HONEST} I don't know about that one. For anything else, plug a real model into the runtime with chatCompletionsModel.`;
}

/** The prompt's text, for its token estimate: the instructions, then each message. */
function promptText({ instructions, messages }: ModelRequest): string {
  const parts = messages.map((m) =>
    m.role === 'assistant' && m.toolCalls
      ? [m.content, ...m.toolCalls.map((c) => `${c.name}(${c.arguments})`)].join('\n')
      : m.content,
  );
  return [instructions, ...parts].join('\n');
}

/**
 * Creates the offline, deterministic model of the embedded runtime, and its
 * default: a small math tutor that is honest about being a demo.
 *
 * It reads the last user message and:
 *
 * - solves a linear equation in one unknown found in it, exactly (fractions,
 *   never floats), with its steps: `3x + 11 = 14` gives `x = 1. Subtract 11
 *   from both sides to get 3x = 3, then divide both sides by 3.`;
 * - explains the conversation's last equation in detail when asked ("Could
 *   you explain this to me?");
 * - answers a few topics: linear algebra, equations, variables, not liking
 *   math, greetings and thanks; else it says what it is and what it can do;
 * - calls a function tool that fits (a quiz tool for "quiz me", a solver for
 *   an equation, one whose name the message uses), following `toolChoice` and
 *   `parallelToolCalls`, with arguments valid against the tool's JSON schema;
 *   after the outputs, it answers with them, and grades a quiz's answers.
 *
 * Text comes as one delta per `chunkSize` words, paced on the runtime's
 * scheduler, then a `usage` event with `estimateTokens` of the prompt and
 * of the reply. It stops at `maxCompletionTokens`, and then reports that many
 * completion tokens. The same request always gives the same events at the
 * same times, and unsubscribing cancels the pending ones.
 *
 * ## Example
 *
 * ```ts
 * import { localBackend, tutorModel } from 'rx-assistants/local';
 *
 * // A slower tutor: two words every 50 ms, after 200 ms of "thinking".
 * const backend = localBackend({ model: tutorModel({ delay: 200, chunkDelay: 50, chunkSize: 2 }) });
 * ```
 *
 * @see {@link ModelAdapter}
 * @param options The pace of the replies.
 * @returns A model adapter named `'tutor'`.
 */
export function tutorModel(options: TutorModelOptions = {}): ModelAdapter {
  const { delay = 0, chunkDelay = 15, chunkSize = 1 } = options;
  return {
    name: 'tutor',
    respond: (request, { scheduler }): Observable<ModelEvent> =>
      defer(() => {
        const promptTokens = estimateTokens(promptText(request));
        const asked = userTexts(request.messages);
        const calls = toolCallsFor(request, asked[asked.length - 1] ?? '');
        if (calls.length > 0) {
          const events: ModelEvent[] = calls.map((call, index) => ({
            type: 'tool_call',
            index,
            ...call,
          }));
          const completionTokens = estimateTokens(calls.map((c) => c.name + c.arguments).join(''));
          events.push({ type: 'usage', promptTokens, completionTokens });
          return timer(delay, scheduler).pipe(concatMap(() => from(events)));
        }
        let reply = replyTo(request);
        if (request.responseFormat === 'json_object' || request.responseFormat === 'json_schema') {
          reply = JSON.stringify({ reply });
        }
        const { chunks, completionTokens } = chunkReply(
          reply,
          chunkSize,
          request.maxCompletionTokens,
        );
        const text$ = from(chunks).pipe(
          concatMap((delta, i) =>
            timer(i === 0 ? delay : chunkDelay, scheduler).pipe(
              map((): ModelEvent => ({ type: 'text', delta })),
            ),
          ),
        );
        return concat(text$, of<ModelEvent>({ type: 'usage', promptTokens, completionTokens }));
      }),
  };
}
