/**
 * The binary protocol decoder, fed the way a socket feeds it: every request
 * whole, split in two at every byte offset, and in chunks of 1, 2, 3, 5, 7,
 * 13 and 64 bytes (after pg-protocol's inbound-parser test). However the
 * bytes arrive, the decoded requests must be the same.
 *
 * Framing and errors follow memcached 1.6.18's proto_bin.c, checked against
 * the real server by test/e2e/binary-differential.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { Opcode, Status } from "../../../src/protocol/binary/constants.ts";
import { BinaryDecoder, type BinaryRequest } from "../../../src/protocol/binary/decoder.ts";
import {
  delta,
  get,
  noop,
  request,
  set,
  simple,
  store,
  uint32s,
} from "../../support/binary-frames.ts";
import { concatBytes, latin1Text } from "../../support/bytes.ts";
import { expectSameEveryWay, randomSplittings } from "../../support/split-input.ts";

const MAX_ITEM_SIZE = 1024;

type Decoded = Record<string, unknown>;

/** Byte fields as Latin-1 strings: views are only valid until the next push. */
function snapshot(decoded: BinaryRequest): Decoded {
  const copy: Decoded = {};
  for (const [name, value] of Object.entries(decoded)) {
    copy[name] = value instanceof Uint8Array ? latin1Text(value) : value;
  }
  return copy;
}

function decodeChunks(chunks: readonly Uint8Array[], maxItemSize = MAX_ITEM_SIZE): Decoded[] {
  const decoder = new BinaryDecoder({ maxItemSize });
  const requests: Decoded[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let next = decoder.next(); next !== undefined; next = decoder.next()) {
      requests.push(next.kind === "close" ? { kind: "close" } : snapshot(next));
    }
  }
  return requests;
}

function expectDecodedEveryWay(data: Uint8Array, expected: Decoded[], maxItemSize?: number) {
  expectSameEveryWay(data, expected, (chunks) => decodeChunks(chunks, maxItemSize));
}

// ---- expectations ----

const frame = (opcode: number, opaque = 0, cas = 0n, quiet = false) => ({
  opcode,
  opaque,
  cas,
  quiet,
});
const error = (opcode: number, status: number, close: boolean, opaque = 0): Decoded => ({
  ...frame(opcode, opaque),
  kind: "error",
  status,
  close,
});
const CLOSE: Decoded = { kind: "close" };

interface Case {
  name: string;
  input: Uint8Array;
  expected: Decoded[];
}
const when = (name: string, input: Uint8Array, ...expected: Decoded[]): Case => ({
  name,
  input,
  expected,
});

const EVERY_BYTE = String.fromCharCode(...Array.from({ length: 256 }, (_, index) => index));

