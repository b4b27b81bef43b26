/**
 * The text protocol parser, fed the way a socket feeds it: every request
 * whole, split in two at every byte offset, and in chunks of 1, 2, 3, 5, 7,
 * 13 and 64 bytes (after pg-protocol's inbound-parser test). However the
 * bytes arrive, the parsed requests must be the same.
 *
 * Expected results follow memcached 1.6.18 (probed on the real server) plus
 * the deliberate differences listed in the README.
 */
import { describe, expect, test } from "bun:test";
import { NO_SUCH_CAS } from "../../../src/protocol/numbers.ts";
import { type Request, TextParser } from "../../../src/protocol/text/parser.ts";
import { Reply } from "../../../src/protocol/text/replies.ts";
import { concatBytes, latin1Bytes, latin1Text } from "../../support/bytes.ts";
import {
  CHUNK_SIZES,
  chunked,
  expectSameEveryWay,
  randomSplittings,
} from "../../support/split-input.ts";

// ---- building bytes and expectations ----

/**
 * A request with every byte field turned into a Latin-1 string: the parser
 * hands out views into its buffer, so they are copied before the next push,
 * and strings give readable diffs.
 */
type Parsed = Record<string, unknown>;

function snapshot(request: Request): Parsed {
  const copy: Parsed = {};
  for (const [name, value] of Object.entries(request)) {
    if (value instanceof Uint8Array) copy[name] = latin1Text(value);
    else if (Array.isArray(value) && value.every((item) => item instanceof Uint8Array)) {
      copy[name] = value.map((item) => latin1Text(item as Uint8Array));
    } else copy[name] = value;
  }
  return copy;
}

const storage = (
  command: string,
  key: string,
  flags: number,
  value: string,
  options: { casUnique?: number; noreply?: boolean } = {},
): Parsed => ({
  kind: "storage",
  command,
  key,
  flags,
  value,
  casUnique: options.casUnique ?? 0,
  noreply: options.noreply ?? false,
});
const tooLarge = (command: string, key: string, noreply = false): Parsed => ({
  kind: "too_large",
  command,
  key,
  noreply,
});
const retrieval = (command: string, ...keys: string[]): Parsed => ({
  kind: "retrieval",
  command,
  keys,
});
const del = (key: string, noreply = false): Parsed => ({ kind: "delete", key, noreply });
const delta = (command: string, key: string, amount: bigint, noreply = false): Parsed => ({
  kind: "delta",
  command,
  key,
  delta: amount,
  noreply,
});
const touch = (key: string, noreply = false): Parsed => ({ kind: "touch", key, noreply });
const flushAll = (delaySeconds: number, noreply = false): Parsed => ({
  kind: "flush_all",
  delaySeconds,
  noreply,
});
const verbosity = (noreply = false): Parsed => ({ kind: "verbosity", noreply });
const stats = (...args: string[]): Parsed => ({ kind: "stats", arguments: args });
const version: Parsed = { kind: "version" };
const quit: Parsed = { kind: "quit" };
const invalid = (reply: Uint8Array): Parsed => ({ kind: "invalid", reply: latin1Text(reply) });
/** An error memcached leaves unsent because the request said noreply. */
const silenced = (reply: Uint8Array): Parsed => ({ ...invalid(reply), noreply: true });
const ERROR = invalid(Reply.ERROR);
const BAD_LINE = invalid(Reply.BAD_COMMAND_LINE);
const BAD_CHUNK = invalid(Reply.BAD_DATA_CHUNK);
const BAD_DELETE = invalid(Reply.BAD_DELETE_USAGE);
const BAD_DELTA = invalid(Reply.INVALID_DELTA);
const BAD_EXPTIME = invalid(Reply.INVALID_EXPTIME);
const close: Parsed = { kind: "close" };

// ---- feeding the parser ----

/** A fixed clock (ms) so that flush_all's Unix times give a known delay. */
const NOW_MS = 1_800_000_000_000;
const MAX_ITEM_SIZE = 1024;

function newParser(maxItemSize = MAX_ITEM_SIZE): TextParser {
  return new TextParser({ maxItemSize, now: () => NOW_MS });
}

/**
 * Pushes each chunk and takes every request it completes, as the server
 * does; like the server, stops at a close.
 */
function parseChunks(chunks: readonly Uint8Array[], maxItemSize = MAX_ITEM_SIZE): Parsed[] {
  const parser = newParser(maxItemSize);
  const requests: Parsed[] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let request = parser.next(); request !== undefined; request = parser.next()) {
      // A close's reason is for the log; what matters is that it closes.
      if (request.kind === "close") return [...requests, close];
      requests.push(snapshot(request));
    }
  }
  return requests;
}

