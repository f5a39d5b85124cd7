/** Limits of the embedded runtime. */
export interface LocalLimits {
  /** How long after creation a run expires, in ms. Default 600 000 (10 minutes, as the API). */
  runExpiresAfter?: number;
  /**
   * How many `Idempotency-Key`s are remembered at most; past that, the oldest
   * is forgotten first. Default 10 000.
   */
  idempotencyKeys?: number;
  /** How long an `Idempotency-Key` is remembered after its first response, in ms. Default 86 400 000 (24 h). */
  idempotencyTtl?: number;
}

/**
 * The limits with their defaults, each checked: a limit that is not a
 * positive number (a positive integer for `idempotencyKeys`) is a `TypeError`.
 *
 * ## Example
 *
 * ```ts
 * import { limitsOf } from 'src/local/limits';
 *
 * limitsOf({ runExpiresAfter: 60_000 }).runExpiresAfter; // 60000
 * limitsOf({ idempotencyKeys: 0.5 }); // throws: limits.idempotencyKeys must be a positive integer
 * ```
 *
 * @param limits The limits given, if any.
 * @returns Every limit.
 */
export function limitsOf(limits: LocalLimits = {}): Required<LocalLimits> {
  return {
    runExpiresAfter: positiveLimit('runExpiresAfter', limits.runExpiresAfter ?? 600_000),
    idempotencyKeys: positiveLimit('idempotencyKeys', limits.idempotencyKeys ?? 10_000, true),
    idempotencyTtl: positiveLimit('idempotencyTtl', limits.idempotencyTtl ?? 86_400_000),
  };
}

function positiveLimit(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    const what = integer ? 'a positive integer' : 'a positive number of ms';
    throw new TypeError(`limits.${name} must be ${what}, got ${value}`);
  }
  return value;
}
