/**
 * The harness both differential tests share (test/e2e/differential.test.ts
 * for text and meta, binary-differential.test.ts for binary): a fresh
 * Debian memcached and litecached with the same item size limit, and one
 * test per case that sends the case to both, each on a new connection.
 * Their normalised replies must be identical; a deliberate difference is
 * asserted as litecached's documented reply, never skipped, and must still
 * differ from memcached's.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type RunningMemcached, startMemcached } from "./memcached.ts";
import { type RunningServer, startServer } from "./server.ts";

export interface DeliberateDifference {
  /** Why litecached answers differently (the README says it too). */
  reason: string;
  /** litecached's whole normalised reply, sentinels included, given the key prefix. */
  litecached: string | ((k: string) => string);
}

/** What the harness needs of a case; its steps are the protocol's own. */
export interface ComparedCase {
  name: string;
  deliberate?: DeliberateDifference;
}

/** Sends a case to the server on `port` and returns its replies, normalised. */
export type Answer<Case> = (port: number, testCase: Case, k: string) => Promise<string>;

interface Tally {
  identical: number;
  compared: number;
  deliberate: number;
}

export class DifferentialRun {
  private memcached: RunningMemcached | undefined;
  private litecached: RunningServer | undefined;
  private readonly tallies = new Map<string, Tally>();

  /**
   * Starts both servers before the file's tests and stops them after,
   * printing a line per corpus: `<label> (<corpus>): identical/compared`.
   */
  constructor(label: string, itemSizeLimit: string) {
    beforeAll(async () => {
      [this.memcached, this.litecached] = await Promise.all([
        startMemcached({ extraArgs: ["-I", itemSizeLimit] }),
        startServer({ extraArgs: ["--max-item-size", itemSizeLimit] }),
      ]);
    });
    afterAll(async () => {
      for (const [corpus, { identical, compared, deliberate }] of this.tallies) {
        const name = corpus === "" ? label : `${label} (${corpus})`;
        console.log(
          `${name}: ${identical}/${compared} cases identical (${deliberate} deliberate differences)`,
        );
      }
      await Promise.all([this.memcached?.stop(), this.litecached?.stop()]);
    });
  }

  /** One test per case; `prefix` keeps each corpus's keys apart. */
  defineCases<Case extends ComparedCase>(
    { corpus = "", cases, prefix }: { corpus?: string; cases: readonly Case[]; prefix: string },
    answer: Answer<Case>,
    timeoutMs?: number,
  ): void {
    const tally: Tally = {
      identical: 0,
      compared: 0,
      deliberate: cases.filter((testCase) => testCase.deliberate).length,
    };
    this.tallies.set(corpus, tally);
    cases.forEach((testCase, index) => {
      const k = `${prefix}${String(index).padStart(3, "0")}_`;
      const title = testCase.deliberate
        ? `Should differ from memcached on purpose: ${testCase.name}`
        : `Should answer as memcached does: ${testCase.name}`;
      test(
        title,
        async () => {
          const { memcached, litecached } = this;
          if (memcached === undefined || litecached === undefined) {
            throw new Error("servers missing");
          }
          const [referenceText, ourText] = await Promise.all([
            answer(memcached.port, testCase, k),
            answer(litecached.port, testCase, k),
          ]);
          tally.compared++;
          if (referenceText === ourText) tally.identical++;
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
        },
        timeoutMs,
      );
    });
  }
}

/** Long replies (1 MiB values) are compared in full but shown shortened. */
const SHOWN_LENGTH = 4000;

function shorten(text: string): string {
  const half = SHOWN_LENGTH / 2;
  return text.length <= SHOWN_LENGTH
    ? text
    : `${text.slice(0, half)}…(${text.length} characters)…${text.slice(-half)}`;
}
