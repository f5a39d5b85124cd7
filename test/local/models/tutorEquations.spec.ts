import { describe, expect, it } from 'vitest';
import { findEquation } from '../../../src/local/models/tutor/equations';
import { Fraction } from '../../../src/local/models/tutor/fraction';
import { solve } from '../../../src/local/models/tutor/solve';

/** Finds and solves the equation of a message: its answer, and its steps as "action → result". */
function solved(message: string) {
  const equation = findEquation(message);
  if (!equation) throw new Error(`No equation found in ${message}`);
  const solution = solve(equation);
  return {
    text: equation.text,
    answer: solution.answer,
    steps: solution.steps.map((step) => `${step.action} → ${step.result}`),
  };
}

describe('Fraction', () => {
  it('reduces and keeps the sign on the numerator', () => {
    expect(`${new Fraction(6n, -4n)}`).toBe('-3/2');
    expect(`${new Fraction(0n, 7n)}`).toBe('0');
    expect(`${new Fraction(10n, 5n)}`).toBe('2');
  });

  it('reads decimals exactly', () => {
    expect(`${Fraction.parse('2.5')}`).toBe('5/2');
    expect(`${Fraction.parse('.25')}`).toBe('1/4');
    expect(`${Fraction.parse('0.1').plus(Fraction.parse('0.2'))}`).toBe('3/10');
  });

  it('does exact arithmetic', () => {
    const half = new Fraction(1n, 2n);
    const third = new Fraction(1n, 3n);
    expect(`${half.plus(third)}`).toBe('5/6');
    expect(`${half.minus(third)}`).toBe('1/6');
    expect(`${half.times(third)}`).toBe('1/6');
    expect(`${half.div(third)}`).toBe('3/2');
    expect(half.neg().sign).toBe(-1);
    expect(half.equals(new Fraction(2n, 4n))).toBe(true);
  });

  it('refuses a zero denominator', () => {
    expect(() => new Fraction(1n, 0n)).toThrow(RangeError);
  });
});

describe('findEquation', () => {
  it('finds an equation in backticks inside a sentence', () => {
    const equation = findEquation('I need to solve the equation `3x + 11 = 14`. Can you help me?');
    expect(equation?.text).toBe('3x + 11 = 14');
    expect(equation?.variable).toBe('x');
  });

  it('finds a plain equation between words, and stops at the full stop', () => {
    expect(findEquation('Please solve 2y - 4 = 10. Thanks')?.text).toBe('2y - 4 = 10');
    expect(findEquation('solve 5n - 2 = 3n + 8 for me')?.text).toBe('5n - 2 = 3n + 8');
  });

  it('ends an equation at a one-letter word between spaces', () => {
    expect(findEquation('Is x = 3 a solution?')?.text).toBe('x = 3');
    expect(findEquation('Solve a 2x + 1 = 5 now')?.text).toBe('2x + 1 = 5');
    expect(findEquation('2 x + 1 = 5')?.text).toBe('2 x + 1 = 5');
  });

  it('reads typographic minus and times signs', () => {
    expect(solved('3 − 2z = 9').answer).toBe('z = -3');
    expect(solved('4 × x = 2').answer).toBe('x = 1/2');
  });

  it('finds nothing without an unknown, with two unknowns, or when not linear', () => {
    expect(findEquation('2 + 2 = 4')).toBeUndefined();
    expect(findEquation('y = 2x + 1')).toBeUndefined();
    expect(findEquation('x * x = 4')).toBeUndefined();
    expect(findEquation('1 / x = 4')).toBeUndefined();
    expect(findEquation('x / 0 = 4')).toBeUndefined();
    expect(findEquation('What is an equation?')).toBeUndefined();
  });
});

describe('solve', () => {
  it('solves 3x + 11 = 14 in two steps', () => {
    expect(solved('3x + 11 = 14')).toEqual({
      text: '3x + 11 = 14',
      answer: 'x = 1',
      steps: ['subtract 11 from both sides → 3x = 3', 'divide both sides by 3 → x = 1'],
    });
  });

  it.each([
    ['integer coefficients', '4x - 3 = 9', 'x = 3'],
    ['no spaces', '2x+7=0', 'x = -7/2'],
    ['a fraction coefficient before the unknown', '1/2x + 3 = 5', 'x = 4'],
    ['a division of the unknown', 'x/4 = 2', 'x = 8'],
    ['a fraction in brackets, another letter', '(2/3)y - 1 = 1', 'y = 3'],
    ['decimals', '0.5x + 1.25 = 3', 'x = 7/2'],
    ['negative coefficient and constants', '-2x - 4 = 10', 'x = -7'],
    ['an implicit 1', 'x + 1 = 2', 'x = 1'],
    ['an implicit -1', '-x = 3', 'x = -3'],
    ['brackets', '2(x + 3) = 10', 'x = 2'],
    ['a minus before brackets', '-2(n - 1) = 8', 'n = -3'],
    ['the unknown on both sides', '5x - 2 = 3x + 8', 'x = 5'],
    ['a multiplication sign and the letter a', '3*a = 12', 'a = 4'],
    ['the unknown on the right only', '14 = 3x + 11', 'x = 1'],
    ['an already solved equation', 'x = 4', 'x = 4'],
  ])('solves %s: %s', (_case, equation, answer) => {
    expect(solved(equation).answer).toBe(answer);
  });

  it('moves the unknown, then the number, then divides', () => {
    expect(solved('5x - 2 = 3x + 8').steps).toEqual([
      'subtract 3x from both sides → 2x - 2 = 8',
      'add 2 to both sides → 2x = 10',
      'divide both sides by 2 → x = 5',
    ]);
  });

  it('multiplies by the reciprocal of a fraction coefficient', () => {
    expect(solved('x/4 = 2').steps).toEqual(['multiply both sides by 4 → x = 8']);
    expect(solved('(2/3)y - 1 = 1').steps).toEqual([
      'add 1 to both sides → (2/3)y = 2',
      'multiply both sides by 3/2 → y = 3',
    ]);
  });

  it('expands brackets and combines like terms first', () => {
    expect(solved('2(x + 3) = 10').steps[0]).toBe(
      'expand the brackets and combine like terms → 2x + 6 = 10',
    );
    expect(solved('x + x + 1 = 5').steps[0]).toBe('combine like terms → 2x + 1 = 5');
  });

  it('swaps the sides when the unknown is only on the right', () => {
    expect(solved('14 = 3x + 11').steps[0]).toBe('swap the two sides → 3x + 11 = 14');
  });

  it('finds no solution when the unknown cancels out and the numbers differ', () => {
    const solution = solve(findEquation('x + 1 = x + 2')!);
    expect(solution.outcome).toEqual({ kind: 'none' });
    expect(solution.answer).toBe('No solution');
    expect(solution.final).toBe('1 = 2');
  });

  it('finds every number a solution when both sides are the same', () => {
    const solution = solve(findEquation('2x + 2 = 2(x + 1)')!);
    expect(solution.outcome).toEqual({ kind: 'all' });
    expect(solution.answer).toBe('Every number is a solution');
    expect(solution.final).toBe('2 = 2');
  });

  it('keeps exact values where floats would not', () => {
    const solution = solve(findEquation('0.1x + 0.2 = 0.3')!);
    expect(solution.outcome).toEqual({ kind: 'one', value: new Fraction(1n) });
    expect(solved('3x = 1').answer).toBe('x = 1/3');
  });
});
