/**
 * ByteWindow: received bytes kept in one reused buffer, compacted to the
 * front or grown only when a chunk does not fit, with the move reported so
 * that readers can fix the offsets they saved.
 */
import { describe, expect, test } from "bun:test";
import { ByteWindow } from "../../src/protocol/byte-window.ts";

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function unread(window: ByteWindow): number[] {
  return [...window.bytes.subarray(window.start, window.end)];
}

/** A deterministic pseudo-random sequence (xorshift32), so a failure can be replayed. */
function randomSource(seed: number): (limit: number) => number {
  let state = seed;
  return (limit) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % limit;
  };
}

describe("ByteWindow", () => {
  test("Should append within capacity without moving or replacing the buffer", () => {
    const window = new ByteWindow(8);
    const storage = window.bytes;
    expect(window.append(bytes(1, 2, 3))).toBe(0);
    window.consume(1);
    expect(window.append(bytes(4, 5))).toBe(0);
    expect(window.bytes).toBe(storage);
    expect(window.start).toBe(1);
    expect(window.end).toBe(5);
    expect(window.length).toBe(4);
    expect(unread(window)).toEqual([2, 3, 4, 5]);
  });

  test("Should move the unread bytes to the front when a chunk does not fit after them", () => {
    const window = new ByteWindow(8);
    const storage = window.bytes;
    window.append(bytes(1, 2, 3, 4, 5, 6));
    window.consume(4);
    expect(window.append(bytes(7, 8, 9, 10))).toBe(4);
    expect(window.bytes).toBe(storage);
    expect(window.start).toBe(0);
    expect(unread(window)).toEqual([5, 6, 7, 8, 9, 10]);
  });

  test("Should grow to twice its size when the unread bytes and the chunk do not fit", () => {
    const window = new ByteWindow(8);
    window.append(bytes(1, 2, 3, 4, 5, 6));
    window.consume(1);
    expect(window.append(bytes(7, 8, 9, 10))).toBe(1);
    expect(window.bytes.length).toBe(16);
    expect(unread(window)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test("Should grow rather than move more unread bytes than were consumed", () => {
    const window = new ByteWindow(8);
    window.append(bytes(1, 2, 3, 4, 5, 6));
    window.consume(2);
    // Four unread bytes, two consumed: moving them would fit but copy more than it frees.
    expect(window.append(bytes(7, 8, 9))).toBe(2);
    expect(window.bytes.length).toBe(16);
    expect(unread(window)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  test("Should grow to fit a chunk larger than twice its size", () => {
    const window = new ByteWindow(4);
    window.append(bytes(1));
    const chunk = Uint8Array.from({ length: 20 }, (_, index) => index);
    window.append(chunk);
    expect(window.bytes.length).toBe(21);
    expect(unread(window)).toEqual([1, ...chunk]);
  });

  test("Should consume bytes from the front", () => {
    const window = new ByteWindow(8);
    window.append(bytes(1, 2, 3, 4));
    window.consume(3);
    expect(window.length).toBe(1);
    expect(unread(window)).toEqual([4]);
  });

  test("Should start over at offset 0 on an append after everything was consumed", () => {
    const window = new ByteWindow(8);
    const storage = window.bytes;
    window.append(bytes(1, 2, 3, 4, 5, 6, 7));
    window.consume(7);
    expect(window.append(bytes(8, 9, 10, 11, 12))).toBe(7);
    expect(window.bytes).toBe(storage);
    expect(window.start).toBe(0);
    expect(unread(window)).toEqual([8, 9, 10, 11, 12]);
  });

  test("Should forget every unread byte on clear", () => {
    const window = new ByteWindow(8);
    window.append(bytes(1, 2, 3));
    window.consume(1);
    window.clear();
    expect(window.length).toBe(0);
    expect(window.append(bytes(4))).toBe(0);
    expect(unread(window)).toEqual([4]);
  });

  test("Should keep every byte intact over many random appends and consumes", () => {
    const random = randomSource(0x5eed);
    const window = new ByteWindow(16);
    const reference: number[] = [];
    let nextByte = 0;
    // An offset a reader saved: the reported shift keeps it on the same byte.
    let saved: { offset: number; value: number } | undefined;
    let mostNeeded = 0;
    let moves = 0;
    let growths = 0;
    for (let step = 0; step < 20_000; step++) {
      if (random(3) > 0) {
        const chunk = Uint8Array.from({ length: random(40) }, () => nextByte++ & 0xff);
        mostNeeded = Math.max(mostNeeded, window.length + chunk.length);
        const storage = window.bytes;
        const hadUnread = window.length > 0;
        const shift = window.append(chunk);
        if (window.bytes !== storage) growths++;
        else if (shift > 0 && hadUnread) moves++;
        reference.push(...chunk);
        if (saved !== undefined) saved.offset -= shift;
      } else {
        const count = random(window.length + 1);
        window.consume(count);
        reference.splice(0, count);
        saved = undefined;
      }
      expect(unread(window)).toEqual(reference);
      if (saved !== undefined) expect(window.bytes[saved.offset]).toBe(saved.value);
      if (saved === undefined && window.length > 0) {
        const offset = window.start + random(window.length);
        saved = { offset, value: window.bytes[offset] as number };
      }
    }
    expect(moves).toBeGreaterThan(100);
    expect(growths).toBeGreaterThan(0);
    // It grows only when at least a quarter of the larger buffer will be in use.
    expect(window.bytes.length).toBeLessThanOrEqual(Math.max(16, 4 * mostNeeded));
  });
});
