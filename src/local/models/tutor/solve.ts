// The tutor's solver: a linear equation solved step by step, each step explained.
import type { Equation, Linear } from './equations';
import type { Fraction } from './fraction';
import { ONE, ZERO } from './fraction';

/** One move of a solution: what to do to both sides, why, and the equation it gives. */
export interface Step {
  action: string;
  reason: string;
  result: string;
}

/** A solved equation: its steps and how it ends. */
export interface Solution {
  equation: Equation;
  steps: Step[];
  /** One value, no solution, or every number. */
  outcome: { kind: 'one'; value: Fraction } | { kind: 'none' } | { kind: 'all' };
  /** `'x = 1'`, `'No solution'` or `'Every number is a solution'`. */
  answer: string;
  /** The last equation reached, e.g. `'x = 1'` or `'1 = 2'`. */
  final: string;
}

/** `3x`, `-x`, `x/4`, `(2/3)x`. */
function unknownTerm(a: Fraction, v: string): string {
  const sign = a.sign < 0 ? '-' : '';
  const size = a.sign < 0 ? a.neg() : a;
  if (size.d === 1n) return size.n === 1n ? `${sign}${v}` : `${sign}${size.n}${v}`;
  return size.n === 1n ? `${sign}${v}/${size.d}` : `${sign}(${size})${v}`;
}

/** `3x + 11`, `2x - 1/2`, `14`. */
function sideText({ a, b }: Linear, v: string): string {
  if (a.sign === 0) return `${b}`;
  if (b.sign === 0) return unknownTerm(a, v);
  return `${unknownTerm(a, v)} ${b.sign > 0 ? '+' : '-'} ${b.sign > 0 ? b : b.neg()}`;
}

/** Solves an equation exactly, the way a tutor would write it out. */
export function solve(equation: Equation): Solution {
  const v = equation.variable;
  let [l, r] = [equation.left, equation.right];
  const steps: Step[] = [];
  const step = (action: string, reason: string) =>
    steps.push({ action, reason, result: `${sideText(l, v)} = ${sideText(r, v)}` });
  if (!equation.plain) {
    const action = equation.brackets
      ? 'expand the brackets and combine like terms'
      : 'combine like terms';
    step(action, `so each side has at most one ${v} term and one number`);
  }
  if (l.a.sign === 0 && r.a.sign !== 0) {
    [l, r] = [r, l];
    step('swap the two sides', `so ${v} is on the left`);
  }
  if (r.a.sign !== 0) {
    const moved = r.a;
    [l, r] = [
      { a: l.a.minus(moved), b: l.b },
      { a: ZERO, b: r.b },
    ];
    const action =
      moved.sign > 0
        ? `subtract ${unknownTerm(moved, v)} from`
        : `add ${unknownTerm(moved.neg(), v)} to`;
    step(`${action} both sides`, `to gather the ${v} terms on the left`);
  }
  if (l.a.sign !== 0 && l.b.sign !== 0) {
    const moved = l.b;
    [l, r] = [
      { a: l.a, b: ZERO },
      { a: ZERO, b: r.b.minus(moved) },
    ];
    const action = moved.sign > 0 ? `subtract ${moved} from` : `add ${moved.neg()} to`;
    step(
      `${action} both sides`,
      `to undo the ${moved.sign > 0 ? '+' : '-'} ${moved.sign > 0 ? moved : moved.neg()}`,
    );
  }
  if (l.a.sign !== 0 && !l.a.equals(ONE)) {
    const k = l.a;
    [l, r] = [
      { a: ONE, b: ZERO },
      { a: ZERO, b: r.b.div(k) },
    ];
    const action =
      k.d === 1n ? `divide both sides by ${k}` : `multiply both sides by ${ONE.div(k)}`;
    const undo = k.n === 1n ? `the division by ${k.d}` : `the multiplication by ${k}`;
    step(action, `to undo ${undo}`);
  }
  const final = `${sideText(l, v)} = ${sideText(r, v)}`;
  if (l.a.sign !== 0)
    return { equation, steps, final, outcome: { kind: 'one', value: r.b }, answer: final };
  return l.b.equals(r.b)
    ? { equation, steps, final, outcome: { kind: 'all' }, answer: 'Every number is a solution' }
    : { equation, steps, final, outcome: { kind: 'none' }, answer: 'No solution' };
}
