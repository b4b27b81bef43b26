/**
 * The differential test: every case of differential-cases.ts is sent to a
 * fresh Debian memcached and to litecached (same item size limit), each on
 * a new connection, and the replies must be byte-identical once cas tokens
 * and the version string are normalised. Deliberate differences are
 * asserted as litecached's documented reply, never skipped.
 *
 * A step's reply is complete when the reply to the `version` sentinel sent
 * after it has arrived, when the server closed the connection, or (for a
 * sentinel swallowed by a data block) when nothing more arrives for a while.
 */
import { describe, expect, test } from "bun:test";
import { concatBytes, latin1Text } from "../support/bytes.ts";
import { DifferentialRun } from "../support/differential.ts";
import { TestClient } from "../support/test-client.ts";
import {
  DIFFERENTIAL_CASES,
  type DifferentialCase,
  ITEM_SIZE_LIMIT,
  type Pause,
  RECONNECT,
  SENTINEL,
  type Step,
} from "./differential-cases.ts";
import { META_DIFFERENTIAL_CASES } from "./differential-meta-cases.ts";

/** Waiting this long with no new byte ends a step whose sentinel was swallowed. */
const QUIET_MS = 1000;
/** No step may take longer than this in total. */
const STEP_TIMEOUT_MS = 15_000;

const VERSION_LINE = /(?:^|\n)VERSION [^\r\n]*\r\n/g;
const VERSION_COMMAND = /(?:^|\n) *version *\r?\n/g;

function countMatches(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

/** Reads one step's replies: until its VERSION lines are all in, the peer closes, or silence. */
async function readStep(conversation: TestClient, versionLines: number): Promise<string> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const text = conversation.peek();
    const complete =
      versionLines > 0 &&
      countMatches(text, VERSION_LINE) >= versionLines &&
      /(?:^|\n)VERSION [^\r\n]*\r\n$/.test(text);
    if (complete || conversation.closed || Date.now() > deadline) break;
    if (!(await conversation.waitForActivity(Math.min(QUIET_MS, deadline - Date.now())))) break;
  }
  return conversation.take();
}

interface Outcome {
  /** The raw replies, with <closed> and <reconnect> marks. */
  raw: string;
}

async function converse(port: number, testCase: DifferentialCase, k: string): Promise<Outcome> {
  let conversation = await TestClient.connect(port);
  let raw = "";
  try {
    for (const step of testCase.steps(k)) {
      if (step === RECONNECT) {
        raw += `${await closingRemark(conversation)}<reconnect>\r\n`;
        conversation.close();
        conversation = await TestClient.connect(port);
        continue;
      }
      if (typeof step === "object" && "pauseMs" in step) {
        await Bun.sleep(step.pauseMs);
        continue;
      }
      const data = concatBytes(resolveStep(step, raw));
      const sentinel = testCase.noSentinel ? "" : SENTINEL;
      const expectedVersions =
        countMatches(latin1Text(data), VERSION_COMMAND) + (testCase.noSentinel ? 0 : 1);
      // A server that closed the connection is noted by readStep, not thrown.
      await conversation.send(concatBytes(data, sentinel)).catch(() => {});
      raw += await readStep(conversation, expectedVersions);
    }
    raw += await closingRemark(conversation);
    return { raw };
  } finally {
    conversation.close();
  }
}

/** Whether the server closed the connection (a close right after the last reply counts). */
async function closingRemark(conversation: TestClient): Promise<string> {
  if (!conversation.closed) await conversation.waitForActivity(20);
  return conversation.take() + (conversation.closed ? "<closed>\r\n" : "");
}

function resolveStep(
  step: Exclude<Step, typeof RECONNECT | Pause>,
  repliesSoFar: string,
): string | Uint8Array {
  return typeof step === "function" ? step(repliesSoFar) : step;
}

/** A meta reply line that may carry a data block: VA <size> <flags>*. */
const META_VALUE_LINE = /^VA (\d+)(?: |$)/;
/** Meta status lines, whose `c` flags (and me's cas=) carry cas values. */
const META_STATUS_LINE = /^(?:HD|VA|EN|NF|NS|EX|ME)(?: |$)/;

/**
 * The version line names the server; cas tokens are the servers' own
 * numbers. Each distinct cas becomes <casN> in order of first appearance,
 * so "same cas" and "new cas" still have to match. Data blocks (after
 * VALUE and VA lines) are kept as they are.
 */
function normalise(reply: string): string {
  const casNames = new Map<string, string>();
  const nameCas = (cas: string): string => {
    if (!casNames.has(cas)) casNames.set(cas, `<cas${casNames.size + 1}>`);
    return casNames.get(cas) as string;
  };
  let output = "";
  let position = 0;
  while (position < reply.length) {
    const lineEnd = reply.indexOf("\r\n", position);
    if (lineEnd === -1) {
      output += reply.slice(position);
      break;
    }
    const line = reply.slice(position, lineEnd);
    position = lineEnd + 2;
    if (line.startsWith("VERSION ")) {
      output += "VERSION <version>\r\n";
      continue;
    }
    let dataLength: number | undefined;
    const value = /^VALUE ([^ ]+) (\d+) (\d+)(?: (\d+))?$/.exec(line);
    if (value !== null) {
      const [, key, flags, bytes, cas] = value;
      output += `VALUE ${key} ${flags} ${bytes}${cas === undefined ? "" : ` ${nameCas(cas)}`}\r\n`;
      dataLength = Number(bytes);
    } else if (META_STATUS_LINE.test(line)) {
      const named = line
        .replace(/ c(\d+)/g, (_, cas: string) => ` c${nameCas(cas)}`)
        .replace(/ cas=(\d+)/, (_, cas: string) => ` cas=${nameCas(cas)}`);
      output += `${named}\r\n`;
      const meta = META_VALUE_LINE.exec(line);
      if (meta !== null) dataLength = Number(meta[1]);
    } else {
      output += `${line}\r\n`;
    }
    if (dataLength !== undefined) {
      const dataEnd = Math.min(reply.length, position + dataLength + 2);
      output += reply.slice(position, dataEnd);
      position = dataEnd;
    }
  }
  return output;
}

function describeOutcome(outcome: Outcome): string {
  return normalise(outcome.raw);
}

const run = new DifferentialRun("differential", ITEM_SIZE_LIMIT);
const answer = async (port: number, testCase: DifferentialCase, k: string) =>
  describeOutcome(await converse(port, testCase, k));

describe("litecached against memcached 1.6.18", () => {
  test("Should have a corpus of well over 80 cases with unique names", () => {
    const names = new Set(DIFFERENTIAL_CASES.map((testCase) => testCase.name));
    expect(names.size).toBe(DIFFERENTIAL_CASES.length);
    expect(DIFFERENTIAL_CASES.length).toBeGreaterThan(100);
  });

  test("Should have a meta corpus of at least 80 cases with unique names", () => {
    const names = new Set(META_DIFFERENTIAL_CASES.map((testCase) => testCase.name));
    expect(names.size).toBe(META_DIFFERENTIAL_CASES.length);
    expect(META_DIFFERENTIAL_CASES.length).toBeGreaterThanOrEqual(80);
  });

  run.defineCases({ corpus: "classic", cases: DIFFERENTIAL_CASES, prefix: "d" }, answer);
  run.defineCases({ corpus: "meta", cases: META_DIFFERENTIAL_CASES, prefix: "m" }, answer);
});
