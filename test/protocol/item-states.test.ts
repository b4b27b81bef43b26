/**
 * The meta protocol's in-memory item states: kept only once tracking
 * started, reset by a new value, and bounded, the least recently used key
 * forgotten first.
 */
import { describe, expect, test } from "bun:test";
import { type ItemState, ItemStates, MAX_TRACKED_ITEMS } from "../../src/protocol/item-states.ts";
import { latin1Bytes as bytes } from "../support/bytes.ts";

describe("ItemStates", () => {
  test("Should keep nothing until tracking starts", () => {
    const states = new ItemStates();
    states.noteFetch(bytes("k"));
    expect(states.peek(bytes("k"))).toBeUndefined();
    states.startTracking();
    expect(states.peek(bytes("k"))?.fetched).toBe(false);
  });

  test("Should remember a fetch until a new value replaces the item", () => {
    let now = 1_000_000;
    const states = new ItemStates(() => now);
    states.startTracking();
    states.noteFetch(bytes("k"));
    now += 5_000;
    expect(states.peek(bytes("k"))).toMatchObject({ fetched: true, lastAccessMs: 1_000_000 });
    expect(states.secondsSince(states.peek(bytes("k")) as ItemState)).toBe(5);
    states.noteStore(bytes("k"), true);
    expect(states.peek(bytes("k"))).toMatchObject({ fetched: false, binaryKey: true });
  });

  test("Should forget the least recently used key beyond its bound", () => {
    const states = new ItemStates();
    states.startTracking();
    states.noteFetch(bytes("first"));
    states.noteFetch(bytes("second"));
    for (let index = 0; index < MAX_TRACKED_ITEMS - 2; index++)
      states.noteFetch(bytes(`k${index}`));
    // "first" is used again, so "second" is now the oldest.
    states.noteFetch(bytes("first"));
    states.noteFetch(bytes("one more"));
    expect(states.peek(bytes("first"))?.fetched).toBe(true);
    expect(states.peek(bytes("second"))?.fetched).toBe(false);
  });
});