const WELL_FORMED: Case[] = [
  when("get", get("key", 7), { ...frame(Opcode.GET, 7), kind: "get", key: "key", withKey: false }),
  when("getq", get("key", 8, Opcode.GETQ), {
    ...frame(Opcode.GETQ, 8, 0n, true),
    kind: "get",
    key: "key",
    withKey: false,
  }),
  when("getk", get("key", 9, Opcode.GETK), {
    ...frame(Opcode.GETK, 9),
    kind: "get",
    key: "key",
    withKey: true,
  }),
  when("getkq", get("key", 10, Opcode.GETKQ), {
    ...frame(Opcode.GETKQ, 10, 0n, true),
    kind: "get",
    key: "key",
    withKey: true,
  }),
  when("set with every byte value", set("k\xff", EVERY_BYTE, 0xdeadbeef, 0xffffffff), {
    ...frame(Opcode.SET, 0xffffffff),
    kind: "store",
    mode: "set",
    key: "k\xff",
    value: EVERY_BYTE,
    flags: 0xdeadbeef,
    expiration: 0,
  }),
  when("setq with a cas and an empty value", store(Opcode.SETQ, "k", "", { cas: 2n ** 64n - 1n }), {
    ...frame(Opcode.SETQ, 0, 2n ** 64n - 1n, true),
    kind: "store",
    mode: "set",
    key: "k",
    value: "",
    flags: 0,
    expiration: 0,
  }),
  when("add", store(Opcode.ADD, "k", "v", { expiration: 3600 }), {
    ...frame(Opcode.ADD),
    kind: "store",
    mode: "add",
    key: "k",
    value: "v",
    flags: 0,
    expiration: 3600,
  }),
  when("replaceq", store(Opcode.REPLACEQ, "k", "v"), {
    ...frame(Opcode.REPLACEQ, 0, 0n, true),
    kind: "store",
    mode: "replace",
    key: "k",
    value: "v",
    flags: 0,
    expiration: 0,
  }),
  when("append", request({ opcode: Opcode.APPEND, key: "k", value: "tail" }), {
    ...frame(Opcode.APPEND),
    kind: "concat",
    mode: "append",
    key: "k",
    value: "tail",
  }),
  when("prependq", request({ opcode: Opcode.PREPENDQ, key: "k", value: "head" }), {
    ...frame(Opcode.PREPENDQ, 0, 0n, true),
    kind: "concat",
    mode: "prepend",
    key: "k",
    value: "head",
  }),
  when("delete with a cas", request({ opcode: Opcode.DELETE, key: "k", cas: 5n }), {
    ...frame(Opcode.DELETE, 0, 5n),
    kind: "delete",
    key: "k",
  }),
  when("increment", delta(Opcode.INCREMENT, "n", 2n ** 64n - 1n, 42n, 0), {
    ...frame(Opcode.INCREMENT),
    kind: "delta",
    direction: "incr",
    key: "n",
    delta: 2n ** 64n - 1n,
    initial: 42n,
    createOnMiss: true,
  }),
  when("decrementq that must not create", delta(Opcode.DECREMENTQ, "n", 1n, 0n, 0xffffffff), {
    ...frame(Opcode.DECREMENTQ, 0, 0n, true),
    kind: "delta",
    direction: "decr",
    key: "n",
    delta: 1n,
    initial: 0n,
    createOnMiss: false,
  }),
  when("touch", request({ opcode: Opcode.TOUCH, key: "k", extras: uint32s(10) }), {
    ...frame(Opcode.TOUCH),
    kind: "touch",
    key: "k",
    expiration: 10,
  }),
  when("gatkq", request({ opcode: Opcode.GATKQ, key: "k", extras: uint32s(10) }), {
    ...frame(Opcode.GATKQ, 0, 0n, true),
    kind: "get_and_touch",
    key: "k",
    withKey: true,
    expiration: 10,
  }),
  when("flush", simple(Opcode.FLUSH, 1), {
    ...frame(Opcode.FLUSH, 1),
    kind: "flush",
    delaySeconds: 0,
  }),
  when("flushq with a delay", request({ opcode: Opcode.FLUSHQ, extras: uint32s(30) }), {
    ...frame(Opcode.FLUSHQ, 0, 0n, true),
    kind: "flush",
    delaySeconds: 30,
  }),
  when("stat", simple(Opcode.STAT), { ...frame(Opcode.STAT), kind: "stat", group: "" }),
  when("stat settings", request({ opcode: Opcode.STAT, key: "settings" }), {
    ...frame(Opcode.STAT),
    kind: "stat",
    group: "settings",
  }),
  when("noop", noop(3), { ...frame(Opcode.NOOP, 3), kind: "noop" }),
  when("version", simple(Opcode.VERSION), { ...frame(Opcode.VERSION), kind: "version" }),
  when("quitq", simple(Opcode.QUITQ), { ...frame(Opcode.QUITQ, 0, 0n, true), kind: "quit" }),
];

describe("BinaryDecoder: well-formed requests", () => {
  for (const { name, input, expected } of WELL_FORMED) {
    test(`Should decode ${name} whole, split anywhere and in small chunks`, () => {
      expectDecodedEveryWay(input, expected);
    });
  }

  test("Should decode every request pipelined in one run, however it is chunked", () => {
    const input = concatBytes(...WELL_FORMED.map((item) => item.input));
    expectDecodedEveryWay(
      input,
      WELL_FORMED.flatMap((item) => item.expected),
    );
  });

  test("Should decode a pipeline of quiet sets ended by a noop", () => {
    const sets = Array.from({ length: 50 }, (_, index) =>
      store(Opcode.SETQ, `key${index}`, `value${index}`, { opaque: index }),
    );
    const expected = sets.map((_, index) => ({
      ...frame(Opcode.SETQ, index, 0n, true),
      kind: "store",
      mode: "set",
      key: `key${index}`,
      value: `value${index}`,
      flags: 0,
      expiration: 0,
    }));
    expectDecodedEveryWay(concatBytes(...sets, noop(99)), [
      ...expected,
      { ...frame(Opcode.NOOP, 99), kind: "noop" },
    ]);
  });

  test("Should decode a pipeline of quiet gets of every kind ended by a noop", () => {
    const input = concatBytes(
      get("a", 1, Opcode.GETQ),
      get("b", 2, Opcode.GETKQ),
      request({ opcode: Opcode.GATQ, key: "c", extras: uint32s(0), opaque: 3 }),
      noop(4),
    );
    expectDecodedEveryWay(input, [
      { ...frame(Opcode.GETQ, 1, 0n, true), kind: "get", key: "a", withKey: false },
      { ...frame(Opcode.GETKQ, 2, 0n, true), kind: "get", key: "b", withKey: true },
      {
        ...frame(Opcode.GATQ, 3, 0n, true),
        kind: "get_and_touch",
        key: "c",
        withKey: false,
        expiration: 0,
      },
      { ...frame(Opcode.NOOP, 4), kind: "noop" },
    ]);
  });

  test("Should decode a pipelined run in random chunk sizes", () => {
    const input = concatBytes(...WELL_FORMED.map((item) => item.input));
    const expected = WELL_FORMED.flatMap((item) => item.expected);
    for (const chunks of randomSplittings(input, { rounds: 50, maxSize: 100, seed: 4242 })) {
      expect(decodeChunks(chunks)).toEqual(expected);
    }
  });

  test("Should hand out nothing for an incomplete frame", () => {
    const whole = set("k", "value");
    for (let length = 0; length < whole.length; length++) {
      expect(decodeChunks([whole.slice(0, length)])).toEqual([]);
    }
  });
});

