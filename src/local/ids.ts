const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const LENGTH = 24;

/**
 * A random, unguessable id with the API's prefix (`asst`, `thread`, `msg`,
 * `run`, `step`, `call`): 24 characters drawn evenly from 62 with the
 * platform's cryptographic random source, about 143 bits.
 */
export function randomId(prefix: string): string {
  let id = '';
  while (id.length < LENGTH) {
    const bytes = new Uint8Array(LENGTH * 2);
    crypto.getRandomValues(bytes);
    // Bytes of 248 and up are skipped: 248 = 4 × 62, so every character is equally likely.
    for (const byte of bytes) if (byte < 248 && id.length < LENGTH) id += ALPHABET[byte % 62];
  }
  return `${prefix}_${id}`;
}
