// How the tutor explains a solution: briefly, or every step with its reason.
import type { Solution } from './solve';

/** `"x = 1. Subtract 11 from both sides to get 3x = 3, then divide both sides by 3."` */
export function briefly({ steps, outcome, answer, final, equation }: Solution): string {
  const parts = steps.map((step, i) =>
    i === steps.length - 1 && outcome.kind === 'one'
      ? step.action
      : `${step.action} to get ${step.result}`,
  );
  const how =
    parts.length > 0
      ? parts.join(', then ')
      : outcome.kind === 'one'
        ? `nothing to do: ${equation.variable} is already alone on one side`
        : `it says ${final}`;
  const truth = { one: '', none: ', which is never true', all: ', which is always true' }[
    outcome.kind
  ];
  return `${answer}. ${how.charAt(0).toUpperCase()}${how.slice(1)}${truth}.`;
}

/** Every step with its reason, then a check by substitution. */
export function inDetail({ steps, outcome, answer, final, equation }: Solution): string {
  const v = equation.variable;
  const lines = [
    `Let's solve ${equation.text} step by step. Whatever we do to one side, we do to the ` +
      'other, so both sides stay equal.',
    ...steps.map(
      (s, i) =>
        `${i + 1}. ${s.action.charAt(0).toUpperCase()}${s.action.slice(1)} ${s.reason}: ${s.result}.`,
    ),
  ];
  if (outcome.kind === 'one') {
    const { a, b } = equation.left;
    const both = a.times(outcome.value).plus(b);
    lines.push(`Check: with ${answer}, both sides equal ${both}.`, `So ${answer}.`);
  } else if (outcome.kind === 'none') {
    lines.push(`${final} is never true, so no value of ${v} works: there is no solution.`);
  } else {
    lines.push(`${final} is always true, so every number is a solution: any ${v} works.`);
  }
  return lines.join('\n');
}
