// The tutor's algebra: exact fractions, a parser that finds a linear equation
// in one unknown inside a chat message, and a solver that records its steps.

/** An exact rational number `n/d`: always reduced, with `d > 0`. */
export class Fraction {
  readonly n: bigint;
  readonly d: bigint;

  constructor(n: bigint, d = 1n) {
    if (d === 0n) throw new RangeError('Division by zero');
    const g = gcd(n, d) * (d < 0n ? -1n : 1n);
    this.n = n / g;
    this.d = d / g;
  }

  /** Reads a decimal such as `'14'`, `'2.5'` or `'.25'` exactly. */
  static parse(decimal: string): Fraction {
    const [whole = '', fraction = ''] = decimal.split('.');
    return new Fraction(BigInt(whole + fraction || '0'), 10n ** BigInt(fraction.length));
  }

  plus(other: Fraction): Fraction {
    return new Fraction(this.n * other.d + other.n * this.d, this.d * other.d);
  }
  minus(other: Fraction): Fraction {
    return this.plus(other.neg());
  }
  times(other: Fraction): Fraction {
    return new Fraction(this.n * other.n, this.d * other.d);
  }
  div(other: Fraction): Fraction {
    return new Fraction(this.n * other.d, this.d * other.n);
  }
  neg(): Fraction {
    return new Fraction(-this.n, this.d);
  }
  get sign(): -1 | 0 | 1 {
    return this.n > 0n ? 1 : this.n < 0n ? -1 : 0;
  }
  equals(other: Fraction): boolean {
    return this.n === other.n && this.d === other.d;
  }
  /** `'3'`, `'-7/2'`. */
  toString(): string {
    return this.d === 1n ? `${this.n}` : `${this.n}/${this.d}`;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y) [x, y] = [y, x % y];
  return x;
}

const ZERO = new Fraction(0n);
const ONE = new Fraction(1n);

/** `a·x + b`, the value of one side of a linear equation. */
export interface Linear {
  a: Fraction;
  b: Fraction;
}

/** A linear equation in one unknown, as found in a message. */
export interface Equation {
  /** The equation as the message wrote it, e.g. `'3x + 11 = 14'`. */
  text: string;
  /** Its unknown: one letter. */
  variable: string;
  left: Linear;
  right: Linear;
  /** Whether each side already reads as at most one unknown term plus one number. */
  plain: boolean;
  /** Whether it has brackets around a sum, to expand. */
  brackets: boolean;
}

interface Token {
  kind: 'num' | 'var' | 'op' | 'eq' | 'other';
  text: string;
  start: number;
  end: number;
}

const TOKEN = /(\d+(?:\.\d+)?|\.\d+)|([A-Za-z]+)|([-+*/()])|(=)|\S/g;

function lex(text: string): Token[] {
  return [...text.matchAll(TOKEN)].map((m) => {
    const [t, num, word, op, eq] = m;
    const kind = num
      ? 'num'
      : word
        ? word.length === 1
          ? 'var'
          : 'other'
        : op
          ? 'op'
          : eq
            ? 'eq'
            : 'other';
    const start = m.index ?? 0;
    return { kind, text: t, start, end: start + t.length };
  });
}

const mul = (x: Linear, y: Linear): Linear => {
  if (x.a.sign !== 0 && y.a.sign !== 0) throw new SyntaxError('Not linear');
  return { a: x.a.times(y.b).plus(y.a.times(x.b)), b: x.b.times(y.b) };
};
const div = (x: Linear, y: Linear): Linear => {
  if (y.a.sign !== 0) throw new SyntaxError('Not linear');
  return { a: x.a.div(y.b), b: x.b.div(y.b) };
};
const add = (x: Linear, y: Linear): Linear => ({ a: x.a.plus(y.a), b: x.b.plus(y.b) });
const neg = (x: Linear): Linear => ({ a: x.a.neg(), b: x.b.neg() });

/** Recursive descent over one side: `+ -`, then `* /` and implied products (`2x`, `2(x + 1)`). */
class SideParser {
  readonly letters = new Set<string>();
  brackets = false;
  private pos = 0;
  private terms = { unknown: 0, number: 0 };

  constructor(private readonly tokens: Token[]) {}

  parse(): { value: Linear; plain: boolean } {
    const value = this.sum(true);
    if (this.pos < this.tokens.length) throw new SyntaxError('Unexpected token');
    const { unknown, number } = this.terms;
    return { value, plain: !this.brackets && unknown <= 1 && number <= 1 };
  }

