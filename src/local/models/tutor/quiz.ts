// The tutor's quiz: its equations, its questions (really solved) and how many
// questions a message asks for.
import { findEquation, type Equation } from './equations';
import { Fraction } from './fraction';
import { solve } from './solve';

/** The equations of the tutor's quizzes and practice questions, in order. */
export const QUIZ_EQUATIONS = ['2x + 3 = 11', '3(y - 2) = 9', '4n + 1 = 2n - 5'];

/** Whether a message asks to be quizzed or tested. */
export const QUIZ_REQUEST =
  /\bquiz|\btest me\b|\bpractice\b|\bexercises?\b|\bgive me (?:a |some )?(?:problems?|questions?)\b/i;

/** A question of the tutor's quiz, with its multiple choices. */
export interface QuizQuestion {
  /** `'Solve 2x + 3 = 11.'` */
  text: string;
  answer: string;
  choices: string[];
  /** The index of the right choice. */
  correct: number;
  explanation: string;
}

/** The `index`th question of the tutor's quiz, really solved. */
export function quizQuestion(index: number, choiceCount = 4): QuizQuestion {
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
export function quizCount(text: string): number {
  const words: Record<string, number> = { a: 1, one: 1, single: 1, two: 2, three: 3 };
  const match = /\b(\d+|a|one|single|two|three)\s+(?:[\w-]+\s+){0,2}?questions?\b/i.exec(text);
  const count = match?.[1] ? Number(match[1]) || (words[match[1].toLowerCase()] ?? 2) : 2;
  return Math.min(3, Math.max(1, count));
}
