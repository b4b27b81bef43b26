/**
 * The keys and values the benchmark's own clients store: a prefix and a
 * fixed-width decimal index, so a batch of requests can be rendered once
 * and only its digits rewritten; values are printable bytes of one size.
 */

/** Digits of every key's index: room for 10^10 keys at a fixed width. */
export const KEY_DIGITS = 10;

export function benchKey(prefix: string, index: number): string {
  return `${prefix}${String(index).padStart(KEY_DIGITS, "0")}`;
}

/** A value of `size` bytes cycling through the printable letters. */
export function benchValue(size: number): Uint8Array {
  const value = new Uint8Array(size);
  for (let index = 0; index < size; index++) value[index] = 0x61 + (index % 26);
  return value;
}

const ASCII_ZERO = 0x30;

/** Overwrites the KEY_DIGITS digits at `offset` with `index`, zero-padded. */
export function writeIndexDigits(target: Uint8Array, offset: number, index: number): void {
  let rest = index;
  for (let position = offset + KEY_DIGITS - 1; position >= offset; position--) {
    target[position] = ASCII_ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
}