  private sum(top = false): Linear {
    let value = this.count(this.product(), top);
    for (let op = this.tokens[this.pos]?.text; op === '+' || op === '-';) {
      this.pos++;
      if (!top) this.brackets = true; // a bracket around a sum, as in 2(x + 3)
      const term = this.count(this.product(), top);
      value = add(value, op === '+' ? term : neg(term));
      op = this.tokens[this.pos]?.text;
    }
    return value;
  }

  private count(term: Linear, top: boolean): Linear {
    if (top) this.terms[term.a.sign === 0 ? 'number' : 'unknown']++;
    return term;
  }

  private product(): Linear {
    let value = this.factor();
    for (;;) {
      const token = this.tokens[this.pos];
      if (token?.text === '*' || token?.text === '/') {
        this.pos++;
        value = token.text === '*' ? mul(value, this.factor()) : div(value, this.factor());
      } else if (token?.kind === 'var' || token?.text === '(') {
        value = mul(value, this.factor());
      } else {
        return value;
      }
    }
  }

  private factor(): Linear {
    const token = this.tokens[this.pos++];
    if (token?.text === '-') return neg(this.factor());
    if (token?.text === '+') return this.factor();
    if (token?.kind === 'num') return { a: ZERO, b: Fraction.parse(token.text) };
    if (token?.kind === 'var') {
      this.letters.add(token.text);
      return { a: ONE, b: ZERO };
    }
    if (token?.text === '(') {
      const value = this.sum();
      if (this.tokens[this.pos++]?.text !== ')') throw new SyntaxError('Missing )');
      return value;
    }
    throw new SyntaxError('Expected a number, a letter or (');
  }
}

function parseEquation(text: string, left: Token[], right: Token[]): Equation | undefined {
  try {
    const [l, r] = [new SideParser(left), new SideParser(right)];
    const [lhs, rhs] = [l.parse(), r.parse()];
    const letters = [...new Set([...l.letters, ...r.letters])];
    if (letters.length !== 1 || !letters[0]) return undefined;
    const [first, last] = [left[0], right[right.length - 1]];
    return {
      text: text.slice(first?.start, last?.end),
      variable: letters[0],
      left: lhs.value,
      right: rhs.value,
      plain: lhs.plain && rhs.plain,
      brackets: l.brackets || r.brackets,
    };
  } catch {
    return undefined; // not an equation we can read, or a division by zero
  }
}

/** How many tokens on each side of `=` the search looks at. */
const REACH = 40;

/**
 * Finds the first linear equation in one unknown in a message, plain
 * (`Solve 3x + 11 = 14 please`) or in backticks. Words of two letters or
 * more, and punctuation other than `+ - * / ( ) .`, end an equation, and so
 * can a one-letter word between spaces (`Is x = 3 a solution?`).
 */
export function findEquation(message: string): Equation | undefined {
  const text = message.replace(/[−–]/g, '-').replace(/[×·]/g, '*').replace(/÷/g, '/');
  const tokens = lex(text);
  const kind = (i: number) => tokens[i]?.kind;
  const inside = (i: number) => kind(i) === 'num' || kind(i) === 'var' || kind(i) === 'op';
  const spaced = (i: number, j: number) => (tokens[j]?.start ?? Infinity) > (tokens[i]?.end ?? -1);
  const word = (i: number) =>
    kind(i) === 'var' &&
    kind(i - 1) !== 'op' &&
    kind(i + 1) !== 'op' &&
    spaced(i - 1, i) &&
    spaced(i, i + 1);
  for (let eq = 0; eq < tokens.length; eq++) {
    if (kind(eq) !== 'eq') continue;
    let [from, to] = [eq, eq];
    while (from > eq - REACH && inside(from - 1)) from--;
    while (to < eq + REACH && inside(to + 1)) to++;
    const starts = [from];
    for (let i = from; i < eq; i++) if (word(i)) starts.push(i + 1);
    const ends = [to];
    for (let i = to; i > eq; i--) if (word(i)) ends.push(i - 1);
    for (const lo of starts) {
      for (const hi of ends) {
        const found = parseEquation(text, tokens.slice(lo, eq), tokens.slice(eq + 1, hi + 1));
        if (found) return found;
      }
    }
  }
  return undefined;
}

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
