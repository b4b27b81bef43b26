/**
 * The differential corpus: byte sequences sent to Debian's memcached and to
 * litecached, whose replies must be identical (after cas tokens and the
 * version string are normalised). Strings are Latin-1: one character is one
 * byte, so "\xff" is the byte 0xff.
 *
 * Every case gets its own key prefix `k` and its own connection. Cases where
 * litecached differs on purpose (README.md, "Protocol") carry the reason and
 * the reply litecached must send instead.
 */
import { concatBytes } from "../support/bytes.ts";
import type { DeliberateDifference } from "../support/differential.ts";

/** Closes the connection and continues the case on a new one. */
export const RECONNECT = Symbol("reconnect");

/** Waits before the next step (for timers the server may have started). */
export interface Pause {
  pauseMs: number;
}

/**
 * One write (or RECONNECT, or a Pause). A function sees the raw replies
 * received so far (to reuse a cas value).
 */
export type Step =
  | string
  | Uint8Array
  | typeof RECONNECT
  | Pause
  | ((repliesSoFar: string) => string | Uint8Array);

export interface DifferentialCase {
  name: string;
  /** The writes of this case, given its key prefix; each is followed by the sentinel. */
  steps: (k: string) => Step[];
  deliberate?: DeliberateDifference;
  /** Send no sentinel: the case ends by closing the connection (an unfinished line). */
  noSentinel?: boolean;
}

/** The item size limit both servers run with (memcached -I, litecached --max-item-size). */
export const ITEM_SIZE_LIMIT = "2m";
const MIB = 1024 * 1024;

/** Sent after every step; its reply marks the end of the step's replies. */
export const SENTINEL = "version\r\n";
/** The normalised sentinel reply, as it appears in expected replies. */
export const V = "VERSION <version>\r\n";

const set = (key: string, value: string, flags = 0, command = "set") =>
  `${command} ${key} ${flags} 0 ${value.length}\r\n${value}\r\n`;