/** Whole, at every split point, in every chunk size: always the same requests. */
function expectParsedEveryWay(data: Uint8Array, expected: Parsed[], maxItemSize?: number): void {
  expectSameEveryWay(data, expected, (chunks) => parseChunks(chunks, maxItemSize));
}

interface Case {
  name: string;
  input: Uint8Array;
  expected: Parsed[];
}

const when = (name: string, input: string | Uint8Array, ...expected: Parsed[]): Case => ({
  name,
  input: typeof input === "string" ? latin1Bytes(input) : input,
  expected,
});

// ---- well-formed requests, one of each kind ----

/** Data that looks like protocol: CRLF, a command, NUL and 0xff bytes. */
const BINARY = "a\r\nget x\r\n\x00\xff\xfe\r\x00\n\r\nEND\r\n";
const EVERY_BYTE = String.fromCharCode(...Array.from({ length: 256 }, (_, index) => index));
const MANY_KEYS = Array.from({ length: 100 }, (_, index) => `key:${index}`);

const WELL_FORMED: Case[] = [
  when(
    "set with binary data",
    `set k 5 0 ${BINARY.length}\r\n${BINARY}\r\n`,
    storage("set", "k", 5, BINARY),
  ),
  when(
    "set with every byte value",
    `set all 0 0 256\r\n${EVERY_BYTE}\r\n`,
    storage("set", "all", 0, EVERY_BYTE),
  ),
  when("set with an empty value", "set empty 0 0 0\r\n\r\n", storage("set", "empty", 0, "")),
  when(
    "set with noreply and the largest flags",
    "set k 4294967295 100 3 noreply\r\nabc\r\n",
    storage("set", "k", 4294967295, "abc", { noreply: true }),
  ),
  when(
    "set with a sixth token that is not noreply",
    "set k 1 0 1 2\r\nx\r\n",
    storage("set", "k", 1, "x"),
  ),
  when(
    "add with binary data",
    `add k 1 0 ${BINARY.length}\r\n${BINARY}\r\n`,
    storage("add", "k", 1, BINARY),
  ),
  when(
    "replace with binary data",
    `replace k 2 0 ${BINARY.length} noreply\r\n${BINARY}\r\n`,
    storage("replace", "k", 2, BINARY, { noreply: true }),
  ),
  when(
    "append with binary data",
    `append k 0 0 ${BINARY.length}\r\n${BINARY}\r\n`,
    storage("append", "k", 0, BINARY),
  ),
  when(
    "prepend with binary data",
    `prepend k 0 0 ${BINARY.length}\r\n${BINARY}\r\n`,
    storage("prepend", "k", 0, BINARY),
  ),
  when(
    "cas with binary data",
    `cas k 3 0 ${BINARY.length} 18446744073709551615\r\n${BINARY}\r\n`,
    storage("cas", "k", 3, BINARY, { casUnique: NO_SUCH_CAS }),
  ),
  when(
    "cas with noreply",
    "cas k 0 0 2 42 noreply\r\nhi\r\n",
    storage("cas", "k", 0, "hi", { casUnique: 42, noreply: true }),
  ),
  when(
    "a key with bytes other than spaces and line ends",
    "set \x01\x7f\xff\xe9\t 0 0 1\r\nx\r\n",
    storage("set", "\x01\x7f\xff\xe9\t", 0, "x"),
  ),
  when("get with one key", "get k\r\n", retrieval("get", "k")),
  when("get with many keys", `get ${MANY_KEYS.join(" ")}\r\n`, retrieval("get", ...MANY_KEYS)),
  when(
    "gets with many keys and extra spaces",
    `gets   ${MANY_KEYS.join("  ")}  \r\n`,
    retrieval("gets", ...MANY_KEYS),
  ),
  when("get with a 250-byte key", `get ${"k".repeat(250)}\r\n`, retrieval("get", "k".repeat(250))),
  when("gat with keys", "gat 100 a b\r\n", retrieval("gat", "a", "b")),
  when("gats with keys", "gats -1 a b c\r\n", retrieval("gats", "a", "b", "c")),
  when("gat with an exptime and no key", "gat 0\r\n", retrieval("gat")),
  when("bget, memcached's old name for get", "bget a b\r\n", retrieval("get", "a", "b")),
  when("delete", "delete k\r\n", del("k")),
  when("delete with a zero hold time", "delete k 0\r\n", del("k")),
  when("delete with noreply", "delete k noreply\r\n", del("k", true)),
  when("delete with a zero hold time and noreply", "delete k 0 noreply\r\n", del("k", true)),
  when("delete of a key named noreply", "delete noreply\r\n", del("noreply")),
  when("incr", "incr n 1\r\n", delta("incr", "n", 1n)),
  when(
    "incr by the largest delta",
    "incr n 18446744073709551615\r\n",
    delta("incr", "n", 18446744073709551615n),
  ),
  when("decr with noreply", "decr n 7 noreply\r\n", delta("decr", "n", 7n, true)),
  when("touch", "touch k 10\r\n", touch("k")),
  when("touch with noreply", "touch k -1 noreply\r\n", touch("k", true)),
  when("flush_all", "flush_all\r\n", flushAll(0)),
  when("flush_all with noreply", "flush_all noreply\r\n", flushAll(0, true)),
  when("flush_all with a delay", "flush_all 10\r\n", flushAll(9)),
  when("flush_all with a delay and noreply", "flush_all 10 noreply\r\n", flushAll(9, true)),
  when("verbosity", "verbosity 1\r\n", verbosity()),
  when("verbosity with noreply", "verbosity 1 noreply\r\n", verbosity(true)),
  when("verbosity with noreply and no level", "verbosity noreply\r\n", verbosity(true)),
  when(
    "verbosity with a non-numeric level and noreply",
    "verbosity x noreply\r\n",
    verbosity(true),
  ),
  when("stats", "stats\r\n", stats()),
  when("stats with arguments", "stats detail dump\r\n", stats("detail", "dump")),
  when("stats settings", "stats settings\r\n", stats("settings")),
  when("version", "version\r\n", version),
  when("quit", "quit\r\n", quit),
];

