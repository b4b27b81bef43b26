/**
 * Meta command lines through the text parser, fed the way a socket feeds
 * it: every request whole, split in two at every byte offset, and in
 * chunks of 1, 2, 3, 5, 7, 13 and 64 bytes. However the bytes arrive, the
 * parsed requests must be the same. Error lines follow memcached 1.6.18
 * (the differential test checks them against the real server).
 */
import { describe, expect, test } from "bun:test";
import { MetaReply } from "../../../src/protocol/meta/replies.ts";
import type { MetaFlags } from "../../../src/protocol/meta/requests.ts";
import { NO_SUCH_CAS } from "../../../src/protocol/numbers.ts";
import { TextParser } from "../../../src/protocol/text/parser.ts";
import { Reply } from "../../../src/protocol/text/replies.ts";
import type { Request } from "../../../src/protocol/text/requests.ts";
import { latin1Bytes, latin1Text } from "../../support/bytes.ts";
import { CHUNK_SIZES, chunked, expectSameEveryWay } from "../../support/split-input.ts";

type Parsed = unknown;

/** Byte fields become Latin-1 strings (the parser's views die at the next push). */
function snapshot(value: unknown): Parsed {
  if (value instanceof Uint8Array) return latin1Text(value);
  if (Array.isArray(value)) return value.map(snapshot);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, snapshot(item)]));
  }
  return value;
}

const MAX_ITEM_SIZE = 1024;
function parseChunks(chunks: readonly Uint8Array[]): Parsed[] {
  const parser = new TextParser({ maxItemSize: MAX_ITEM_SIZE });
  const requests: Parsed[] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let request = parser.next(); request !== undefined; request = parser.next()) {
      requests.push(snapshot(request satisfies Request));
    }
  }
  return requests;
}

function expectParsedEveryWay(data: Uint8Array, expected: Parsed[]): void {
  expectSameEveryWay(data, expected, parseChunks);
}

// ---- expectations ----

const letters = (text: string): number[] => Array.from(text, (letter) => letter.charCodeAt(0));

/** The flags of a request, as parsed: defaults plus what the case names. */
function flags(
  order: string,
  overrides: Partial<Omit<MetaFlags, "letters" | "opaque">> & { opaque?: string } = {},
): Parsed {
  return {
    letters: letters(order),
    base64: false,
    opaque: undefined,
    quiet: false,
    noUpdate: false,
    vivify: false,
    touch: false,
    invalidate: false,
    compareCas: undefined,
    clientFlags: 0,
    mode: undefined,
    delta: 1n,
    initial: 0n,
    ...overrides,
  };
}

const meta = (request: Record<string, unknown>): Parsed => ({ kind: "meta", request });
const invalid = (reply: Uint8Array): Parsed => ({ kind: "invalid", reply: latin1Text(reply) });
const version: Parsed = { kind: "version" };

interface Case {
  name: string;
  input: string;
  expected: Parsed[];
}

const when = (name: string, input: string, ...expected: Parsed[]): Case => ({
  name,
  input,
  expected,
});

/** A value that looks like protocol, meta lines included. */
const TRICKY = "mn\r\nms x 1\r\n\x00\xff\r\n";

