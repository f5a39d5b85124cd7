// Exact rational numbers, for the tutor's algebra.

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

export const ZERO = new Fraction(0n);
export const ONE = new Fraction(1n);
