/**
 * The binary differential test: every case of binary-differential-cases.ts
 * is sent to a fresh Debian memcached and to litecached (same item size
 * limit), each on a new connection, and the replies must be byte-identical
 * once cas values and the version string are normalised (every header
 * field is compared). Deliberate differences are asserted as litecached's
 * documented reply, never skipped.
 */
import { describe, expect, test } from "bun:test";
import { converse, normalise } from "../support/binary-differential.ts";
import { DifferentialRun } from "../support/differential.ts";
import {
  BINARY_DIFFERENTIAL_CASES,
  type BinaryDifferentialCase,
  ITEM_SIZE_LIMIT,
} from "./binary-differential-cases.ts";

/** A case may send a megabyte value several times over. */
const CASE_TIMEOUT_MS = 60_000;

const run = new DifferentialRun("binary differential", ITEM_SIZE_LIMIT);
const answer = async (port: number, testCase: BinaryDifferentialCase, k: string) =>
  normalise(await converse(port, testCase, k), testCase.statsShapeOnly);

describe("litecached's binary protocol against memcached 1.6.18", () => {
  test("Should have a corpus of at least 60 cases with unique names", () => {
    const names = new Set(BINARY_DIFFERENTIAL_CASES.map((testCase) => testCase.name));
    expect(names.size).toBe(BINARY_DIFFERENTIAL_CASES.length);
    expect(BINARY_DIFFERENTIAL_CASES.length).toBeGreaterThanOrEqual(60);
  });

  run.defineCases({ cases: BINARY_DIFFERENTIAL_CASES, prefix: "b" }, answer, CASE_TIMEOUT_MS);
});