describe("TextParser: well-formed requests", () => {
  for (const { name, input, expected } of WELL_FORMED) {
    test(`Should parse ${name} whole, split anywhere and in small chunks`, () => {
      expectParsedEveryWay(input, expected);
    });
  }

  test("Should parse every request pipelined in one run, however it is chunked", () => {
    const input = concatBytes(...WELL_FORMED.map((item) => item.input));
    const expected = WELL_FORMED.flatMap((item) => item.expected);
    expectParsedEveryWay(input, expected);
  });

  test("Should parse a pipelined run in random chunk sizes", () => {
    const input = concatBytes(...WELL_FORMED.map((item) => item.input));
    const expected = WELL_FORMED.flatMap((item) => item.expected);
    for (const chunks of randomSplittings(input, { rounds: 50, maxSize: 200, seed: 12345 })) {
      expect(parseChunks(chunks)).toEqual(expected);
    }
  });

  test("Should accept bare newlines as line ends", () => {
    expectParsedEveryWay(latin1Bytes("set a 0 0 1\nx\r\nget a\nversion\n"), [
      storage("set", "a", 0, "x"),
      retrieval("get", "a"),
      version,
    ]);
  });

  test("Should keep a value of the largest allowed size, arriving in many chunks", () => {
    const value = `${"v".repeat(MAX_ITEM_SIZE - 3)}\r\n\xff`;
    const input = latin1Bytes(`set big 0 0 ${value.length}\r\n${value}\r\nget big\r\n`);
    const expected = [storage("set", "big", 0, value), retrieval("get", "big")];
    for (const size of CHUNK_SIZES) {
      expect(parseChunks(chunked(input, size))).toEqual(expected);
    }
  });

  test("Should keep a large value intact while its buffer grows", () => {
    const value = new Uint8Array(300_000).map((_, index) => (index * 7) & 0xff);
    const input = concatBytes(`set big 0 0 ${value.length}\r\n`, value, "\r\n");
    for (const size of [1000, 4096, 65536]) {
      const requests = parseChunks(chunked(input, size), 1024 * 1024);
      expect(requests).toEqual([storage("set", "big", 0, latin1Text(value))]);
    }
  });

  test("Should hand out each request before it is asked for the next", () => {
    const parser = newParser();
    parser.push(latin1Bytes("get a\r\nget"));
    expect(snapshot(parser.next() as Request)).toEqual(retrieval("get", "a"));
    expect(parser.next()).toBeUndefined();
    parser.push(latin1Bytes(" b\r\n"));
    expect(snapshot(parser.next() as Request)).toEqual(retrieval("get", "b"));
    expect(parser.next()).toBeUndefined();
    expect(parser.bufferedBytes).toBe(0);
  });
});