/** The cas token of `key` in the last `gets` reply for it. */
function casOf(replies: string, key: string): string {
  const pattern = new RegExp(`VALUE ${escapeRegExp(key)} \\d+ \\d+ (\\d+)\\r\\n`, "g");
  const matches = [...replies.matchAll(pattern)];
  const last = matches.at(-1);
  if (last === undefined) throw new Error(`no gets reply for ${key} in ${JSON.stringify(replies)}`);
  return last[1] as string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every byte value once, in order: the hardest value to keep byte-exact. */
const ALL_BYTES = Array.from({ length: 256 }, (_, byte) => String.fromCharCode(byte)).join("");

/** A key of exactly `length` bytes starting with the case prefix. */
const keyOfLength = (k: string, length: number) => k + "x".repeat(length - k.length);

/** A value of `size` bytes that is not all one byte (so a shifted block is noticed). */
function bigValue(size: number): Uint8Array {
  const value = new Uint8Array(size);
  for (let index = 0; index < size; index++) value[index] = (index * 31 + 7) & 0xff;
  return value;
}

export const DIFFERENTIAL_CASES: DifferentialCase[] = [
  // ---- set / get ----
  {
    name: "A set followed by a get returns the value",
    steps: (k) => [`${set(`${k}a`, "hello")}get ${k}a\r\n`],
  },
  {
    name: "A get of a missing key answers only END",
    steps: (k) => [`get ${k}missing\r\n`],
  },
  {
    name: "Flags are stored and returned",
    steps: (k) => [`${set(`${k}a`, "v", 1234)}get ${k}a\r\n`],
  },
  {
    name: "The largest 32-bit flags value is kept",
    steps: (k) => [`${set(`${k}a`, "v", 4294967295)}get ${k}a\r\n`],
  },
  {
    name: "Flags with a leading plus sign are accepted",
    steps: (k) => [`set ${k}a +7 0 1\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "An empty value is stored and returned",
    steps: (k) => [`set ${k}a 0 0 0\r\n\r\nget ${k}a\r\n`],
  },
  {
    name: "A second set replaces the value and the flags",
    steps: (k) => [`${set(`${k}a`, "one", 1)}${set(`${k}a`, "second", 2)}get ${k}a\r\n`],
  },
  {
    name: "A byte count with leading zeros is read as decimal",
    steps: (k) => [`set ${k}a 0 0 003\r\nabc\r\nget ${k}a\r\n`],
  },
  {
    name: "An exptime in the future is accepted",
    steps: (k) => [`set ${k}a 0 3600 1\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "A last token other than noreply is ignored",
    steps: (k) => [`set ${k}a 0 0 1 norepl\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "A value containing CRLF, NUL and 0xff is returned byte for byte",
    steps: (k) => [`${set(`${k}a`, "a\r\nb\0c\xffd\r\n")}get ${k}a\r\n`],
  },
  {
    name: "A value with all 256 byte values is returned byte for byte",
    steps: (k) => [`${set(`${k}a`, ALL_BYTES)}get ${k}a\r\n`],
  },
  {
    name: "A value that looks like protocol lines is data, not commands",
    steps: (k) => [`${set(`${k}a`, "get x\r\nEND\r\nVALUE y 0 1")}get ${k}a\r\n`],
  },
  {
    name: "A key with non-ASCII bytes is stored byte-exact",
    steps: (k) => [`${set(`${k}\xe9\xff\x80`, "v")}get ${k}\xe9\xff\x80\r\nget ${k}\xe9\r\n`],
  },
  {
    name: "A key containing a control byte is accepted as memcached does",
    steps: (k) => [`${set(`${k}\x01a`, "v")}get ${k}\x01a\r\n`],
  },
  {
    name: "A key of exactly 250 bytes works with set and get",
    steps: (k) => [`${set(keyOfLength(k, 250), "v")}get ${keyOfLength(k, 250)}\r\n`],
  },
  {
    name: "A get with a 251-byte key is a client error",
    steps: (k) => [`get ${keyOfLength(k, 251)}\r\n`],
  },
  {
    // A separate step: memcached 1.6.18 also drops the unsent replies of
    // earlier pipelined commands here (conn_release_items), a bug not worth copying.
    name: "A get with a 251-byte key after a hit is a client error",
    steps: (k) => [set(`${k}a`, "v"), `get ${k}a ${keyOfLength(k, 251)}\r\n`],
  },
  {
    name: "A get with several keys returns the hits in request order",
    steps: (k) => [`${set(`${k}a`, "1")}${set(`${k}c`, "3")}get ${k}c ${k}b ${k}a ${k}c\r\n`],
  },
  {
    name: "A get with 100 keys returns every hit",
    steps: (k) => {
      let sets = "";
      const keys: string[] = [];
      for (let index = 0; index < 100; index++) {
        keys.push(`${k}${index}`);
        if (index % 3 === 0) sets += set(`${k}${index}`, `value-${index}`, index);
      }
      return [`${sets}get ${keys.join(" ")}\r\n`];
    },
  },
  {
    name: "A 128 KiB multiget line is answered, not refused",
    steps: (k) => {
      const keys = Array.from({ length: 6000 }, (_, index) => `${k}long${index}`);
      return [`${set(`${k}long5999`, "last")}get ${keys.join(" ")}\r\n`];
    },
  },
  {
    name: "A get without a key is an error",
    steps: () => ["get\r\n"],
  },
  {
    name: "A gets without a key is an error",
    steps: () => ["gets\r\n"],
  },
  {
    name: "Runs of spaces between tokens are one separator",
    steps: (k) => [`set   ${k}a  5   0  1\r\nv\r\nget    ${k}a   \r\n`],
  },
  {
    name: "Leading spaces before a command are ignored",
    steps: (k) => [`   ${set(`${k}a`, "v")}   get ${k}a\r\n`],
  },
  {
    name: "A bare LF ends a command line",
    steps: (k) => [`set ${k}a 0 0 1\nv\r\nget ${k}a\n`],
  },

  // ---- gets / cas ----
  {
    name: "gets returns a cas token that changes with every set",
    steps: (k) => [`${set(`${k}a`, "1")}gets ${k}a\r\n${set(`${k}a`, "2")}gets ${k}a\r\n`],
  },
  {
    name: "gets with several keys gives each item its own cas",
    steps: (k) => [`${set(`${k}a`, "1")}${set(`${k}b`, "2")}gets ${k}a ${k}b ${k}a\r\n`],
  },
  {
    name: "cas with the current token stores",
    steps: (k) => [
      `${set(`${k}a`, "old")}gets ${k}a\r\n`,
      (replies) => `cas ${k}a 3 0 3 ${casOf(replies, `${k}a`)}\r\nnew\r\ngets ${k}a\r\n`,
    ],
  },
  {
    name: "cas with a stale token answers EXISTS and keeps the value",
    steps: (k) => [
      `${set(`${k}a`, "old")}gets ${k}a\r\n`,
      (replies) =>
        `${set(`${k}a`, "newer")}cas ${k}a 0 0 3 ${casOf(replies, `${k}a`)}\r\nnew\r\nget ${k}a\r\n`,
    ],
  },
  {
    name: "cas on a missing key answers NOT_FOUND",
    steps: (k) => [`cas ${k}a 0 0 1 12345\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "cas with noreply stores silently",
    steps: (k) => [
      `${set(`${k}a`, "old")}gets ${k}a\r\n`,
      (replies) => `cas ${k}a 0 0 3 ${casOf(replies, `${k}a`)} noreply\r\nnew\r\nget ${k}a\r\n`,
    ],
  },
  {
    name: "cas without its unique token is an error",
    steps: (k) => [`cas ${k}a 0 0 1\r\nv\r\n`],
  },
  {
    name: "gets after touch shows the same cas",
    steps: (k) => [`${set(`${k}a`, "v")}gets ${k}a\r\ntouch ${k}a 100\r\ngets ${k}a\r\n`],
  },
  {
    name: "append and prepend give the item a new cas",
    steps: (k) => [
      `${set(`${k}a`, "v")}gets ${k}a\r\nappend ${k}a 0 0 1\r\nw\r\ngets ${k}a\r\nprepend ${k}a 0 0 1\r\nu\r\ngets ${k}a\r\n`,
    ],
  },

  // ---- add / replace / append / prepend ----
  {
    name: "add stores a missing key",
    steps: (k) => [`${set(`${k}a`, "v", 0, "add")}get ${k}a\r\n`],
  },
  {
    name: "add does not overwrite an existing key",
    steps: (k) => [`${set(`${k}a`, "old")}${set(`${k}a`, "new", 5, "add")}get ${k}a\r\n`],
  },
  {
    name: "add with noreply on an existing key is silent and keeps the value",
    steps: (k) => [`${set(`${k}a`, "old")}add ${k}a 0 0 3 noreply\r\nnew\r\nget ${k}a\r\n`],
  },
  {
    name: "replace does not create a missing key",
    steps: (k) => [`${set(`${k}a`, "v", 0, "replace")}get ${k}a\r\n`],
  },
  {
    name: "replace overwrites an existing key and its flags",
    steps: (k) => [`${set(`${k}a`, "old", 1)}${set(`${k}a`, "new", 9, "replace")}get ${k}a\r\n`],
  },
  {
    name: "append adds data after the value and keeps the flags",
    steps: (k) => [`${set(`${k}a`, "abc", 7)}${set(`${k}a`, "def", 99, "append")}get ${k}a\r\n`],
  },
  {
    name: "prepend adds data before the value and keeps the flags",
    steps: (k) => [`${set(`${k}a`, "abc", 7)}${set(`${k}a`, "xyz", 99, "prepend")}get ${k}a\r\n`],
  },
  {
    name: "append and prepend on a missing key answer NOT_STORED",
    steps: (k) => [
      `${set(`${k}a`, "x", 0, "append")}${set(`${k}a`, "x", 0, "prepend")}get ${k}a\r\n`,
    ],
  },
  {
    name: "append with noreply is silent",
    steps: (k) => [`${set(`${k}a`, "abc")}append ${k}a 0 0 2 noreply\r\nde\r\nget ${k}a\r\n`],
  },
  {
    name: "append of binary data keeps every byte",
    steps: (k) => [`${set(`${k}a`, "\0\xff")}${set(`${k}a`, "\r\n\0", 0, "append")}get ${k}a\r\n`],
  },

  // ---- noreply ----
  {
    name: "set with noreply sends nothing and stores",
    steps: (k) => [`set ${k}a 0 0 1 noreply\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "Pipelined noreply writes interleaved with gets answer only the gets",
    steps: (k) => [
      `set ${k}a 0 0 1 noreply\r\n1\r\nget ${k}a\r\nincr ${k}a 5 noreply\r\nget ${k}a\r\ndelete ${k}a noreply\r\nget ${k}a\r\n`,
    ],
  },

  // ---- delete ----
  {
    name: "delete removes a key",
    steps: (k) => [`${set(`${k}a`, "v")}delete ${k}a\r\nget ${k}a\r\n`],
  },
  {
    name: "delete of a missing key answers NOT_FOUND",
    steps: (k) => [`delete ${k}a\r\n`],
  },
  {
    name: "delete with a zero hold time is accepted",
    steps: (k) => [`${set(`${k}a`, "v")}delete ${k}a 0\r\nget ${k}a\r\n`],
  },
  {
    name: "delete with a zero hold time and noreply is silent",
    steps: (k) => [`${set(`${k}a`, "v")}delete ${k}a 0 noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "delete with noreply is silent",
    steps: (k) => [
      `${set(`${k}a`, "v")}delete ${k}a noreply\r\ndelete ${k}a noreply\r\nget ${k}a\r\n`,
    ],
  },
  {
    name: "delete with a non-zero hold time gets the usage error",
    steps: (k) => [`${set(`${k}a`, "v")}delete ${k}a 10\r\nget ${k}a\r\n`],
  },
  {
    name: "delete with a bad extra token gets the usage error",
    steps: (k) => [`delete ${k}a now\r\n`],
  },
  {
    name: "delete with too many tokens is an error",
    steps: (k) => [`delete ${k}a 0 noreply extra\r\n`],
  },
  {
    name: "delete without a key is an error",
    steps: () => ["delete\r\n"],
  },
  {
    name: "delete with a 251-byte key is a client error",
    steps: (k) => [`delete ${keyOfLength(k, 251)}\r\n`],
  },

  // ---- incr / decr ----
  {
    name: "incr adds to a decimal value",
    steps: (k) => [`${set(`${k}a`, "10")}incr ${k}a 5\r\nget ${k}a\r\n`],
  },
  {
    name: "decr subtracts from a decimal value",
    steps: (k) => [`${set(`${k}a`, "10")}decr ${k}a 3\r\nget ${k}a\r\n`],
  },
  {
    name: "incr and decr of a missing key answer NOT_FOUND",
    steps: (k) => [`incr ${k}a 1\r\ndecr ${k}a 1\r\n`],
  },
  {
    name: "incr wraps around at 2^64",
    steps: (k) => [`${set(`${k}a`, "18446744073709551615")}incr ${k}a 2\r\nget ${k}a\r\n`],
  },
  {
    name: "incr by the largest 64-bit delta wraps",
    steps: (k) => [`${set(`${k}a`, "5")}incr ${k}a 18446744073709551615\r\nget ${k}a\r\n`],
  },
  {
    name: "decr stops at zero",
    steps: (k) => [`${set(`${k}a`, "5")}decr ${k}a 10\r\nget ${k}a\r\n`],
  },
  {
    name: "decr to a shorter number pads the value with spaces",
    steps: (k) => [`${set(`${k}a`, "100")}decr ${k}a 1\r\nget ${k}a\r\n`],
  },
  {
    name: "incr of a zero-padded number keeps the value length",
    steps: (k) => [`${set(`${k}a`, "00000000000000000001")}incr ${k}a 1\r\nget ${k}a\r\n`],
  },
  {
    name: "incr to a longer number grows the value",
    steps: (k) => [`${set(`${k}a`, "99")}incr ${k}a 1\r\nget ${k}a\r\n`],
  },
  {
    name: "incr keeps the flags of the item",
    steps: (k) => [`${set(`${k}a`, "1", 42)}incr ${k}a 1\r\nget ${k}a\r\n`],
  },
  {
    name: "incr gives the item a new cas",
    steps: (k) => [`${set(`${k}a`, "1")}gets ${k}a\r\nincr ${k}a 1\r\ngets ${k}a\r\n`],
  },
  {
    name: "incr of a non-numeric value is a client error",
    steps: (k) => [`${set(`${k}a`, "abc")}incr ${k}a 1\r\nget ${k}a\r\n`],
  },
  {
    name: "incr of a number followed by letters is a client error",
    steps: (k) => [`${set(`${k}a`, "12abc")}incr ${k}a 1\r\n`],
  },
  {
    name: "incr of a value with leading spaces reads the number",
    steps: (k) => [`${set(`${k}a`, "  7")}incr ${k}a 1\r\nget ${k}a\r\n`],
  },
  {
    name: "incr of a value with trailing spaces reads the number",
    steps: (k) => [`${set(`${k}a`, "7  ")}incr ${k}a 1\r\nget ${k}a\r\n`],
  },
  {
    name: "incr of an empty value is a client error",
    steps: (k) => [`set ${k}a 0 0 0\r\n\r\nincr ${k}a 1\r\n`],
  },
  {
    name: "incr of a value of 2^64 is a client error",
    steps: (k) => [`${set(`${k}a`, "18446744073709551616")}incr ${k}a 1\r\n`],
  },
  {
    name: "incr of a negative value is a client error",
    steps: (k) => [`${set(`${k}a`, "-5")}incr ${k}a 1\r\ndecr ${k}a 1\r\n`],
  },
  {
    name: "incr with a non-numeric delta is a client error",
    steps: (k) => [`${set(`${k}a`, "1")}incr ${k}a x\r\ndecr ${k}a 1x\r\n`],
  },
  {
    name: "incr with a negative delta is a client error",
    steps: (k) => [`${set(`${k}a`, "1")}incr ${k}a -1\r\n`],
  },
  {
    name: "incr with a delta of 2^64 is a client error",
    steps: (k) => [`${set(`${k}a`, "1")}incr ${k}a 18446744073709551616\r\n`],
  },
  {
    name: "incr with a plus-signed delta is accepted",
    steps: (k) => [`${set(`${k}a`, "1")}incr ${k}a +4\r\n`],
  },
  {
    name: "incr and decr with noreply are silent",
    steps: (k) => [
      `${set(`${k}a`, "10")}incr ${k}a 5 noreply\r\ndecr ${k}a 2 noreply\r\nget ${k}a\r\n`,
    ],
  },
  {
    name: "incr without a delta is an error",
    steps: (k) => [`incr ${k}a\r\n`],
  },
  {
    name: "incr with a 251-byte key is a client error",
    steps: (k) => [`incr ${keyOfLength(k, 251)} 1\r\n`],
  },
  {
    name: "append to a number and then incr reads the longer number",
    steps: (k) => [`${set(`${k}a`, "1")}${set(`${k}a`, "0", 0, "append")}incr ${k}a 1\r\n`],
  },

  // ---- touch / gat / gats ----
  {
    name: "touch answers TOUCHED for a key and NOT_FOUND for a missing one",
    steps: (k) => [`${set(`${k}a`, "v")}touch ${k}a 100\r\ntouch ${k}b 100\r\n`],
  },
  {
    name: "touch with noreply is silent",
    steps: (k) => [`${set(`${k}a`, "v")}touch ${k}a 100 noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "touch with a non-numeric exptime is a client error",
    steps: (k) => [`touch ${k}a soon\r\n`],
  },
  {
    name: "touch without an exptime is an error",
    steps: (k) => [`touch ${k}a\r\n`],
  },
  {
    name: "gat returns hits like get",
    steps: (k) => [`${set(`${k}a`, "v", 3)}gat 100 ${k}a ${k}b\r\n`],
  },
  {
    name: "gats returns hits with their cas",
    steps: (k) => [`${set(`${k}a`, "v", 3)}gats 100 ${k}a ${k}b\r\ngets ${k}a\r\n`],
  },
  {
    name: "gat with a non-numeric exptime is a client error",
    steps: (k) => [`gat soon ${k}a\r\n`],
  },
  {
    name: "gat with an exptime and no key answers END",
    steps: () => ["gat 0\r\n"],
  },
  {
    name: "gat without arguments is an error",
    steps: () => ["gat\r\n"],
  },

  // ---- flush_all, version, verbosity, stats ----
  {
    name: "flush_all removes every item",
    steps: (k) => [`${set(`${k}a`, "v")}flush_all\r\nget ${k}a\r\n`],
  },
  {
    name: "flush_all with noreply is silent",
    steps: (k) => [`${set(`${k}a`, "v")}flush_all noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "flush_all 0 removes every item at once",
    steps: (k) => [`${set(`${k}a`, "v")}flush_all 0\r\nget ${k}a\r\n`],
  },
  {
    name: "flush_all with a non-numeric delay is a client error",
    steps: (k) => [`${set(`${k}a`, "v")}flush_all soon\r\nget ${k}a\r\n`],
  },
  {
    name: "flush_all with a delay keeps the items until then",
    steps: (k) => [`${set(`${k}a`, "v")}flush_all 100\r\n`, { pauseMs: 50 }, `get ${k}a\r\n`],
  },
  {
    name: "flush_all with a Unix time far ahead keeps the items until then",
    steps: (k) => [
      `${set(`${k}a`, "v")}flush_all 2147483647\r\n`,
      { pauseMs: 50 },
      `get ${k}a\r\nflush_all 0\r\n`,
    ],
  },
  {
    name: "flush_all with a Unix time in the past flushes at once",
    steps: (k) => [`${set(`${k}a`, "v")}flush_all 1000000000\r\nget ${k}a\r\n`],
    deliberate: {
      reason:
        "parser.ts: a Unix time already past means now; memcached ignores a time before its own start, which means nothing for a server whose data outlives restarts (not yet in the README list)",
      litecached: `STORED\r\nOK\r\nEND\r\n${V}`,
    },
  },
  {
    name: "flush_all with a negative delay flushes at once",
    steps: (k) => [`${set(`${k}a`, "v")}flush_all -5\r\nget ${k}a\r\n`],
  },
  {
    name: "flush_all with noreply before its delay is an error",
    steps: () => ["flush_all noreply 0\r\n"],
  },
  {
    name: "flush_all with too many arguments is an error",
    steps: () => ["flush_all 0 noreply extra\r\n"],
  },
  {
    name: "version in the middle of a pipeline is answered in order",
    steps: (k) => [`${set(`${k}a`, "v")}version\r\nget ${k}a\r\n`],
  },
  {
    name: "verbosity with a level answers OK",
    steps: () => ["verbosity 1\r\n"],
  },
  {
    name: "verbosity with noreply is silent",
    steps: () => ["verbosity 1 noreply\r\n"],
  },
  {
    name: "verbosity without a level is an error",
    steps: () => ["verbosity\r\n"],
  },
  {
    name: "verbosity with a non-numeric level is a client error",
    steps: () => ["verbosity loud\r\n"],
  },
  {
    name: "stats reset answers RESET",
    steps: () => ["stats reset\r\n"],
  },
  {
    name: "stats cachedump without its numbers is a client error",
    steps: () => ["stats cachedump\r\nstats cachedump 1\r\nstats cachedump x 1\r\n"],
  },
  {
    name: "stats cachedump of a slab class past the last is refused",
    steps: () => ["stats cachedump 64 10\r\n"],
  },
  {
    name: "stats detail on and off answer OK",
    steps: () => ["stats detail on\r\nstats detail off\r\n"],
  },
  {
    name: "stats detail dump answers END",
    steps: () => ["stats detail dump\r\n"],
  },
  {
    name: "stats detail without a subcommand is a usage error",
    steps: () => ["stats detail\r\n"],
  },
  {
    name: "An unknown stats group is an error",
    steps: () => ["stats nonsense\r\n"],
  },
  {
    name: "stats slabs answers an empty listing",
    steps: () => ["stats slabs\r\n"],
    deliberate: {
      reason: "README: stats slabs answers an empty END, litecached has no slabs",
      litecached: `END\r\n${V}`,
    },
  },

  // ---- malformed lines ----
  {
    name: "An unknown command is an error",
    steps: () => ["bogus command\r\n"],
  },
  {
    name: "An empty line is an error",
    steps: () => ["\r\n"],
  },
  {
    name: "A line of spaces is an error",
    steps: () => ["    \r\n"],
  },
  {
    name: "Commands are case-sensitive",
    steps: (k) => [`SET ${k}a 0 0 1\r\nGET ${k}a\r\n`],
  },
  {
    name: "Tabs do not separate tokens",
    steps: (k) => [`get\t${k}a\r\n`],
  },
  {
    name: "A storage line with too few tokens is an error and its data runs as a line",
    steps: (k) => [`set ${k}a 0 0\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "A storage line with too many tokens is an error",
    steps: (k) => [`set ${k}a 0 0 1 noreply extra\r\nv\r\n`],
  },
  {
    name: "A negative byte count is a client error",
    steps: (k) => [`set ${k}a 0 0 -1\r\nget ${k}a\r\n`],
  },
  {
    name: "A non-numeric byte count is a client error",
    steps: (k) => [`set ${k}a 0 0 abc\r\nget ${k}a\r\n`],
  },
  {
    name: "Non-numeric flags are a client error",
    steps: (k) => [`set ${k}a xyz 0 1\r\nv\r\nget ${k}a\r\n`],
    deliberate: {
      reason: "README: a malformed storage line skips its data block",
      litecached: `CLIENT_ERROR bad command line format\r\nEND\r\n${V}`,
    },
  },
  {
    name: "Negative flags are a client error",
    steps: (k) => [`set ${k}a -1 0 1\r\nv\r\nget ${k}a\r\n`],
    deliberate: {
      reason: "README: a malformed storage line skips its data block",
      litecached: `CLIENT_ERROR bad command line format\r\nEND\r\n${V}`,
    },
  },
  {
    name: "Flags of 2^32 are refused",
    steps: (k) => [`set ${k}a 4294967296 0 1\r\nv\r\nget ${k}a\r\n`],
    deliberate: {
      reason: "README: flags must fit 32 bits (memcached wraps 2^32 to 0)",
      litecached: `CLIENT_ERROR bad command line format\r\nEND\r\n${V}`,
    },
  },
  {
    name: "A non-numeric exptime is a client error",
    steps: (k) => [`set ${k}a 0 later 1\r\nv\r\nget ${k}a\r\n`],
    deliberate: {
      reason: "README: a malformed storage line skips its data block",
      litecached: `CLIENT_ERROR bad command line format\r\nEND\r\n${V}`,
    },
  },
  {
    name: "A set with a 251-byte key is a client error",
    steps: (k) => [`${set(keyOfLength(k, 251), "v")}get ${keyOfLength(k, 250)}\r\n`],
    deliberate: {
      reason: "README: a malformed storage line skips its data block",
      litecached: `CLIENT_ERROR bad command line format\r\nEND\r\n${V}`,
    },
  },
  {
    name: "A skipped data block that looks like a command is not run",
    steps: (k) => [`set ${k}a bad 0 11\r\nflush_all\r\n\r\nget ${k}a\r\n`],
    deliberate: {
      reason: "README: a malformed storage line skips its data block",
      litecached: `CLIENT_ERROR bad command line format\r\nEND\r\n${V}`,
    },
  },
  {
    name: "A malformed storage line with noreply is silent, and its data skipped",
    steps: (k) => [`set ${k}a bad 0 1 noreply\r\nv\r\nget ${k}a\r\n`],
    deliberate: {
      reason: "README: a malformed storage line skips its data block (memcached runs it: ERROR)",
      litecached: `END\r\n${V}`,
    },
  },
  {
    name: "A bad incr delta with noreply is silent",
    steps: (k) => [`${set(`${k}a`, "1")}incr ${k}a x noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "A bad decr delta with noreply is silent",
    steps: (k) => [`${set(`${k}a`, "1")}decr ${k}a -1 noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "incr of a non-numeric value with noreply is silent",
    steps: (k) => [`${set(`${k}a`, "x")}incr ${k}a 1 noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "incr of a missing key with noreply is silent",
    steps: (k) => [`incr ${k}a 1 noreply\r\ndecr ${k}a 1 noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "A data block of the wrong length under noreply is silent",
    steps: (k) => [`set ${k}a 0 0 1 noreply\r\nvv\r\nget ${k}a\r\n`],
  },
  {
    name: "A data block ended by a bare newline under noreply is silent",
    steps: (k) => [`set ${k}a 0 0 1 noreply\r\nv\nget ${k}a\r\n`],
  },
  {
    name: "delete with a hold time other than 0 and noreply is silent",
    steps: (k) => [`${set(`${k}a`, "v")}delete ${k}a 10 noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "delete with two noreply tokens is silent and deletes nothing",
    steps: (k) => [`${set(`${k}a`, "v")}delete ${k}a noreply noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "delete of a missing key with noreply is silent",
    steps: (k) => [`delete ${k}a noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "delete with a 251-byte key and noreply is silent",
    steps: (k) => [`delete ${keyOfLength(k, 251)} noreply\r\n`],
  },
  {
    name: "touch with a bad exptime and noreply is silent",
    steps: (k) => [`${set(`${k}a`, "v")}touch ${k}a soon noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "touch of a missing key with noreply is silent",
    steps: (k) => [`touch ${k}a 0 noreply\r\n`],
  },
  {
    name: "flush_all with a bad delay and noreply is silent",
    steps: (k) => [`${set(`${k}a`, "v")}flush_all soon noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "add of an existing key with noreply is silent",
    steps: (k) => [`${set(`${k}a`, "v")}add ${k}a 0 0 1 noreply\r\nw\r\nget ${k}a\r\n`],
  },
  {
    name: "replace of a missing key with noreply is silent",
    steps: (k) => [`replace ${k}a 0 0 1 noreply\r\nw\r\nget ${k}a\r\n`],
  },
  {
    name: "cas with a stale value and noreply is silent",
    steps: (k) => [`${set(`${k}a`, "v")}cas ${k}a 0 0 1 1 noreply\r\nw\r\nget ${k}a\r\n`],
  },
  {
    name: "cas of a missing key with noreply is silent",
    steps: (k) => [`cas ${k}a 0 0 1 1 noreply\r\nw\r\nget ${k}a\r\n`],
  },
  {
    name: "A too-large set with noreply is silent and removes the old value",
    steps: (k) => [
      set(`${k}a`, "old"),
      concatBytes(`set ${k}a 0 0 ${3 * MIB} noreply\r\n`, bigValue(3 * MIB), "\r\n"),
      `get ${k}a\r\n`,
    ],
  },
  {
    name: "A set with a negative length and noreply is silent",
    steps: (k) => [`set ${k}a 0 0 -1 noreply\r\nget ${k}a\r\n`],
  },
  {
    name: "A set with too many tokens is an error despite noreply",
    steps: (k) => [`set ${k}a 0 0 1 2 noreply\r\nv\r\n`],
  },
  {
    name: "A noreply error does not shift the replies after it",
    steps: (k) => [
      `delete ${k}a 10 noreply\r\nset ${k}a 0 0 1\r\nv\r\nincr ${k}a x noreply\r\nget ${k}a\r\n`,
    ],
  },
  {
    name: "An exptime below zero is accepted",
    steps: (k) => [`set ${k}a 0 -1 1\r\nv\r\nget ${k}a\r\n`],
    deliberate: {
      reason: "README: items never expire (memcached treats a negative exptime as expired)",
      litecached: (k) => `STORED\r\nVALUE ${k}a 0 1\r\nv\r\nEND\r\n${V}`,
    },
  },

  // ---- numeric limits, as memcached's strtol/strtoul wrappers read them ----
  {
    name: "The largest 32-bit exptime is accepted",
    steps: (k) => [`set ${k}a 0 2147483647 1\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "An exptime of 2^31 is accepted",
    steps: (k) => [`set ${k}a 0 2147483648 1\r\nv\r\nget ${k}a\r\n`],
    deliberate: {
      reason: "README: items never expire (memcached reads 2^31 as a time long past)",
      litecached: (k) => `STORED\r\nVALUE ${k}a 0 1\r\nv\r\nEND\r\n${V}`,
    },
  },
  {
    name: "A byte count of 2^31 is a client error and the data runs as a line",
    steps: (k) => [`set ${k}a 0 0 2147483648\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "A byte count of 2^32 + 1 is read in 32 bits, as memcached does",
    steps: (k) => [`set ${k}a 0 0 4294967297\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "A byte count of twenty nines is a client error",
    steps: (k) => [`set ${k}a 0 0 99999999999999999999\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "A plus-signed byte count is accepted",
    steps: (k) => [`set ${k}a 0 0 +1\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "A trailing space after a storage line is ignored",
    steps: (k) => [`set ${k}a 0 0 1 \r\nv\r\nset ${k}b 0 0 1 noreply \r\nw\r\nget ${k}a ${k}b\r\n`],
  },
  {
    name: "A CR inside a line is part of a token",
    steps: (k) => [`${set(`${k}a`, "v")}get ${k}a\rb\r\nget ${k}a\r\r\n`],
  },
  {
    name: "A storage line ending in CR CR LF is accepted",
    steps: (k) => [`set ${k}a 0 0 1\r\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "touch with an exptime of 2^31 is accepted",
    steps: (k) => [`${set(`${k}a`, "v")}touch ${k}a 2147483648\r\n`],
  },
  {
    name: "touch with an exptime of twenty nines is a client error",
    steps: (k) => [`touch ${k}a 99999999999999999999\r\n`],
  },
  {
    name: "gat with an exptime of 2^31 returns the hits",
    steps: (k) => [`${set(`${k}a`, "v")}gat 2147483648 ${k}a\r\n`],
  },
  {
    name: "flush_all with a delay of twenty nines is a client error",
    steps: () => ["flush_all 99999999999999999999\r\n"],
  },
  {
    name: "verbosity with a huge or negative level is a client error",
    steps: () => ["verbosity 99999999999999999999\r\nverbosity -1\r\nverbosity 1 2\r\n"],
  },
  {
    name: "verbosity noreply alone is silent",
    steps: () => ["verbosity noreply\r\n"],
  },
  {
    name: "verbosity with a non-numeric level and noreply is silent",
    steps: () => ["verbosity loud noreply\r\n"],
  },
  {
    name: "cas with a unique of 2^64 is a client error",
    steps: (k) => [`${set(`${k}a`, "1")}cas ${k}a 0 0 1 18446744073709551616\r\nv\r\n`],
    deliberate: {
      reason: "README: a malformed storage line skips its data block",
      litecached: `STORED\r\nCLIENT_ERROR bad command line format\r\n${V}`,
    },
  },
  {
    name: "cas with a non-numeric unique and noreply",
    steps: (k) => [`${set(`${k}a`, "1")}cas ${k}a 0 0 1 abc noreply\r\nv\r\nget ${k}a\r\n`],
    deliberate: {
      reason: "README: a malformed storage line skips its data block (memcached runs it: ERROR)",
      litecached: (k) => `STORED\r\nVALUE ${k}a 0 1\r\n1\r\nEND\r\n${V}`,
    },
  },
  {
    name: "cas with a unique of zero answers EXISTS",
    steps: (k) => [`${set(`${k}a`, "1")}cas ${k}a 0 0 1 0\r\nv\r\n`],
  },
  {
    name: "cas with too many tokens is an error and its data runs as a line",
    steps: (k) => [`cas ${k}a 0 0 1 1 noreply extra\r\nv\r\n`],
  },
  {
    name: "incr by zero of a zero-padded value rewrites it padded",
    steps: (k) => [`${set(`${k}a`, "00")}incr ${k}a 0\r\nget ${k}a\r\n`],
  },
  {
    name: "decr of a value with a leading space",
    steps: (k) => [`${set(`${k}a`, " 1")}decr ${k}a 1\r\nget ${k}a\r\n`],
  },
  {
    name: "incr of a number followed by a space and more digits reads the first number",
    steps: (k) => [`${set(`${k}a`, "1 2")}incr ${k}a 1\r\n`],
  },
  {
    name: "incr of a number followed by a newline byte reads the number",
    steps: (k) => [`${set(`${k}a`, "1\n")}incr ${k}a 1\r\nget ${k}a\r\n`],
  },
  {
    name: "incr of a plus-signed value reads the number",
    steps: (k) => [`${set(`${k}a`, "+12")}incr ${k}a 1\r\n`],
  },
  {
    name: "incr with a zero-padded delta reads it as decimal",
    steps: (k) => [`${set(`${k}a`, "1")}incr ${k}a 00001\r\n`],
  },
  {
    name: "incr with a delta of twenty nines is a client error",
    steps: (k) => [`${set(`${k}a`, "1")}incr ${k}a 99999999999999999999\r\n`],
  },
  {
    name: "incr with noreply and an extra token is an error",
    steps: (k) => [`${set(`${k}a`, "1")}incr ${k}a 1 noreply extra\r\n`],
  },
  {
    name: "decr with an extra token that is not noreply still runs",
    steps: (k) => [`${set(`${k}a`, "1")}decr ${k}a 1 2\r\n`],
  },
  {
    name: "delete with a hold time of 00 or +0 gets the usage error",
    steps: (k) => [`delete ${k}a 00\r\ndelete ${k}a +0\r\ndelete ${k}a noreply 0\r\n`],
  },
  {
    name: "Retrieval commands without keys are errors, gats with an exptime answers END",
    steps: () => ["get \r\ngets  \r\ngats\r\ngats 0\r\n"],
  },
  {
    name: "touch with noreply and an extra token is an error",
    steps: (k) => [`touch ${k}a 1 noreply extra\r\n`],
  },
  {
    name: "replace and prepend with noreply on a missing key are silent",
    steps: (k) => [
      `replace ${k}a 0 0 1 noreply\r\nv\r\nprepend ${k}a 0 0 1 noreply\r\nv\r\nget ${k}a\r\n`,
    ],
  },
  {
    name: "replace with noreply on an existing key stores silently",
    steps: (k) => [`${set(`${k}a`, "v")}replace ${k}a 5 0 1 noreply\r\nw\r\nget ${k}a\r\n`],
  },
  {
    name: "stats reset and stats detail ignore extra tokens and spaces",
    steps: () => ["stats reset extra\r\nstats  reset\r\nstats detail foo\r\n"],
  },
  {
    name: "version and quit ignore extra tokens",
    steps: () => ["version extra\r\nquit extra\r\n"],
  },
  {
    name: "A storage line whose last token is HTTP/1.1 is a storage command",
    steps: (k) => [`set ${k}a 0 0 1 HTTP/1.1\r\nv\r\nget ${k}a\r\n`],
  },
  {
    name: "An unknown command ending in HTTP/ without a version closes the connection",
    steps: () => ["foo HTTP/\r\n"],
  },
  {
    name: "An unknown command ending in lowercase http/1.1 is an error",
    steps: () => ["foo http/1.1\r\n"],
  },
  {
    name: "A line of only HTTP/1.1 is an error",
    steps: () => ["HTTP/1.1\r\n"],
  },
  {
    name: "A zero-length set with noreply stores an empty value",
    steps: (k) => [`set ${k}a 0 0 0 noreply\r\n\r\nget ${k}a\r\n`],
  },
  {
    name: "A zero-length set whose data is a command line is a bad data chunk",
    steps: (k) => [`set ${k}a 0 0 0\r\nget ${k}a\r\n`],
  },

  // ---- bad data chunks ----
  {
    name: "A data block longer than declared is a bad data chunk",
    steps: (k) => [`set ${k}a 0 0 1\r\nvw\r\nget ${k}a\r\n`],
  },
  {
    name: "A data block shorter than declared is a bad data chunk",
    steps: (k) => [`set ${k}a 0 0 5\r\nab\r\nget ${k}a\r\n`],
  },
  {
    name: "A data block ended by a bare LF is a bad data chunk",
    steps: (k) => [`set ${k}a 0 0 1\r\nv\nget ${k}a\r\n`],
  },
  {
    name: "A bad data chunk does not replace the old value",
    steps: (k) => [`${set(`${k}a`, "old")}set ${k}a 0 0 3\r\nnewXY\r\nget ${k}a\r\n`],
  },
  {
    name: "A bad data chunk with noreply is silent",
    steps: (k) => [`set ${k}a 0 0 1 noreply\r\nvw\r\nget ${k}a\r\n`],
  },

  // ---- sizes ----
  {
    name: "A value of 1 MiB, well below the item size limit, round-trips",
    steps: (k) => [concatBytes(`set ${k}a 5 0 ${MIB}\r\n`, bigValue(MIB), `\r\nget ${k}b\r\n`)],
  },
  {
    name: "A value of 3 MiB, over the item size limit, is refused and its data skipped",
    steps: (k) => [
      concatBytes(`set ${k}a 0 0 ${3 * MIB}\r\n`, bigValue(3 * MIB), `\r\nget ${k}a\r\n`),
    ],
  },
  {
    name: "A refused oversized set removes the old value",
    steps: (k) => [
      concatBytes(set(`${k}a`, "old"), `set ${k}a 0 0 ${3 * MIB}\r\n`, bigValue(3 * MIB), "\r\n"),
      `get ${k}a\r\n`,
    ],
  },
  {
    name: "A refused oversized append keeps the old value",
    steps: (k) => [
      concatBytes(
        set(`${k}a`, "old"),
        `append ${k}a 0 0 ${3 * MIB}\r\n`,
        bigValue(3 * MIB),
        "\r\n",
      ),
      `get ${k}a\r\n`,
    ],
  },
  {
    name: "A refused oversized set with noreply is silent",
    steps: (k) => [
      concatBytes(`set ${k}a 0 0 ${3 * MIB} noreply\r\n`, bigValue(3 * MIB), `\r\nget ${k}a\r\n`),
    ],
  },

  // ---- pipelining ----
  {
    name: "Two hundred pipelined commands in one write are answered in order",
    steps: (k) => {
      let requests = "";
      for (let index = 0; index < 50; index++) {
        requests += `${set(`${k}${index}`, `${index}`)}get ${k}${index}\r\nincr ${k}${index} 1\r\ndelete ${k}${index}\r\n`;
      }
      return [requests];
    },
  },
  {
    name: "Errors in a pipeline do not disturb the commands after them",
    steps: (k) => [
      `${set(`${k}a`, "v")}bogus\r\nincr ${k}a x\r\n\r\nget ${k}a\r\ndelete ${k}a 5\r\nget ${k}a\r\n`,
    ],
  },

  // ---- connection end ----
  {
    name: "quit closes the connection",
    steps: () => ["quit\r\n"],
  },
  {
    name: "quit after a write answers the write, then closes",
    steps: (k) => [`${set(`${k}a`, "v")}get ${k}a\r\nquit\r\nget ${k}a\r\n`],
  },
  {
    name: "An HTTP request line closes the connection",
    steps: () => ["GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"],
  },
  {
    name: "An HTTP POST line closes the connection",
    steps: () => ["POST /submit HTTP/1.0\r\n"],
  },
  {
    name: "A lowercase get with an HTTP-looking key is an ordinary get",
    steps: (k) => [`get /${k} HTTP/1.1\r\n`],
  },
  {
    name: "An HTTP request closes without the replies of commands before it",
    steps: (k) => [`${set(`${k}a`, "v")}GET /index.html HTTP/1.1\r\n`],
  },
  {
    name: "The write before an HTTP request is done although its reply is dropped",
    steps: (k) => [`${set(`${k}a`, "v")}GET /index.html HTTP/1.1\r\n`, RECONNECT, `get ${k}a\r\n`],
  },
  {
    name: "The write before quit is kept",
    steps: (k) => [`${set(`${k}a`, "v")}quit\r\n`, RECONNECT, `get ${k}a\r\n`],
  },
  {
    name: "A 3000-byte line without a newline closes the connection",
    steps: () => ["x".repeat(3000)],
    noSentinel: true,
  },
  {
    name: "An overlong line closes without the replies of commands before it",
    steps: (k) => [`${set(`${k}a`, "v")}${"x".repeat(3000)}`],
    noSentinel: true,
  },
  {
    name: "A 3000-byte unknown command with a newline is an error",
    steps: () => [`${"x".repeat(3000)}\r\n`],
  },
];
