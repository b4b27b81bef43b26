/**
 * The binary differential corpus: frames sent to Debian's memcached and to
 * litecached, whose replies must be identical once cas values and the
 * version string are normalised (binary-differential.test.ts). Strings are
 * Latin-1, one character per byte.
 *
 * Every case gets its own key prefix `k` and its own connection. Each step
 * is one write, followed by a sentinel Noop whose reply ends the step;
 * `noSentinel` cases end by silence or a close instead.
 */
import { Opcode } from "../../src/protocol/binary/constants.ts";
import {
  delta,
  get,
  noop,
  type ResponseFrame,
  request,
  set,
  simple,
  store,
  uint32s,
} from "../support/binary-frames.ts";
import { concatBytes } from "../support/bytes.ts";
import type { DeliberateDifference } from "../support/differential.ts";

/** Closes the connection and continues the case on a new one. */
export const RECONNECT = Symbol("reconnect");

/** One write, RECONNECT, or a function of the frames received so far (to reuse a cas). */
export type Step = Uint8Array | typeof RECONNECT | ((frames: ResponseFrame[]) => Uint8Array);

export interface BinaryDifferentialCase {
  name: string;
  steps: (k: string) => Step[];
  deliberate?: DeliberateDifference;
  /** Send no sentinel: the case ends by silence or a close. */
  noSentinel?: boolean;
  /** Stat replies differ in their figures: compare their shape only. */
  statsShapeOnly?: boolean;
}

/** The item size limit both servers run with (memcached -I, litecached --max-item-size). */
export const ITEM_SIZE_LIMIT = "2m";
const MIB = 1024 * 1024;

/** The sentinel Noop's opaque: its reply marks the end of a step. */
export const SENTINEL_OPAQUE = 0x5e17_1e1;
export const SENTINEL = noop(SENTINEL_OPAQUE);

const EVERY_BYTE = String.fromCharCode(...Array.from({ length: 256 }, (_, index) => index));
const keyOfLength = (k: string, length: number) => k + "x".repeat(length - k.length);
const cat = (...parts: Uint8Array[]) => concatBytes(...parts);
const touchFrame = (opcode: number, key: string, opaque = 0) =>
  request({ opcode, key, extras: uint32s(3600), opaque });
const add = (key: string, value: string, cas?: bigint) => store(Opcode.ADD, key, value, { cas });
const replace = (key: string, value: string, cas?: bigint) =>
  store(Opcode.REPLACE, key, value, { cas });
const concat = (opcode: number, key: string, value: string, cas?: bigint) =>
  request({ opcode, key, value, cas });
const incr = (key: string, amount: bigint, initial = 0n, expiration = 0) =>
  delta(Opcode.INCREMENT, key, amount, initial, expiration);
const decr = (key: string, amount: bigint, initial = 0n, expiration = 0) =>
  delta(Opcode.DECREMENT, key, amount, initial, expiration);
const NO_CREATE = 0xffff_ffff;

/** The cas of the last successful reply whose opaque is `opaque`. */
function casOf(frames: ResponseFrame[], opaque: number): bigint {
  const frame = frames.filter((item) => item.opaque === opaque && item.status === 0).at(-1);
  if (frame === undefined) throw new Error(`no reply with opaque ${opaque}`);
  return frame.cas;
}

function bigValue(size: number): Uint8Array {
  const value = new Uint8Array(size);
  for (let index = 0; index < size; index++) value[index] = (index * 31 + 7) & 0xff;
  return value;
}