// ---- numbers, read as memcached's safe_strtol / safe_strtoul / safe_strtoull read them ----

describe("TextParser: numbers", () => {
  const cases: Case[] = [
    when("flags with a plus sign", "set k +7 0 1\r\nx\r\n", storage("set", "k", 7, "x")),
    when("flags of minus zero", "set k -0 0 1\r\nx\r\n", storage("set", "k", 0, "x")),
    when(
      "flags with leading zeros past twenty digits",
      "set k 000000000000000000000000005 0 1\r\nx\r\n",
      storage("set", "k", 5, "x"),
    ),
    when(
      "flags written as a negative that wraps to a small number, as strtoul does",
      "set k -18446744073709551615 0 1\r\nx\r\n",
      storage("set", "k", 1, "x"),
    ),
    when(
      "an exptime at the ends of the 64-bit range",
      "set a 0 9223372036854775807 1\r\nx\r\nset b 0 -9223372036854775808 1\r\nx\r\n",
      storage("set", "a", 0, "x"),
      storage("set", "b", 0, "x"),
    ),
    when("an exptime beyond 32 bits", "set k 0 2147483648 1\r\nx\r\n", storage("set", "k", 0, "x")),
    when("a length with a plus sign", "set k 0 0 +1\r\nx\r\n", storage("set", "k", 0, "x")),
    when("a length with leading zeros", "set k 0 0 0001\r\nx\r\n", storage("set", "k", 0, "x")),
    when(
      "a length that ends in a carriage return (a line ending in CR CR LF)",
      "set k 0 0 1\r\r\nx\r\n",
      storage("set", "k", 0, "x"),
    ),
    when(
      "numbers with tabs around them, which strtol skips",
      "set k \t5 1\t 1\x0b\r\nx\r\n",
      storage("set", "k", 5, "x"),
    ),
    when(
      "a number followed by whitespace and junk, which memcached ignores",
      "set k 5\tjunk 0 1\r\nx\r\n",
      storage("set", "k", 5, "x"),
    ),
    when(
      "a length that memcached keeps in 32 bits (4294967297 is 1)",
      "set k 0 0 4294967297\r\nx\r\n",
      storage("set", "k", 0, "x"),
    ),
    when("a delta with a plus sign", "incr n +5\r\n", delta("incr", "n", 5n)),
    when("a delta of minus zero", "incr n -0\r\n", delta("incr", "n", 0n)),
    when(
      "a delta written as a negative that wraps to a small number, as strtoull does",
      "incr n -18446744073709551615\r\n",
      delta("incr", "n", 1n),
    ),
    when(
      "a delta with leading zeros past twenty digits",
      "decr n 000000000000000000000000042\r\n",
      delta("decr", "n", 42n),
    ),
    when(
      "a cas unique of minus zero",
      "cas k 0 0 1 -0\r\nx\r\n",
      storage("cas", "k", 0, "x", { casUnique: 0 }),
    ),
    when("verbosity with a level beyond 32 bits", "verbosity 4294967296\r\n", verbosity()),
    when("a touch exptime of minus zero", "touch k -0\r\n", touch("k")),
  ];
  for (const { name, input, expected } of cases) {
    test(`Should accept ${name}`, () => {
      expectParsedEveryWay(input, expected);
    });
  }
});

// ---- malformed requests ----

const KEY_251 = "k".repeat(251);