const CASES: Case[] = [
  when("mn", "mn\r\n", meta({ command: "mn" })),
  when("mg with no flags", "mg key\r\n", meta({ command: "mg", key: "key", flags: flags("") })),
  when(
    "mg with return flags in order",
    "mg key v k c f s t h l O123\r\n",
    meta({ command: "mg", key: "key", flags: flags("vkcfsthlO", { opaque: "O123" }) }),
  ),
  when(
    "mg with modifying flags",
    "mg key q u N30 T-1 R5\r\n",
    meta({
      command: "mg",
      key: "key",
      flags: flags("quNTR", { quiet: true, noUpdate: true, vivify: true, touch: true }),
    }),
  ),
  when(
    "mg with a base64 key, decoded",
    "mg AP9h b k\r\n",
    meta({ command: "mg", key: "\x00\xffa", flags: flags("bk", { base64: true }) }),
  ),
  when(
    "ms with a value that looks like protocol",
    `ms key ${TRICKY.length} F7 c\r\n${TRICKY}\r\n`,
    meta({ command: "ms", key: "key", flags: flags("Fc", { clientFlags: 7 }), value: TRICKY }),
  ),
  when(
    "ms with a mode, a compare cas and invalidate",
    "ms key 2 MA C42 I q\r\nab\r\n",
    meta({
      command: "ms",
      key: "key",
      flags: flags("MCIq", { mode: 0x41, compareCas: 42, invalidate: true, quiet: true }),
      value: "ab",
    }),
  ),
  when(
    "ms with a base64 key",
    "ms a2V5 1 b\r\nv\r\n",
    meta({ command: "ms", key: "key", flags: flags("b", { base64: true }), value: "v" }),
  ),
  when(
    "ms with an empty value",
    "ms key 0\r\n\r\n",
    meta({ command: "ms", key: "key", flags: flags(""), value: "" }),
  ),
  when(
    "ms over the item size limit, its data skipped",
    `ms key ${MAX_ITEM_SIZE + 1} T0\r\n${"x".repeat(MAX_ITEM_SIZE + 1)}\r\nversion\r\n`,
    meta({ command: "ms_too_large", key: "key", flags: flags("T", { touch: true }) }),
    version,
  ),
  when(
    "ms with a cas beyond any given out",
    "ms key 1 C18446744073709551615\r\nv\r\n",
    meta({ command: "ms", key: "key", flags: flags("C", { compareCas: NO_SUCH_CAS }), value: "v" }),
  ),
  when(
    "md with cas, invalidate, quiet and opaque",
    "md key C9 I q Oab\r\n",
    meta({
      command: "md",
      key: "key",
      flags: flags("CIqO", { compareCas: 9, invalidate: true, quiet: true, opaque: "Oab" }),
    }),
  ),
  when(
    "ma with vivify, initial, delta and mode",
    "ma key N0 J10 D5 MD v\r\n",
    meta({
      command: "ma",
      key: "key",
      flags: flags("NJDMv", { vivify: true, initial: 10n, delta: 5n, mode: 0x44 }),
    }),
  ),
  when("me", "me key\r\n", meta({ command: "me", key: "key", base64: false })),
  when("me with a base64 key", "me a2V5 b\r\n", meta({ command: "me", key: "key", base64: true })),
  when(
    "meta and classic commands in one run",
    "mn\r\nversion\r\nmg k\r\n",
    meta({ command: "mn" }),
    version,
    meta({ command: "mg", key: "k", flags: flags("") }),
  ),
  // ---- malformed ----
  when("mg without a key", "mg\r\n", invalid(Reply.ERROR)),
  when("an unknown two-letter m command", "mz key\r\n", invalid(Reply.ERROR)),
  when("mg with a duplicate flag", "mg k v v\r\n", invalid(MetaReply.error("duplicate flag"))),
  when("mg with an unknown flag", "mg k y\r\n", invalid(MetaReply.error("invalid flag"))),
  when(
    "mg with a bad TTL token",
    "mg k Tx\r\n",
    invalid(MetaReply.error("bad token in command line format")),
  ),
  when("mg with a bad base64 key", "mg a b\r\n", invalid(MetaReply.error("error decoding key"))),
  when("mg with a 251-byte key", `mg ${"k".repeat(251)} v\r\n`, invalid(Reply.BAD_COMMAND_LINE)),
  when(
    "mg with twenty tokens",
    `mg k ${"v ".repeat(17)}v\r\n`,
    invalid(MetaReply.FLAGS_TOO_LONG_GET),
  ),
  when("mg with a long opaque", `mg k O${"1".repeat(32)}\r\n`, invalid(MetaReply.OPAQUE_TOO_LONG)),
  when("ms without a length", "ms k\r\n", invalid(Reply.BAD_COMMAND_LINE)),
  when(
    "ms with a bad length: its data runs as a line",
    "ms k x\r\nmn\r\n",
    invalid(Reply.BAD_COMMAND_LINE),
    meta({ command: "mn" }),
  ),
  when(
    "ms with a bad mode: its data is skipped",
    "ms k 2 MZ\r\nmn\r\nversion\r\n",
    invalid(MetaReply.INVALID_SET_MODE),
    version,
  ),
  when(
    "ms with a bad flag: its data is skipped",
    "ms k 2 Fx\r\nmn\r\nversion\r\n",
    invalid(Reply.BAD_COMMAND_LINE),
    version,
  ),
  when(
    "ms with a data block of the wrong length",
    "ms k 1 q\r\nab\r\nversion\r\n",
    invalid(Reply.BAD_DATA_CHUNK),
    invalid(Reply.ERROR),
    version,
  ),
  when("md with a bad flag", "md k y\r\n", invalid(MetaReply.INVALID_OR_DUPLICATE_FLAG)),
  when("ma with a bad delta", "ma k Dx\r\n", invalid(MetaReply.INVALID_OR_DUPLICATE_FLAG)),
  when("ma with a bad mode", "ma k MZ\r\n", invalid(MetaReply.INVALID_ARITHMETIC_MODE)),
  when("me without a key", "me\r\n", invalid(Reply.BAD_COMMAND_LINE)),
];

describe("TextParser: meta commands", () => {
  for (const { name, input, expected } of CASES) {
    test(`Should parse ${name} whole, split anywhere and in small chunks`, () => {
      expectParsedEveryWay(latin1Bytes(input), expected);
    });
  }

  test("Should parse every case pipelined in one run, however it is split", () => {
    const input = latin1Bytes(CASES.map((item) => item.input).join(""));
    const expected = CASES.flatMap((item) => item.expected);
    expect(parseChunks([input])).toEqual(expected);
    for (const size of CHUNK_SIZES) expect(parseChunks(chunked(input, size))).toEqual(expected);
  });
});
