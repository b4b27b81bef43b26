/**
 * The binary differential test: every case of binary-differential-cases.ts
 * is sent to a fresh Debian memcached and to litecached (same item size
 * limit), each on a new connection, and the replies must be byte-identical
 * once cas values and the version string are normalised (every header
 * field is compared). Deliberate differences are asserted as litecached's
 * documented reply, never skipped.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { converse, normalise } from "../support/binary-differential.ts";
import { type RunningMemcached, startMemcached } from "../support/memcached.ts";
import { type RunningServer, startServer } from "../support/server.ts";
import { BINARY_DIFFERENTIAL_CASES, ITEM_SIZE_LIMIT } from "./binary-differential-cases.ts";

/** Long replies (1 MiB values) are compared in full but shown shortened. */
function shorten(text: string): string {
  return text.length <= 4000
    ? text
    : `${text.slice(0, 2000)}…(${text.length} characters)…${text.slice(-2000)}`;
}

let memcached: RunningMemcached | undefined;
let litecached: RunningServer | undefined;
let identical = 0;
let compared = 0;
const deliberateCount = BINARY_DIFFERENTIAL_CASES.filter((testCase) => testCase.deliberate).length;

beforeAll(async () => {
  [memcached, litecached] = await Promise.all([
    startMemcached({ extraArgs: ["-I", ITEM_SIZE_LIMIT] }),
    startServer({ extraArgs: ["--max-item-size", ITEM_SIZE_LIMIT] }),
  ]);
});

afterAll(async () => {
  console.log(
    `binary differential: ${identical}/${compared} cases identical (${deliberateCount} deliberate differences)`,
  );
  await Promise.all([memcached?.stop(), litecached?.stop()]);
});

describe("litecached's binary protocol against memcached 1.6.18", () => {
  test("Should have a corpus of at least 60 cases with unique names", () => {
    const names = new Set(BINARY_DIFFERENTIAL_CASES.map((testCase) => testCase.name));
    expect(names.size).toBe(BINARY_DIFFERENTIAL_CASES.length);
    expect(BINARY_DIFFERENTIAL_CASES.length).toBeGreaterThanOrEqual(60);
  });

  BINARY_DIFFERENTIAL_CASES.forEach((testCase, index) => {
    const k = `b${String(index).padStart(3, "0")}_`;
    const title = testCase.deliberate
      ? `Should differ from memcached on purpose: ${testCase.name}`
      : `Should answer as memcached does: ${testCase.name}`;
    test(title, async () => {
      if (memcached === undefined || litecached === undefined) {
        throw new Error("servers missing");
      }
      const [reference, ours] = await Promise.all([
        converse(memcached.port, testCase, k),
        converse(litecached.port, testCase, k),
      ]);
      const referenceText = normalise(reference, testCase.statsShapeOnly);
      const ourText = normalise(ours, testCase.statsShapeOnly);
      compared++;
      if (referenceText === ourText) identical++;
      const deliberate = testCase.deliberate;
      if (deliberate === undefined) {
        expect(shorten(ourText)).toBe(shorten(referenceText));
        expect(ourText === referenceText).toBe(true);
        return;
      }
      const expected =
        typeof deliberate.litecached === "function"
          ? deliberate.litecached(k)
          : deliberate.litecached;
      expect(ourText).toBe(expected);
      // If memcached ever answers the same, the entry is stale: say so.
      expect(referenceText).not.toBe(expected);
    }, 60_000);
  });
});
