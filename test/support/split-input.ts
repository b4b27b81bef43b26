/**
 * A parser's input split every way a socket could split it: whole, in two
 * at every offset, in chunks of several sizes, in random sizes. The text
 * parser, the meta parser and the binary decoder must read the same
 * requests however their bytes arrive.
 */
import { expect } from "bun:test";

export const CHUNK_SIZES = [1, 2, 3, 5, 7, 13, 64] as const;

/** `data` in chunks of `size` bytes (the last may be shorter). */
export function chunked(data: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < data.length; offset += size) {
    // Copies, so that the parser cannot lean on the caller keeping them.
    chunks.push(data.slice(offset, offset + size));
  }
  return chunks;
}

/** Expects `parse` to read `expected` from `data` whole, at every split point, in every chunk size. */
export function expectSameEveryWay<Parsed>(
  data: Uint8Array,
  expected: Parsed[],
  parse: (chunks: readonly Uint8Array[]) => Parsed[],
): void {
  expect(parse([data])).toEqual(expected);
  for (let split = 1; split < data.length; split++) {
    const parsed = parse([data.slice(0, split), data.slice(split)]);
    if (!Bun.deepEquals(parsed, expected)) {
      // Name the offset in the failure.
      expect({ split, parsed }).toEqual({ split, parsed: expected });
    }
  }
  for (const size of CHUNK_SIZES) {
    expect({ size, parsed: parse(chunked(data, size)) }).toEqual({ size, parsed: expected });
  }
}

/** `rounds` splittings of `data` in chunks of 1 to `maxSize` bytes, the same ones on every run. */
export function randomSplittings(
  data: Uint8Array,
  { rounds, maxSize, seed }: { rounds: number; maxSize: number; seed: number },
): Uint8Array[][] {
  let state = seed;
  // A linear congruential generator: reproducible without a seed in the environment.
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: rounds }, () => {
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < data.length; ) {
      const size = 1 + Math.floor(random() * maxSize);
      chunks.push(data.slice(offset, offset + size));
      offset += size;
    }
    return chunks;
  });
}