const MALFORMED: Case[] = [
  when("an empty line", "\r\n", ERROR),
  when("an empty line with a bare newline", "\n", ERROR),
  when("a line of spaces", "   \r\n", ERROR),
  when("an unknown command", "foo bar\r\n", ERROR),
  when("a command in capitals (commands are case-sensitive)", "GET a\r\n", ERROR),
  when(
    "a storage command in capitals, whose data then runs as a command",
    "SET a 0 0 1\r\nx\r\n",
    ERROR,
    ERROR,
  ),
  when("a tab after the command (tabs are not separators)", "get\tfoo\r\n", ERROR),
  when(
    "a tab inside a key, which is part of the key",
    "get foo\tbar\r\n",
    retrieval("get", "foo\tbar"),
  ),
  when("a tab between storage tokens (too few tokens)", "set a\t0 0 1\r\nx\r\n", ERROR, ERROR),
  when("a line cut short by a NUL byte", "get\x00 a\r\n", ERROR),
  when("a key cut short by a NUL byte", "get a\x00b c\r\n", retrieval("get", "a")),
  when("junk after a NUL byte", "version\x00junk\r\n", version),
  // too few tokens
  when("set with too few tokens", "set a 0 0\r\n", ERROR),
  when("cas without a cas unique", "cas a 0 0 1\r\nx\r\n", ERROR, ERROR),
  when("get without a key", "get\r\n", ERROR),
  when("gets without a key", "gets \r\n", ERROR),
  when("gat without an exptime", "gat\r\n", ERROR),
  when("delete without a key", "delete\r\n", ERROR),
  when("incr without a delta", "incr a\r\n", ERROR),
  when("touch without an exptime", "touch a\r\n", ERROR),
  when("verbosity without a level", "verbosity\r\n", ERROR),
  // too many tokens
  when("set with too many tokens", "set a 0 0 1 noreply extra\r\nx\r\n", ERROR, ERROR),
  when("cas with too many tokens", "cas a 0 0 1 1 noreply extra\r\nx\r\n", ERROR, ERROR),
  when("delete with too many tokens", "delete a 0 noreply x\r\n", ERROR),
  when("incr with too many tokens", "incr a 1 2 3\r\n", ERROR),
  when("touch with too many tokens", "touch a 0 noreply x\r\n", ERROR),
  when("flush_all with too many tokens", "flush_all 0 noreply x\r\n", ERROR),
  when("verbosity with too many tokens", "verbosity 1 2 3\r\n", ERROR),
  // keys over 250 bytes
  when(
    "set with a 251-byte key, skipping its data block",
    `set ${KEY_251} 0 0 9\r\nget a\r\nbc\r\nversion\r\n`,
    BAD_LINE,
    version,
  ),
  when(
    "set with a 251-byte key and noreply (silenced, its data skipped)",
    `set ${KEY_251} 0 0 1 noreply\r\nx\r\n`,
    silenced(Reply.BAD_COMMAND_LINE),
  ),
  when("get with a 251-byte key among others", `get a ${KEY_251} b\r\n`, BAD_LINE),
  when("gat with a 251-byte key", `gat 0 ${KEY_251}\r\n`, BAD_LINE),
  when("delete with a 251-byte key", `delete ${KEY_251}\r\n`, BAD_LINE),
  when("incr with a 251-byte key", `incr ${KEY_251} 1\r\n`, BAD_LINE),
  when("touch with a 251-byte key", `touch ${KEY_251} 0\r\n`, BAD_LINE),
  // flags
  when(
    "negative flags, skipping the data block",
    "set a -1 0 1\r\nx\r\nversion\r\n",
    BAD_LINE,
    version,
  ),
  when("non-numeric flags", "set a abc 0 1\r\nx\r\n", BAD_LINE),
  when("hexadecimal flags", "set a 0x1 0 1\r\nx\r\n", BAD_LINE),
  when(
    "flags of 2^32 (memcached wraps them; litecached refuses)",
    "set a 4294967296 0 1\r\nx\r\n",
    BAD_LINE,
  ),
  when("flags of 2^64", "set a 18446744073709551616 0 1\r\nx\r\n", BAD_LINE),
  when("flags with a sign only", "set a - 0 1\r\nx\r\n", BAD_LINE),
  // exptime
  when("a non-numeric exptime", "set a 0 abc 1\r\nx\r\n", BAD_LINE),
  when("an exptime of 2^63", "set a 0 9223372036854775808 1\r\nx\r\n", BAD_LINE),
  when("an exptime below -2^63", "set a 0 -9223372036854775809 1\r\nx\r\n", BAD_LINE),
  when("an exptime with two signs", "set a 0 +-1 1\r\nx\r\n", BAD_LINE),
  when("an exptime with trailing junk", "set a 0 1a 1\r\nx\r\n", BAD_LINE),
  // bytes
  when(
    "a negative length (its data cannot be skipped and runs as a command)",
    "set a 0 0 -1\r\nx\r\n",
    BAD_LINE,
    ERROR,
  ),
  when("a non-numeric length", "set a 0 0 abc\r\nx\r\n", BAD_LINE, ERROR),
  when(
    "a length of 2^31 - 2 (over memcached's limit)",
    "set a 0 0 2147483646\r\nx\r\n",
    BAD_LINE,
    ERROR,
  ),
  when("a length of 2^63", "set a 0 0 9223372036854775808\r\nx\r\n", BAD_LINE, ERROR),
  // cas unique
  when(
    "a non-numeric cas unique, skipping the data block",
    "cas a 0 0 1 abc\r\nx\r\nversion\r\n",
    BAD_LINE,
    version,
  ),
  when("a negative cas unique", "cas a 0 0 1 -1\r\nx\r\n", BAD_LINE),
  when("a cas unique of 2^64", "cas a 0 0 1 18446744073709551616\r\nx\r\n", BAD_LINE),
  // data blocks
  when(
    "a data block longer than its length (resumes after length + 2 bytes)",
    "set a 0 0 1\r\nxyzversion\r\n",
    BAD_CHUNK,
    version,
  ),
  when("a data block shorter than its length", "set a 0 0 2\r\nx\r\nversion\r\n", BAD_CHUNK, ERROR),
  when("a data block ended by a bare newline", "set a 0 0 1\nx\nget a\n", BAD_CHUNK, ERROR),
  when("a data block ended by CR CR LF", "set a 0 0 1\r\nx\r\r\n", BAD_CHUNK, ERROR),
  // delete
  when("delete with a hold time other than 0", "delete a 1\r\n", BAD_DELETE),
  when("delete with a hold time of 00", "delete a 00\r\n", BAD_DELETE),
  when("delete with junk", "delete a x y\r\n", BAD_DELETE),
  when(
    "delete noreply noreply (silenced)",
    "delete a noreply noreply\r\n",
    silenced(Reply.BAD_DELETE_USAGE),
  ),
  when(
    "delete with a bad hold time and noreply (silenced)",
    "delete a 1 noreply\r\n",
    silenced(Reply.BAD_DELETE_USAGE),
  ),
  // incr / decr
  when("incr with a non-numeric delta", "incr a x\r\n", BAD_DELTA),
  when("decr with a negative delta", "decr a -1\r\n", BAD_DELTA),
  when("incr with a delta of 2^64", "incr a 18446744073709551616\r\n", BAD_DELTA),
  when(
    "incr with a non-numeric delta and noreply (silenced)",
    "incr a x noreply\r\n",
    silenced(Reply.INVALID_DELTA),
  ),
  // touch / gat
  when("touch with a non-numeric exptime", "touch a x\r\n", BAD_EXPTIME),
  when("touch with an exptime of 2^63", "touch a 9223372036854775808\r\n", BAD_EXPTIME),
  when("gat with a non-numeric exptime", "gat abc a\r\n", BAD_EXPTIME),
  when("gats with an exptime of 2^63", "gats 9223372036854775808 a\r\n", BAD_EXPTIME),
  // flush_all
  when("flush_all with a non-numeric delay", "flush_all x\r\n", BAD_EXPTIME),
  when(
    "flush_all with a non-numeric delay and noreply (silenced)",
    "flush_all x noreply\r\n",
    silenced(Reply.INVALID_EXPTIME),
  ),
  when(
    "flush_all noreply noreply (silenced)",
    "flush_all noreply noreply\r\n",
    silenced(Reply.INVALID_EXPTIME),
  ),
  when(
    "a data block of the wrong length under noreply (silenced)",
    "set a 0 0 1 noreply\r\nxy\r\nversion\r\n",
    silenced(Reply.BAD_DATA_CHUNK),
    ERROR,
    version,
  ),
  when(
    "touch with a bad exptime and noreply (silenced)",
    "touch a x noreply\r\n",
    silenced(Reply.INVALID_EXPTIME),
  ),
  when(
    "incr with a 251-byte key and noreply (silenced)",
    `incr ${KEY_251} 1 noreply\r\n`,
    silenced(Reply.BAD_COMMAND_LINE),
  ),
  when("flush_all with a delay of 2^63", "flush_all 9223372036854775808\r\n", BAD_EXPTIME),
  // verbosity
  when("verbosity with a non-numeric level", "verbosity x\r\n", BAD_LINE),
  when("verbosity with a negative level", "verbosity -1\r\n", BAD_LINE),
];