// ---- malformed frames ----

const MALFORMED: Case[] = [
  when(
    "a wrong magic byte first",
    concatBytes(request({ opcode: Opcode.NOOP, magic: 0x81 })),
    CLOSE,
  ),
  when(
    "a wrong magic byte mid-stream, and nothing after it",
    concatBytes(noop(1), request({ opcode: Opcode.NOOP, magic: 0x00 }), noop(2)),
    { ...frame(Opcode.NOOP, 1), kind: "noop" },
    CLOSE,
  ),
  when(
    "a body shorter than key plus extras",
    concatBytes(request({ opcode: Opcode.GET, key: "abc", bodyLength: 2 }), noop()),
    error(Opcode.GET, Status.UNKNOWN_COMMAND, true),
  ),
  when(
    "a key of 251 bytes",
    concatBytes(get("k".repeat(251), 5), noop()),
    error(Opcode.GET, Status.INVALID_ARGUMENTS, true, 5),
  ),
  when(
    "a get with extras",
    request({ opcode: Opcode.GET, key: "k", extras: uint32s(1) }),
    error(Opcode.GET, Status.INVALID_ARGUMENTS, true),
  ),
  when("a get without a key", request({ opcode: Opcode.GETQ }), {
    ...error(Opcode.GETQ, Status.INVALID_ARGUMENTS, true),
    quiet: true,
  }),
  when(
    "a set without extras",
    request({ opcode: Opcode.SET, key: "k", value: "v" }),
    error(Opcode.SET, Status.INVALID_ARGUMENTS, true),
  ),
  when(
    "an append with extras",
    request({ opcode: Opcode.APPEND, key: "k", extras: uint32s(0, 0), value: "v" }),
    error(Opcode.APPEND, Status.INVALID_ARGUMENTS, true),
  ),
  when(
    "an increment with a value",
    request({
      opcode: Opcode.INCREMENT,
      key: "n",
      extras: new Uint8Array(20),
      value: "x",
    }),
    error(Opcode.INCREMENT, Status.INVALID_ARGUMENTS, true),
  ),
  when(
    "a noop with a body",
    request({ opcode: Opcode.NOOP, value: "x" }),
    error(Opcode.NOOP, Status.INVALID_ARGUMENTS, true),
  ),
  when(
    "a flush with a key",
    request({ opcode: Opcode.FLUSH, key: "k" }),
    error(Opcode.FLUSH, Status.INVALID_ARGUMENTS, true),
  ),
  when(
    "a touch without extras",
    request({ opcode: Opcode.TOUCH, key: "k" }),
    error(Opcode.TOUCH, Status.INVALID_ARGUMENTS, true),
  ),
  when(
    "a stat with extras",
    request({ opcode: Opcode.STAT, extras: uint32s(0) }),
    error(Opcode.STAT, Status.INVALID_ARGUMENTS, true),
  ),
  when(
    "an unknown opcode, its body skipped",
    concatBytes(request({ opcode: 0x50, value: "whatever" }), noop(2)),
    error(0x50, Status.UNKNOWN_COMMAND, false),
    { ...frame(Opcode.NOOP, 2), kind: "noop" },
  ),
  when(
    "verbosity, which memcached 1.6.18 does not know: it skips 4 bytes of the next frame",
    concatBytes(request({ opcode: Opcode.VERBOSITY, extras: uint32s(1) }), noop(2)),
    error(Opcode.VERBOSITY, Status.UNKNOWN_COMMAND, false),
  ),
  when(
    "an unknown opcode with a key, which skips into the next frame as memcached does",
    concatBytes(request({ opcode: 0x50, key: "abc" }), noop(1), noop(2)),
    error(0x50, Status.UNKNOWN_COMMAND, false),
    CLOSE,
  ),
  when(
    "SASL list mechanisms without SASL",
    concatBytes(simple(Opcode.SASL_LIST_MECHS, 4), noop(5)),
    error(Opcode.SASL_LIST_MECHS, Status.UNKNOWN_COMMAND, false, 4),
    { ...frame(Opcode.NOOP, 5), kind: "noop" },
  ),
  when(
    "SASL auth without SASL, its data skipped",
    concatBytes(request({ opcode: Opcode.SASL_AUTH, key: "PLAIN", value: "\0u\0p" }), noop(5)),
    error(Opcode.SASL_AUTH, Status.UNKNOWN_COMMAND, false),
    { ...frame(Opcode.NOOP, 5), kind: "noop" },
  ),
  when(
    "a stat whose body is longer than its key: the rest is the next frame",
    concatBytes(request({ opcode: Opcode.STAT, bodyLength: 24 }), noop(6)),
    { ...frame(Opcode.STAT), kind: "stat", group: "" },
    { ...frame(Opcode.NOOP, 6), kind: "noop" },
  ),
  when(
    "a set over the item size, skipped",
    concatBytes(set("big", "x".repeat(MAX_ITEM_SIZE + 1), 0, 3), noop(4)),
    { ...frame(Opcode.SET, 3), kind: "too_large", mode: "set", key: "big" },
    { ...frame(Opcode.NOOP, 4), kind: "noop" },
  ),
  when(
    "an appendq over the item size, skipped",
    concatBytes(
      request({ opcode: Opcode.APPENDQ, key: "big", value: "x".repeat(MAX_ITEM_SIZE + 1) }),
      noop(4),
    ),
    { ...frame(Opcode.APPENDQ, 0, 0n, true), kind: "too_large", mode: "append", key: "big" },
    { ...frame(Opcode.NOOP, 4), kind: "noop" },
  ),
];

