/** Limits of the embedded runtime. */
export interface LocalLimits {
  /** How long after creation a run expires, in ms. Default 600 000 (10 minutes, as the API). */
  runExpiresAfter?: number;
  /**
   * How many `Idempotency-Key`s the default memory store remembers at most;
   * past that, the oldest is forgotten first. Default 10 000. A store passed
   * as `store` keeps its own count (`memoryStore({ maxKeptResponses })`); a
   * SQL store keeps each key for `idempotencyTtl`.
   */
  idempotencyKeys?: number;
  /** How long an `Idempotency-Key` is remembered after its first response, in ms. Default 86 400 000 (24 h). */
  idempotencyTtl?: number;
  /**
   * On a store that processes share: how long a run's lease lasts unless
   * renewed, in ms (renewed every third of it). A process that stops has its
   * runs taken up by another within this much time. Default 30 000.
   */
  runLeaseTtl?: number;
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
    runLeaseTtl: positiveLimit('runLeaseTtl', limits.runLeaseTtl ?? 30_000),
  };
}

function positiveLimit(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    const what = integer ? 'a positive integer' : 'a positive number of ms';
    throw new TypeError(`limits.${name} must be ${what}, got ${value}`);
  }
  return value;
}

/**
 * The API's limits on what a request may hold, in one place: the embedded
 * runtime enforces them (each a 400 `invalid_request_error` naming the field),
 * and the server checks the JSON depth before anything walks the body. Lengths
 * are in characters (UTF-16 code units) unless said otherwise.
 */
export const API_LIMITS = {
  /** How deeply objects and arrays may nest in a request body. */
  jsonDepth: 64,
  /** `model` of an assistant or a run. */
  model: 256,
  /** `name` of an assistant. */
  assistantName: 256,
  /** `description` of an assistant. */
  assistantDescription: 512,
  /** `instructions` (and `additional_instructions`) of an assistant or a run. */
  instructions: 256_000,
  /** Tools of an assistant. */
  assistantTools: 128,
  /** Tools of a run. */
  runTools: 20,
  /** `function.name` of a tool; it must also match {@link FUNCTION_NAME}. */
  functionName: 64,
  /** `function.description` of a tool. */
  functionDescription: 1_024,
  /** One tool output, in UTF-8 bytes (512 KiB). */
  toolOutputBytes: 512 * 1024,
  /** The text of a message, or of one of its text parts. */
  messageText: 256_000,
  /** Keys of `metadata`. */
  metadataKeys: 16,
  /** A key of `metadata`. */
  metadataKey: 64,
  /** A value of `metadata`. */
  metadataValue: 512,
} as const;

/** What a tool's `function.name` may be made of. */
export const FUNCTION_NAME = /^[a-zA-Z0-9_-]+$/;

/**
 * Whether objects and arrays nest more than `max` levels deep in `value`,
 * found without recursion (a stack of the values still to visit), so a value
 * nested thousands of levels deep cannot overflow the call stack.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null || seen.has(item)) continue;
    if (depth + 1 > max) return true;
    seen.add(item);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The length of `text` in UTF-8 bytes. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair: one code point of 4 bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}
