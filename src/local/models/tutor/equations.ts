// A parser that finds a linear equation in one unknown inside a chat message.
import { Fraction, ONE, ZERO } from './fraction';

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