describe("TextParser: malformed requests", () => {
  for (const { name, input, expected } of MALFORMED) {
    test(`Should answer ${name}`, () => {
      expectParsedEveryWay(input, expected);
    });
  }

  test("Should keep parsing after each malformed request in a pipelined run", () => {
    const input = concatBytes(...MALFORMED.map((item) => item.input));
    const expected = MALFORMED.flatMap((item) => item.expected);
    for (const size of CHUNK_SIZES) {
      expect(parseChunks(chunked(input, size))).toEqual(expected);
    }
    expect(parseChunks([input])).toEqual(expected);
  });
});

// ---- lenient forms memcached accepts ----

describe("TextParser: lenient forms", () => {
  const cases: Case[] = [
    when("extra tokens after touch", "touch a 0 extra\r\n", touch("a")),
    when("extra tokens after incr", "incr a 1 extra\r\n", delta("incr", "a", 1n)),
    when("a second flush_all argument that is not noreply", "flush_all 3 2\r\n", flushAll(2)),
    when("a second verbosity argument that is not noreply", "verbosity 1 2\r\n", verbosity()),
    when("arguments after version", "version x\r\n", version),
    when("arguments after quit", "quit now\r\n", quit),
    when("leading spaces", "   get a\r\n", retrieval("get", "a")),
    when("a key ending in a carriage return", "get a\r\r\n", retrieval("get", "a\r")),
    when("a command ending in a carriage return", "version\r\r\n", ERROR),
    when("stats followed by spaces", "stats  \r\n", stats()),
  ];
  for (const { name, input, expected } of cases) {
    test(`Should accept ${name} as memcached does`, () => {
      expectParsedEveryWay(input, expected);
    });
  }
});