export const BINARY_DIFFERENTIAL_CASES: BinaryDifferentialCase[] = [
  // ---- get family ----
  {
    name: "A set followed by a get returns flags, cas and value",
    steps: (k) => [cat(set(`${k}a`, "hello", 0x1234, 1), get(`${k}a`, 2))],
  },
  {
    name: "A get of a missing key is Not found",
    steps: (k) => [get(`${k}missing`, 3)],
  },
  {
    name: "A getk of a missing key echoes the key with Not found",
    steps: (k) => [get(`${k}missing`, 3, Opcode.GETK)],
  },
  {
    name: "A getk hit carries the key",
    steps: (k) => [cat(set(`${k}a`, "v", 5), get(`${k}a`, 4, Opcode.GETK))],
  },
  {
    name: "A getq miss is silent and a getq hit answers",
    steps: (k) => [
      cat(
        set(`${k}a`, "v"),
        get(`${k}nope`, 1, Opcode.GETQ),
        get(`${k}a`, 2, Opcode.GETQ),
        noop(3),
      ),
    ],
  },
  {
    name: "A multiget of getkq frames ended by a noop answers only the hits, in order",
    steps: (k) => {
      const sets = [1, 4, 7].map((index) => set(`${k}${index}`, `value${index}`, index));
      const gets = Array.from({ length: 10 }, (_, index) =>
        get(`${k}${index}`, index, Opcode.GETKQ),
      );
      return [cat(...sets, ...gets, noop(99))];
    },
  },
  {
    name: "A value with every byte value comes back byte for byte",
    steps: (k) => [cat(set(`${k}a`, EVERY_BYTE), get(`${k}a`))],
  },
  {
    name: "An empty value is stored and returned",
    steps: (k) => [cat(set(`${k}a`, ""), get(`${k}a`, 1, Opcode.GETK))],
  },
  {
    name: "A key of 250 bytes works with set and get",
    steps: (k) => [cat(set(keyOfLength(k, 250), "v"), get(keyOfLength(k, 250), 1, Opcode.GETK))],
  },
  {
    name: "A key with NUL, CR, LF, space and 0xff bytes is its own key",
    steps: (k) => [
      cat(set(`${k}\0 \r\n\xff`, "odd"), get(`${k}\0 \r\n\xff`, 1, Opcode.GETK), get(`${k}`, 2)),
    ],
  },
  {
    name: "The largest flags value is kept",
    steps: (k) => [cat(set(`${k}a`, "v", 0xffff_ffff), get(`${k}a`))],
  },
  {
    name: "A value of 1 MiB comes back whole",
    steps: (k) => [cat(set(`${k}a`, bigValue(MIB)), get(`${k}a`))],
  },
  {
    name: "A nonzero data type and vbucket are ignored",
    steps: (k) => [
      cat(
        set(`${k}a`, "v"),
        request({ opcode: Opcode.GET, key: `${k}a`, dataType: 1, vbucket: 7 }),
      ),
    ],
  },

  // ---- set, add, replace and cas ----
  {
    name: "Each set gives a new cas",
    steps: (k) => [cat(set(`${k}a`, "1"), set(`${k}a`, "2"), get(`${k}a`))],
  },
  {
    name: "add stores a missing key and refuses an existing one",
    steps: (k) => [cat(add(`${k}a`, "first"), add(`${k}a`, "second"), get(`${k}a`))],
  },
  {
    name: "replace refuses a missing key and overwrites an existing one",
    steps: (k) => [
      cat(replace(`${k}a`, "x"), set(`${k}a`, "old", 1), replace(`${k}a`, "new"), get(`${k}a`)),
    ],
  },
  {
    name: "A set with the current cas stores",
    steps: (k) => [
      cat(set(`${k}a`, "old", 0, 1)),
      (frames) => cat(store(Opcode.SET, `${k}a`, "new", { cas: casOf(frames, 1) }), get(`${k}a`)),
    ],
  },
  {
    name: "A set with a stale cas is Data exists and keeps the value",
    steps: (k) => [
      cat(set(`${k}a`, "old", 0, 1)),
      (frames) =>
        cat(
          set(`${k}a`, "newer"),
          store(Opcode.SET, `${k}a`, "new", { cas: casOf(frames, 1) }),
          get(`${k}a`),
        ),
    ],
  },
  {
    name: "A set with a cas on a missing key is Not found",
    steps: (k) => [cat(store(Opcode.SET, `${k}a`, "v", { cas: 12345n }), get(`${k}a`))],
  },
  {
    name: "An add with a cas acts as a cas, as in memcached",
    steps: (k) => [
      cat(set(`${k}a`, "old", 0, 1)),
      (frames) => cat(add(`${k}a`, "new", casOf(frames, 1)), get(`${k}a`), add(`${k}a`, "x", 1n)),
    ],
  },
  {
    name: "A replace with a wrong cas is Data exists",
    steps: (k) => [cat(set(`${k}a`, "old"), replace(`${k}a`, "new", 999_999_999n), get(`${k}a`))],
  },
  {
    name: "Quiet sets are silent and a noop ends the batch",
    steps: (k) => [
      cat(
        store(Opcode.SETQ, `${k}a`, "1", { opaque: 1 }),
        store(Opcode.SETQ, `${k}b`, "2", { opaque: 2 }),
        store(Opcode.ADDQ, `${k}c`, "3", { opaque: 3 }),
        noop(4),
        get(`${k}a`),
        get(`${k}c`),
      ),
    ],
  },
  {
    name: "A failing quiet add and replace still answer their errors",
    steps: (k) => [
      cat(
        set(`${k}a`, "v"),
        store(Opcode.ADDQ, `${k}a`, "x", { opaque: 1 }),
        store(Opcode.REPLACEQ, `${k}nope`, "x", { opaque: 2 }),
        store(Opcode.SETQ, `${k}b`, "x", { opaque: 3, cas: 77n }),
        noop(4),
      ),
    ],
  },
  {
    name: "An expiration is accepted",
    steps: (k) => [cat(store(Opcode.SET, `${k}a`, "v", { expiration: 3600 }), get(`${k}a`))],
  },
  {
    name: "A value over the item size limit is Too large and removes the old value",
    steps: (k) => [
      cat(set(`${k}a`, "old"), set(`${k}a`, bigValue(2 * MIB + 1), 0, 7), get(`${k}a`)),
    ],
  },
  {
    name: "A quiet add over the limit is Too large and keeps the old value",
    steps: (k) => [
      cat(
        set(`${k}a`, "old"),
        store(Opcode.ADDQ, `${k}a`, bigValue(3 * MIB), { opaque: 7 }),
        get(`${k}a`),
      ),
    ],
  },
  {
    name: "A set whose body length overflows a signed int is Too large at once",
    steps: (k) => [
      request({ opcode: Opcode.SET, key: `${k}a`, extras: uint32s(0, 0), bodyLength: 0xffff_fff0 }),
    ],
  },

  // ---- append and prepend ----
  {
    name: "append and prepend keep the flags and give a new cas",
    steps: (k) => [
      cat(
        set(`${k}a`, "mid", 42),
        concat(Opcode.APPEND, `${k}a`, ">"),
        concat(Opcode.PREPEND, `${k}a`, "<"),
        get(`${k}a`),
      ),
    ],
  },
  {
    name: "append to a missing key is Not stored",
    steps: (k) => [cat(concat(Opcode.APPEND, `${k}a`, "x"), concat(Opcode.PREPEND, `${k}a`, "x"))],
  },
  {
    name: "A quiet append to a missing key answers Not stored, a quiet prepend that works is silent",
    steps: (k) => [
      cat(
        concat(Opcode.APPENDQ, `${k}a`, "x"),
        set(`${k}b`, "b"),
        concat(Opcode.PREPENDQ, `${k}b`, "a"),
        noop(1),
        get(`${k}b`),
      ),
    ],
  },
  {
    name: "append with a matching cas works, with a stale one is Data exists",
    steps: (k) => [
      cat(set(`${k}a`, "v", 0, 1)),
      (frames) =>
        cat(
          concat(Opcode.APPEND, `${k}a`, "1", casOf(frames, 1)),
          concat(Opcode.APPEND, `${k}a`, "2", casOf(frames, 1)),
          get(`${k}a`),
        ),
    ],
  },
  {
    name: "An empty append is stored",
    steps: (k) => [cat(set(`${k}a`, "v"), concat(Opcode.APPEND, `${k}a`, ""), get(`${k}a`))],
  },
  {
    name: "An append over the item size limit is Too large",
    steps: (k) => [
      cat(
        set(`${k}a`, "v"),
        request({ opcode: Opcode.APPEND, key: `${k}a`, value: bigValue(2 * MIB + 100) }),
        get(`${k}a`),
      ),
    ],
  },

  // ---- delete ----
  {
    name: "delete removes a key, then is Not found",
    steps: (k) => [
      cat(
        set(`${k}a`, "v"),
        request({ opcode: Opcode.DELETE, key: `${k}a`, opaque: 1 }),
        request({ opcode: Opcode.DELETE, key: `${k}a`, opaque: 2 }),
        get(`${k}a`),
      ),
    ],
  },
  {
    name: "A quiet delete is silent on a hit and answers a miss",
    steps: (k) => [
      cat(
        set(`${k}a`, "v"),
        request({ opcode: Opcode.DELETEQ, key: `${k}a`, opaque: 1 }),
        request({ opcode: Opcode.DELETEQ, key: `${k}a`, opaque: 2 }),
        noop(3),
      ),
    ],
  },
  {
    name: "A delete with a stale cas is Data exists, with the current cas it deletes",
    steps: (k) => [
      cat(set(`${k}a`, "v", 0, 1)),
      (frames) =>
        cat(
          request({ opcode: Opcode.DELETE, key: `${k}a`, cas: casOf(frames, 1) + 1000n }),
          request({ opcode: Opcode.DELETE, key: `${k}a`, cas: casOf(frames, 1) }),
          get(`${k}a`),
        ),
    ],
  },

  // ---- increment and decrement ----
  {
    name: "incr adds to a number and answers the new value and cas",
    steps: (k) => [cat(set(`${k}n`, "10"), incr(`${k}n`, 5n), get(`${k}n`))],
  },
  {
    name: "incr of a missing key creates it with the initial value",
    steps: (k) => [cat(incr(`${k}n`, 5n, 100n), incr(`${k}n`, 5n, 100n), get(`${k}n`))],
  },
  {
    name: "incr and decr with an expiration of 0xffffffff fail on a miss",
    steps: (k) => [
      cat(incr(`${k}n`, 1n, 5n, NO_CREATE), decr(`${k}n`, 1n, 5n, NO_CREATE), get(`${k}n`)),
    ],
  },
  {
    name: "decr stops at zero and pads the shorter number with spaces",
    // Separate steps: memcached pads in place only when no unsent reply
    // still holds the item (a pipelined get's does), a timing detail.
    steps: (k) => [
      cat(set(`${k}n`, "100"), decr(`${k}n`, 1n), get(`${k}n`)),
      cat(decr(`${k}n`, 1000n)),
      cat(get(`${k}n`)),
    ],
  },
  {
    name: "incr wraps at 2^64",
    steps: (k) => [cat(set(`${k}n`, "18446744073709551615"), incr(`${k}n`, 2n), get(`${k}n`))],
  },
  {
    name: "incr grows a number past its length",
    steps: (k) => [cat(set(`${k}n`, "99", 3), incr(`${k}n`, 1n), get(`${k}n`))],
  },
  {
    name: "incr of a non-numeric value is refused",
    steps: (k) => [cat(set(`${k}n`, "abc"), incr(`${k}n`, 1n), decr(`${k}n`, 1n))],
  },
  {
    name: "incr of an empty value is non-numeric",
    steps: (k) => [cat(set(`${k}n`, ""), incr(`${k}n`, 1n))],
  },
  {
    name: "Quiet incr and decr are silent on success and answer a miss",
    steps: (k) => [
      cat(
        set(`${k}n`, "5"),
        delta(Opcode.INCREMENTQ, `${k}n`, 1n, 0n, 0),
        delta(Opcode.DECREMENTQ, `${k}n`, 3n, 0n, 0),
        delta(Opcode.DECREMENTQ, `${k}missing`, 3n, 0n, NO_CREATE),
        delta(Opcode.INCREMENTQ, `${k}made`, 3n, 9n, 0),
        noop(1),
        get(`${k}n`),
        get(`${k}made`),
      ),
    ],
  },
  {
    name: "incr with a stale cas is Data exists",
    steps: (k) => [
      cat(
        set(`${k}n`, "1"),
        delta(Opcode.INCREMENT, `${k}n`, 1n, 0n, 0, { cas: 987_654_321n }),
        get(`${k}n`),
      ),
    ],
  },
  {
    name: "incr with the current cas works",
    steps: (k) => [
      cat(set(`${k}n`, "1", 0, 1)),
      (frames) =>
        cat(delta(Opcode.INCREMENT, `${k}n`, 1n, 0n, 0, { cas: casOf(frames, 1) }), get(`${k}n`)),
    ],
  },

  // ---- touch and get-and-touch ----
  {
    name: "touch answers the flags of a hit and Not found for a miss",
    steps: (k) => [
      cat(
        set(`${k}a`, "v", 9),
        touchFrame(Opcode.TOUCH, `${k}a`),
        touchFrame(Opcode.TOUCH, `${k}b`),
      ),
    ],
  },
  {
    name: "gat and gatk answer like get and getk",
    steps: (k) => [
      cat(
        set(`${k}a`, "v", 9),
        touchFrame(Opcode.GAT, `${k}a`),
        touchFrame(Opcode.GATK, `${k}a`),
        touchFrame(Opcode.GAT, `${k}b`),
        touchFrame(Opcode.GATK, `${k}b`),
      ),
    ],
  },
  {
    name: "gatq and gatkq are silent on a miss",
    steps: (k) => [
      cat(
        set(`${k}a`, "v", 9),
        touchFrame(Opcode.GATQ, `${k}b`, 1),
        touchFrame(Opcode.GATKQ, `${k}b`, 2),
        touchFrame(Opcode.GATQ, `${k}a`, 3),
        touchFrame(Opcode.GATKQ, `${k}a`, 4),
        noop(5),
      ),
    ],
  },
  {
    name: "A touch whose body is longer than its key reads the rest as the next frame",
    steps: (k) => [
      cat(
        set(`${k}a`, "v"),
        request({
          opcode: Opcode.TOUCH,
          key: `${k}a`,
          extras: uint32s(0),
          bodyLength: 4 + k.length + 1 + 24,
        }),
        noop(8),
      ),
    ],
  },

  // ---- flush, noop, version, quit ----
  {
    name: "flush removes every item",
    steps: (k) => [cat(set(`${k}a`, "v"), simple(Opcode.FLUSH, 1), get(`${k}a`))],
  },
  {
    name: "A quiet flush is silent",
    steps: (k) => [cat(set(`${k}a`, "v"), simple(Opcode.FLUSHQ, 1), noop(2), get(`${k}a`))],
  },
  {
    name: "A flush with a zero delay in its extras flushes at once",
    steps: (k) => [
      cat(set(`${k}a`, "v"), request({ opcode: Opcode.FLUSH, extras: uint32s(0) }), get(`${k}a`)),
    ],
  },
  {
    name: "noop answers with its opaque",
    steps: () => [cat(noop(0xffff_ffff), noop(0))],
  },
  {
    name: "version answers the version",
    steps: () => [simple(Opcode.VERSION, 12)],
  },
  {
    name: "quit answers and closes",
    steps: (k) => [cat(set(`${k}a`, "v"), simple(Opcode.QUIT, 5), noop(6))],
    noSentinel: true,
  },
  {
    name: "A quiet quit closes without a reply, after the earlier replies",
    steps: (k) => [cat(get(`${k}a`, 1), simple(Opcode.QUITQ, 5), noop(6))],
    noSentinel: true,
  },

  // ---- stats ----
  {
    name: "stat without a key lists stats and ends with an empty frame",
    steps: () => [simple(Opcode.STAT, 3)],
    statsShapeOnly: true,
  },
  {
    name: "stat settings lists settings",
    steps: () => [request({ opcode: Opcode.STAT, key: "settings", opaque: 4 })],
    statsShapeOnly: true,
  },
  {
    name: "stat reset answers only the empty frame",
    steps: () => [request({ opcode: Opcode.STAT, key: "reset", opaque: 5 })],
  },
  {
    name: "stat detail on, off and dump",
    steps: () => [
      cat(
        request({ opcode: Opcode.STAT, key: "detail on" }),
        request({ opcode: Opcode.STAT, key: "detail off" }),
        request({ opcode: Opcode.STAT, key: "detail nonsense" }),
      ),
    ],
  },
  {
    name: "stat detail dump answers the text dump in one frame",
    steps: () => [request({ opcode: Opcode.STAT, key: "detail dump", opaque: 2 })],
  },
  {
    name: "stat groups are matched by prefix, as memcached's strncmp does",
    steps: () => [request({ opcode: Opcode.STAT, key: "resetting", opaque: 2 })],
  },
  {
    name: "stat items is matched whole: itemsx is Not found",
    steps: () => [request({ opcode: Opcode.STAT, key: "itemsx", opaque: 2 })],
  },
  {
    name: "An unknown stat group is Not found",
    steps: () => [
      cat(
        request({ opcode: Opcode.STAT, key: "nonsense" }),
        request({ opcode: Opcode.STAT, key: "conns" }),
      ),
    ],
  },

  // ---- SASL, unknown and unsupported opcodes ----
  {
    name: "SASL list mechanisms is an unknown command without SASL",
    steps: () => [simple(Opcode.SASL_LIST_MECHS, 3)],
  },
  {
    name: "SASL auth is an unknown command and its data is skipped",
    steps: () => [
      cat(request({ opcode: Opcode.SASL_AUTH, key: "PLAIN", value: "\0user\0password" }), noop(1)),
    ],
  },
  {
    name: "SASL step is an unknown command too",
    steps: () => [cat(request({ opcode: Opcode.SASL_STEP, key: "PLAIN", value: "x" }), noop(1))],
  },
  {
    name: "SASL auth without a mechanism is invalid and closes",
    steps: () => [request({ opcode: Opcode.SASL_AUTH, value: "x" })],
  },
  {
    name: "verbosity is an unknown command in memcached 1.6.18",
    steps: () => [simple(Opcode.VERBOSITY, 2)],
  },
  {
    name: "An unknown opcode skips its body and the connection goes on",
    steps: () => [cat(request({ opcode: 0x50, value: "some body", opaque: 1 }), noop(2))],
  },
  {
    name: "The range opcodes are unknown commands",
    steps: () => [cat(simple(0x30, 1), simple(0x3c, 2), simple(0xff, 3))],
  },
  {
    name: "An unknown opcode with a key skips into the next frame, as memcached does",
    steps: () => [cat(request({ opcode: 0x50, key: "abc", opaque: 1 }), noop(2))],
    noSentinel: true,
  },

  // ---- malformed frames ----
  {
    name: "A wrong magic byte after a frame closes the connection",
    steps: (k) => [cat(get(`${k}a`, 1), request({ opcode: Opcode.NOOP, magic: 0x81 }))],
    noSentinel: true,
  },
  {
    name: "A wrong magic byte after a get hit closes after sending the hit",
    steps: (k) => [
      cat(set(`${k}a`, "v", 0, 1), get(`${k}a`, 2), request({ opcode: Opcode.NOOP, magic: 0x81 })),
    ],
    noSentinel: true,
    deliberate: {
      reason:
        "README, binary protocol: a frame with a wrong magic byte closes the connection after the replies to the frames before it; memcached drops whichever of those it had not flushed yet",
      litecached: [
        'magic=0x81 op=0x01 status=0 keylen=0 extlen=0 type=0 bodylen=0 opaque=1 cas=<cas1> extras= key="" value=""',
        'magic=0x81 op=0x00 status=0 keylen=0 extlen=4 type=0 bodylen=5 opaque=2 cas=<cas1> extras=00000000 key="" value="v"',
        "<closed>",
      ].join("\n"),
    },
  },
  {
    name: "Text after binary frames closes the connection",
    steps: () => [cat(noop(1), new TextEncoder().encode("get some_key_name_long_enough\r\n"))],
    noSentinel: true,
  },
  {
    name: "A body shorter than key and extras is Unknown command and closes",
    steps: (k) => [
      cat(
        set(`${k}a`, "v", 0, 1),
        request({ opcode: Opcode.GET, key: `${k}a`, bodyLength: 1, opaque: 2 }),
        noop(3),
      ),
    ],
  },
  {
    name: "A key of 251 bytes is Invalid arguments and closes",
    steps: (k) => [cat(get(keyOfLength(k, 251), 4), noop(5))],
  },
  {
    name: "A set with a 251-byte key is Invalid arguments and closes",
    steps: (k) => [cat(set(keyOfLength(k, 251), "v", 0, 4), noop(5))],
  },
  {
    name: "A get with extras is Invalid arguments",
    steps: (k) => [request({ opcode: Opcode.GET, key: `${k}a`, extras: uint32s(0), opaque: 6 })],
  },
  {
    name: "A get without a key is Invalid arguments",
    steps: () => [simple(Opcode.GETQ, 6)],
  },
  {
    name: "A set without extras is Invalid arguments",
    steps: (k) => [request({ opcode: Opcode.SET, key: `${k}a`, value: "v" })],
  },
  {
    name: "A set without a key is Invalid arguments",
    steps: () => [request({ opcode: Opcode.SETQ, extras: uint32s(0, 0), value: "v" })],
  },
  {
    name: "An append with extras is Invalid arguments",
    steps: (k) => [
      request({ opcode: Opcode.APPEND, key: `${k}a`, extras: uint32s(0, 0), value: "v" }),
    ],
  },
  {
    name: "A delete with a value is Invalid arguments",
    steps: (k) => [request({ opcode: Opcode.DELETE, key: `${k}a`, value: "v" })],
  },
  {
    name: "An incr with short extras is Invalid arguments",
    steps: (k) => [request({ opcode: Opcode.INCREMENT, key: `${k}a`, extras: uint32s(0, 1) })],
  },
  {
    name: "A noop with a body is Invalid arguments",
    steps: () => [request({ opcode: Opcode.NOOP, value: "x", opaque: 3 })],
  },
  {
    name: "A version with a key is Invalid arguments",
    steps: () => [request({ opcode: Opcode.VERSION, key: "x" })],
  },
  {
    name: "A flush with eight bytes of extras is Invalid arguments",
    steps: () => [request({ opcode: Opcode.FLUSH, extras: uint32s(0, 0) })],
  },
  {
    name: "A touch without extras is Invalid arguments",
    steps: (k) => [request({ opcode: Opcode.TOUCH, key: `${k}a` })],
  },
  {
    name: "A quit with a body is Invalid arguments",
    steps: () => [request({ opcode: Opcode.QUIT, value: "x" })],
  },
  {
    name: "A protocol error after quiet hits keeps the earlier replies",
    steps: (k) => [
      cat(
        set(`${k}a`, "v"),
        get(`${k}a`, 1, Opcode.GETQ),
        get(`${k}b`, 2, Opcode.GETQ),
        request({ opcode: Opcode.NOOP, value: "x", opaque: 3 }),
      ),
    ],
  },
  {
    name: "A header whose key does not fit memcached's read buffer closes without a reply",
    steps: () => [
      cat(
        request({ opcode: Opcode.GET, keyLength: 20_000, bodyLength: 20_000 }),
        new Uint8Array(20_000),
      ),
    ],
    noSentinel: true,
  },
  {
    name: "Half a header is waited for, not answered",
    steps: () => [simple(Opcode.NOOP).subarray(0, 12)],
    noSentinel: true,
  },
  {
    name: "A frame whose value never arrives is not answered",
    steps: (k) => [set(`${k}a`, "0123456789").subarray(0, 24 + 8 + k.length + 1 + 5)],
    noSentinel: true,
  },
  {
    name: "A second connection sees the first one's writes",
    steps: (k) => [
      cat(set(`${k}a`, "v")),
      cat(get(`${k}a`)),
      RECONNECT,
      cat(get(`${k}a`, 1, Opcode.GETK)),
    ],
  },
];