describe("BinaryDecoder: malformed frames", () => {
  for (const { name, input, expected } of MALFORMED) {
    test(`Should report ${name} whole, split anywhere and in small chunks`, () => {
      expectDecodedEveryWay(input, expected);
    });
  }

  test("Should accept a value of exactly the item size", () => {
    expect(decodeChunks([set("k", "x".repeat(MAX_ITEM_SIZE))])[0]).toMatchObject({
      kind: "store",
    });
  });

  test("Should report a too-large value only once its bytes have been skipped", () => {
    const decoder = new BinaryDecoder({ maxItemSize: MAX_ITEM_SIZE });
    const frameBytes = set("big", "x".repeat(MAX_ITEM_SIZE * 10));
    decoder.push(frameBytes.subarray(0, 100));
    expect(decoder.next()).toBeUndefined();
    expect(decoder.bufferedBytes).toBe(0);
    decoder.push(frameBytes.subarray(100));
    expect(decoder.next()).toMatchObject({ kind: "too_large" });
  });

  test("Should skip a huge declared body without buffering it", () => {
    const decoder = new BinaryDecoder({ maxItemSize: MAX_ITEM_SIZE });
    decoder.push(request({ opcode: 0x50, bodyLength: 2 ** 31 - 1 }));
    const chunk = new Uint8Array(64 * 1024);
    for (let round = 0; round < 32; round++) {
      decoder.push(chunk);
      expect(decoder.next()).toBeUndefined();
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  test("Should answer a set whose body length overflows a signed int at once, skipping nothing", () => {
    const input = concatBytes(
      request({ opcode: Opcode.SET, key: "k", extras: uint32s(0, 0), bodyLength: 0xfffffff0 }),
      noop(1),
    );
    expect(decodeChunks([input])).toEqual([
      { ...frame(Opcode.SET), kind: "too_large", mode: "set", key: "k" },
      { ...frame(Opcode.NOOP, 1), kind: "noop" },
    ]);
  });

  test("Should close on a header, extras and key larger than memcached's read buffer", () => {
    const header = request({ opcode: Opcode.GET, keyLength: 0xffff, bodyLength: 0xffff });
    expect(decodeChunks([header])).toEqual([CLOSE]);
  });

  test("Should decode nothing after a frame that closes the connection", () => {
    const decoder = new BinaryDecoder({ maxItemSize: MAX_ITEM_SIZE });
    decoder.push(concatBytes(get("k".repeat(251)), noop()));
    expect(decoder.next()).toMatchObject({ kind: "error", close: true });
    decoder.push(noop());
    expect(decoder.next()).toBeUndefined();
    expect(decoder.bufferedBytes).toBe(0);
  });
});