// ---- flush_all delays ----

// memcached flushes what was stored up to one second before the time it is
// given, so every delay is one second shorter than written.
describe("TextParser: flush_all delays", () => {
  const nowSeconds = NOW_MS / 1000;
  const cases: Case[] = [
    when("a negative delay as no delay", "flush_all -1\r\n", flushAll(0)),
    when("a delay of 1 second as no delay, as memcached does", "flush_all 1\r\n", flushAll(0)),
    when("a delay of 2 seconds as 1", "flush_all 2\r\n", flushAll(1)),
    when("a delay of 30 days as relative", "flush_all 2592000\r\n", flushAll(2591999)),
    when("a delay over 30 days as a Unix time", `flush_all ${nowSeconds + 60}\r\n`, flushAll(59)),
    when("a Unix time in the past as no delay", `flush_all ${nowSeconds - 60}\r\n`, flushAll(0)),
    when("the current Unix time as no delay", `flush_all ${nowSeconds}\r\n`, flushAll(0)),
    when(
      "a delay kept in 32 bits as memcached does (2^32 + 5 is 5)",
      "flush_all 4294967301\r\n",
      flushAll(4),
    ),
    when(
      "a delay that is negative in 32 bits as no delay",
      "flush_all 2147483648\r\n",
      flushAll(0),
    ),
  ];
  for (const { name, input, expected } of cases) {
    test(`Should read ${name}`, () => {
      expectParsedEveryWay(input, expected);
    });
  }
});

// ---- values over the item size limit ----

describe("TextParser: values over the item size limit", () => {
  const big = `${"x".repeat(MAX_ITEM_SIZE - 8)}\r\nget x\r\n${"y".repeat(100)}`;

  test("Should report too_large and skip the data, however it is chunked", () => {
    const input = latin1Bytes(`set big 0 0 ${big.length}\r\n${big}\r\nget a\r\n`);
    expectParsedEveryWay(input, [tooLarge("set", "big"), retrieval("get", "a")]);
  });

  test("Should keep noreply on a too_large request", () => {
    const input = latin1Bytes(`append big 0 0 ${big.length} noreply\r\n${big}\r\nversion\r\n`);
    expectParsedEveryWay(input, [tooLarge("append", "big", true), version]);
  });

  test("Should report a too_large cas", () => {
    const input = latin1Bytes(`cas big 0 0 ${big.length} 5\r\n${big}\r\nversion\r\n`);
    expect(parseChunks(chunked(input, 100))).toEqual([tooLarge("cas", "big"), version]);
  });

  test("Should skip a very large value without buffering it", () => {
    const parser = newParser();
    const length = 10 * 1024 * 1024;
    parser.push(latin1Bytes(`set huge 0 0 ${length}\r\n`));
    expect(parser.next()).toBeUndefined();
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    let pushed = 0;
    while (pushed < length) {
      const piece = chunk.subarray(0, Math.min(chunk.length, length - pushed));
      parser.push(piece);
      pushed += piece.length;
      expect(parser.bufferedBytes).toBe(0);
      expect(parser.next()).toBeUndefined();
    }
    parser.push(latin1Bytes("\r\nversion\r\n"));
    expect(snapshot(parser.next() as Request)).toEqual(tooLarge("set", "huge"));
    expect(snapshot(parser.next() as Request)).toEqual(version);
    expect(parser.next()).toBeUndefined();
  });
});

// ---- connections that are not memcached clients ----

describe("TextParser: closing the connection", () => {
  const keys = Array.from({ length: 600 }, (_, index) => `k${String(index).padStart(5, "0")}`);
  const longGet = `get ${keys.join(" ")}`;

  test("Should wait for a line of 2048 bytes without a newline", () => {
    expect(parseChunks([latin1Bytes("x".repeat(2048))])).toEqual([]);
  });

  test("Should close on a line over 2048 bytes without a newline", () => {
    expect(parseChunks([latin1Bytes("x".repeat(2049))])).toEqual([close]);
    expect(parseChunks(chunked(latin1Bytes("x".repeat(3000)), 64))).toEqual([close]);
  });

  test("Should close on an overlong storage line", () => {
    expect(parseChunks(chunked(latin1Bytes(`set ${"k".repeat(3000)} 0 0 1`), 512))).toEqual([
      close,
    ]);
  });

  test("Should parse an overlong line that arrives with its newline", () => {
    const input = latin1Bytes(`${"x".repeat(3000)}\r\nversion\r\n`);
    expect(parseChunks([input])).toEqual([ERROR, version]);
  });

  test("Should wait for the end of an overlong get line", () => {
    const input = latin1Bytes(`${longGet}\r\n`);
    expect(input.length).toBeGreaterThan(4096);
    for (const size of [64, 1000, 2049]) {
      expect(parseChunks(chunked(input, size))).toEqual([retrieval("get", ...keys)]);
    }
  });

  test("Should wait for an overlong gets line after up to 100 leading spaces", () => {
    const input = latin1Bytes(`${" ".repeat(100)}gets ${keys.join(" ")}\r\n`);
    expect(parseChunks(chunked(input, 64))).toEqual([retrieval("gets", ...keys)]);
  });

  test("Should close on an overlong get line after more than 100 leading spaces", () => {
    expect(parseChunks([latin1Bytes(`${" ".repeat(101)}${longGet}`)])).toEqual([close]);
  });

  test("Should close on an overlong gat line, as memcached does", () => {
    expect(parseChunks([latin1Bytes(`gat 0 ${keys.join(" ")}`)])).toEqual([close]);
    expect(parseChunks([latin1Bytes(`gats 0 ${keys.join(" ")}`)])).toEqual([close]);
  });

  const http: Case[] = [
    when("a browser's request line", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", close),
    when("a POST request line", "POST /x HTTP/1.0\r\n", close),
    when("a line of one HTTP/ token", "HTTP/1.1\r\n", close),
    when("an HTTP/ token after spaces", "OPTIONS  *  HTTP/1.1\n", close),
  ];
  for (const { name, input, expected } of http) {
    test(`Should close on ${name}`, () => {
      expectParsedEveryWay(input, expected);
    });
  }

  const notHttp: Case[] = [
    when(
      "a get whose keys look like HTTP",
      "get / HTTP/1.1\r\n",
      retrieval("get", "/", "HTTP/1.1"),
    ),
    when("an unknown command whose HTTP/ token is not last", "foo HTTP/1.1 x\r\n", ERROR),
    when("a one-letter command (memcached refuses it first)", "x HTTP/1.1\r\n", ERROR),
    when(
      "an unknown command starting like a get (memcached dispatches on g)",
      "gett / HTTP/1.1\r\n",
      ERROR,
    ),
    when("an unknown command starting like a set", "sets / HTTP/1.1\r\n", ERROR),
    when("an unknown command starting like add", "ab HTTP/1.1\r\n", ERROR),
    when("a two-letter meta-like command", "mz HTTP/1.1\r\n", ERROR),
    when("a set with too few tokens", "set / HTTP/1.1\r\n", ERROR),
    when("a lowercase http/ token", "foo http/1.1\r\n", ERROR),
    when("one of memcached's admin commands", "lru_crawler / HTTP/1.1\r\n", ERROR),
    when("memcached's watch command", "watch HTTP/1.1\r\n", ERROR),
  ];
  for (const { name, input, expected } of notHttp) {
    test(`Should not close on ${name}`, () => {
      expectParsedEveryWay(input, expected);
    });
  }

  test("Should close on an HTTP/ token among memcached's first 23 tokens only", () => {
    const filler = Array.from({ length: 30 }, () => "x").join(" ");
    expect(parseChunks([latin1Bytes(`POST ${filler} HTTP/1.1\r\n`)])).toEqual([ERROR]);
    const fits = Array.from({ length: 21 }, () => "x").join(" ");
    expect(parseChunks([latin1Bytes(`POST ${fits} HTTP/1.1\r\n`)])).toEqual([close]);
  });
});
