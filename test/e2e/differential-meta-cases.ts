/**
 * The meta protocol's differential corpus (mg ms md ma mn me), sent to
 * Debian's memcached and to litecached like differential-cases.ts: every
 * flag, every mode, quiet mode with mn, base64 keys, opaques, cas compare,
 * vivify, invalidation, malformed lines, and meta mixed with classic
 * commands in one pipeline. Replies are compared after cas values are
 * named in order of appearance.
 *
 * Deliberate differences are the README's "items never expire": TTLs are
 * read and checked, then ignored, so `t` always answers -1.
 */
import { concatBytes } from "../support/bytes.ts";
import { type DifferentialCase, V } from "./differential-cases.ts";

const MIB = 1024 * 1024;

/** An ms of `value` (Latin-1), with `flags` after the length. */
const ms = (key: string, value: string, flags = "") =>
  `ms ${key} ${value.length}${flags === "" ? "" : ` ${flags}`}\r\n${value}\r\n`;

/** The last cas a meta reply returned (its `c` flag). */
function metaCas(replies: string): string {
  const matches = [...replies.matchAll(/ c(\d+)/g)];
  const last = matches.at(-1);
  if (last === undefined) throw new Error(`no c flag in ${JSON.stringify(replies)}`);
  return last[1] as string;
}

const base64 = (text: string) => Buffer.from(text, "latin1").toString("base64");

export const META_DIFFERENTIAL_CASES: DifferentialCase[] = [
  // ---- mn, and mg basics ----
  { name: "mn answers MN", steps: () => ["mn\r\n"] },
  { name: "mn ignores what follows it", steps: () => ["mn extra tokens\r\n"] },
  { name: "mg of a missing key answers EN", steps: (k) => [`mg ${k}a\r\n`] },
  { name: "mg of a missing key with v answers EN", steps: (k) => [`mg ${k}a v\r\n`] },
  {
    name: "mg of a missing key echoes the opaque and the key",
    steps: (k) => [`mg ${k}a O123 k v\r\n`],
  },
  {
    name: "mg without flags answers HD on a hit",
    steps: (k) => [`${ms(`${k}a`, "hi")}mg ${k}a\r\n`],
  },
  { name: "mg v returns the value", steps: (k) => [`${ms(`${k}a`, "hello")}mg ${k}a v\r\n`] },
  {
    name: "mg returns flags in the order asked",
    steps: (k) => [`${ms(`${k}a`, "hello", "F7")}mg ${k}a k f s v O9\r\nmg ${k}a O9 s f k\r\n`],
  },
  { name: "mg c returns the cas", steps: (k) => [`${ms(`${k}a`, "v", "c")}mg ${k}a c\r\n`] },
  { name: "mg f returns 0 for no flags", steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a f\r\n`] },
  {
    name: "mg f returns the largest 32-bit flags",
    steps: (k) => [`${ms(`${k}a`, "v", "F4294967295")}mg ${k}a f\r\n`],
  },
  { name: "mg s returns the size", steps: (k) => [`${ms(`${k}a`, "four")}mg ${k}a s\r\n`] },
  {
    name: "mg t of an item without TTL is -1",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a t\r\n`],
  },
  {
    name: "mg h and l report a first fetch, then a hit",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a h l\r\nmg ${k}a h l\r\n`],
  },
  {
    name: "mg u does not count as a hit",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a u h\r\nmg ${k}a h\r\nmg ${k}a h\r\n`],
  },
  {
    name: "A classic get counts as a hit for mg h",
    steps: (k) => [`${ms(`${k}a`, "v")}get ${k}a\r\nmg ${k}a h\r\n`],
  },
  {
    name: "mg reads a value set by the classic protocol",
    steps: (k) => [`set ${k}a 12 0 3\r\nabc\r\nmg ${k}a v f s\r\n`],
  },
  {
    name: "mg of an empty value returns an empty block",
    steps: (k) => [`${ms(`${k}a`, "")}mg ${k}a v s\r\n`],
  },
  {
    name: "mg returns binary values byte for byte",
    steps: (k) => [`${ms(`${k}a`, "a\r\nb\0c\xff")}mg ${k}a v\r\n`],
  },
  {
    name: "mg q silences a miss but not a hit",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}b q v\r\nmg ${k}a q v\r\nmn\r\n`],
  },
  {
    name: "Quiet mgs pipelined with mn answer only the hits",
    steps: (k) => [
      `${ms(`${k}a`, "1")}${ms(`${k}c`, "3")}mg ${k}a q v k\r\nmg ${k}b q v k\r\nmg ${k}c q v k\r\nmn\r\n`,
    ],
  },
  {
    name: "mg ignores the P and L flags",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a P L v\r\n`],
  },
  {
    name: "mg with a 250-byte key hits",
    steps: (k) => {
      const key = k + "x".repeat(250 - k.length);
      return [`${ms(key, "v")}mg ${key} v\r\n`];
    },
  },

  // ---- mg errors ----
  { name: "mg without a key is ERROR", steps: () => ["mg\r\n"] },
  {
    name: "mg with a 251-byte key is a client error",
    steps: (k) => [`mg ${k}${"x".repeat(251 - k.length)} v\r\n`],
  },
  { name: "mg with an unknown flag is a client error", steps: (k) => [`mg ${k}a v x\r\n`] },
  { name: "mg with a repeated flag is a client error", steps: (k) => [`mg ${k}a v v\r\n`] },
  { name: "mg with a non-ASCII flag is a duplicate flag", steps: (k) => [`mg ${k}a \xffv\r\n`] },
  {
    name: "mg with an opaque over 32 bytes is a client error",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a O${"9".repeat(32)}\r\n`],
  },
  {
    name: "mg with an opaque of 32 bytes echoes it",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a O${"9".repeat(31)}\r\n`],
  },
  { name: "mg with a bad T token is a client error", steps: (k) => [`mg ${k}a Tsoon\r\n`] },
  { name: "mg with an empty N token is a client error", steps: (k) => [`mg ${k}a N\r\n`] },
  {
    name: "mg with too many flags is a client error",
    steps: (k) => [
      `mg ${k}a ${Array.from("cfhklstuvOPL", (flag) => flag).join(" ")} 1 2 3 4 5 6\r\n`,
    ],
  },
  {
    name: "mg with nineteen tokens is still read",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a c f h k l s t u v O1 P L N1 R1 T1 q b\r\n`],
  },
  { name: "A two-letter m command that is not meta is ERROR", steps: (k) => [`mx ${k}a\r\n`] },
  { name: "An m alone is ERROR", steps: () => ["m\r\n"] },
  { name: "An uppercase meta command is ERROR", steps: (k) => [`MG ${k}a\r\n`] },

  // ---- ms ----
  { name: "ms stores and answers HD", steps: (k) => [`${ms(`${k}a`, "v")}get ${k}a\r\n`] },
  {
    name: "ms F sets the client flags",
    steps: (k) => [`${ms(`${k}a`, "v", "F99")}get ${k}a\r\n`],
  },
  {
    name: "ms returns the opaque, the key and the new cas in the order asked",
    steps: (k) => [`${ms(`${k}a`, "v", "c k O55")}${ms(`${k}a`, "w", "O56 k c")}gets ${k}a\r\n`],
  },
  {
    name: "ms q is silent on success",
    steps: (k) => [`${ms(`${k}a`, "v", "q")}mn\r\nmg ${k}a v\r\n`],
  },
  {
    name: "ms ME adds only when the key is absent",
    steps: (k) => [`${ms(`${k}a`, "1", "ME")}${ms(`${k}a`, "2", "ME")}mg ${k}a v\r\n`],
  },
  {
    name: "ms ME q answers NS when the key exists",
    steps: (k) => [`${ms(`${k}a`, "1")}${ms(`${k}a`, "2", "ME q")}mn\r\n`],
  },
  {
    name: "ms MR replaces only an existing key",
    steps: (k) => [
      `${ms(`${k}a`, "1", "MR")}${ms(`${k}a`, "1")}${ms(`${k}a`, "2", "MR")}mg ${k}a v\r\n`,
    ],
  },
  {
    name: "ms MA appends and keeps the flags",
    steps: (k) => [`${ms(`${k}a`, "ab", "F3")}${ms(`${k}a`, "cd", "MA F9")}mg ${k}a v f\r\n`],
  },
  {
    name: "ms MP prepends",
    steps: (k) => [`${ms(`${k}a`, "cd")}${ms(`${k}a`, "ab", "MP")}mg ${k}a v\r\n`],
  },
  {
    name: "ms MA and MP on a missing key answer NS",
    steps: (k) => [`${ms(`${k}a`, "x", "MA")}${ms(`${k}a`, "x", "MP")}mg ${k}a\r\n`],
  },
  {
    name: "ms MS is a plain set",
    steps: (k) => [`${ms(`${k}a`, "1", "MS")}${ms(`${k}a`, "2", "MS")}mg ${k}a v\r\n`],
  },
  {
    name: "ms with an unknown mode is a client error and its data is skipped",
    steps: (k) => [`${ms(`${k}a`, "v", "MX")}mg ${k}a\r\n`],
  },
  {
    name: "ms with a lowercase mode is a client error",
    steps: (k) => [`${ms(`${k}a`, "v", "Ms")}mg ${k}a\r\n`],
  },
  {
    name: "ms with a two-character mode is a client error",
    steps: (k) => [`${ms(`${k}a`, "v", "MSS")}mg ${k}a\r\n`],
  },
  {
    name: "ms C with the current cas stores",
    steps: (k) => [
      ms(`${k}a`, "1", "c"),
      (replies) => `${ms(`${k}a`, "2", `C${metaCas(replies)} c`)}mg ${k}a v\r\n`,
    ],
  },
  {
    name: "ms C with an old cas answers EX",
    steps: (k) => [
      ms(`${k}a`, "1", "c"),
      (replies) => `${ms(`${k}a`, "2")}${ms(`${k}a`, "3", `C${metaCas(replies)}`)}mg ${k}a v\r\n`,
    ],
  },
  { name: "ms C on a missing key answers NF", steps: (k) => [`${ms(`${k}a`, "1", "C5")}`] },
  {
    name: "ms C0 on an existing key answers EX",
    steps: (k) => [`${ms(`${k}a`, "1")}${ms(`${k}a`, "2", "C0")}`],
  },
  {
    name: "ms C with append checks the cas",
    steps: (k) => [
      ms(`${k}a`, "1", "c"),
      (replies) =>
        `${ms(`${k}a`, "2", "MA C1")}${ms(`${k}a`, "3", `MA C${metaCas(replies)}`)}mg ${k}a v\r\n`,
    ],
  },
  {
    name: "ms C with add ignores the cas",
    steps: (k) => [`${ms(`${k}a`, "1", "ME C77")}mg ${k}a v\r\n`],
  },
  {
    name: "ms I with an older cas stores the item as stale",
    steps: (k) => [
      ms(`${k}a`, "1", "c"),
      (replies) =>
        `${ms(`${k}a`, "2")}${ms(`${k}a`, "3", `I C${metaCas(replies)}`)}mg ${k}a v\r\nmg ${k}a v\r\n`,
    ],
  },
  {
    name: "ms I with a newer cas answers EX",
    steps: (k) => [`${ms(`${k}a`, "1")}${ms(`${k}a`, "2", "I C999999999")}mg ${k}a v\r\n`],
  },
  {
    name: "ms b stores under a base64 key and k returns it encoded",
    steps: (k) => [
      `${ms(base64(`${k}\x00\xff`), "v", "b k")}mg ${base64(`${k}\x00\xff`)} b k v\r\n`,
    ],
  },
  {
    name: "A base64 key names the same item as its decoded bytes",
    steps: (k) => [`${ms(base64(`${k}a`), "v", "b")}get ${k}a\r\nmg ${k}a k v\r\n`],
  },
  {
    name: "ms with a bad base64 key is a client error and its data is skipped",
    steps: (k) => [`${ms(`${k}a!`, "v", "b")}mn\r\n`],
  },
  {
    name: "ms with a bad data chunk is an error even in quiet mode",
    steps: (k) => [`ms ${k}a 1 q\r\nvw\r\nmg ${k}a\r\n`],
  },
  { name: "ms without a length is a client error", steps: (k) => [`ms ${k}a\r\n`] },
  { name: "ms with a negative length is a client error", steps: (k) => [`ms ${k}a -1\r\n`] },
  {
    name: "ms with a non-numeric length is a client error and its data runs as a line",
    steps: (k) => [`ms ${k}a x\r\nmn\r\n`],
  },
  {
    name: "ms with a 251-byte key is a client error and its data runs as a line",
    steps: (k) => [`ms ${k}${"x".repeat(251 - k.length)} 2\r\nmn\r\n`],
  },
  {
    name: "ms with a bad F token is a client error",
    steps: (k) => [`${ms(`${k}a`, "v", "Fx")}mg ${k}a\r\n`],
  },
  {
    name: "ms with a bad C token is a client error",
    steps: (k) => [`${ms(`${k}a`, "v", "Cx")}mg ${k}a\r\n`],
  },
  {
    name: "ms with an E flag is an invalid flag in 1.6.18",
    steps: (k) => [`${ms(`${k}a`, "v", "E5")}mg ${k}a\r\n`],
  },
  {
    name: "ms with too many flags is a client error",
    steps: (k) => [`ms ${k}a 1 c k q s O1 F1 T1 I 1 2 3 4 5 6 7 8 9\r\nv\r\n`],
  },
  {
    name: "An ms over the item size limit is refused, even quietly, and removes the old value",
    steps: (k) => [
      ms(`${k}a`, "old"),
      concatBytes(`ms ${k}a ${3 * MIB} q\r\n`, new Uint8Array(3 * MIB).fill(0x61), "\r\n"),
      `mg ${k}a v\r\n`,
    ],
  },

  // ---- md ----
  {
    name: "md deletes and answers HD, then NF",
    steps: (k) => [`${ms(`${k}a`, "v")}md ${k}a\r\nmd ${k}a\r\n`],
  },
  {
    name: "md q is silent on success but not on a miss",
    steps: (k) => [`${ms(`${k}a`, "v")}md ${k}a q\r\nmd ${k}a q\r\nmn\r\n`],
  },
  {
    name: "md echoes the opaque and the key",
    steps: (k) => [`${ms(`${k}a`, "v")}md ${k}a O7 k\r\nmd ${k}a k O8\r\n`],
  },
  {
    name: "md C with the current cas deletes",
    steps: (k) => [
      ms(`${k}a`, "1", "c"),
      (replies) => `md ${k}a C${metaCas(replies)}\r\nmg ${k}a\r\n`,
    ],
  },
  {
    name: "md C with a wrong cas answers EX",
    steps: (k) => [`${ms(`${k}a`, "v")}md ${k}a C1\r\nmg ${k}a v\r\n`],
  },
  {
    name: "md I marks the item stale: the next mg wins, later ones see Z",
    steps: (k) => [`${ms(`${k}a`, "v")}md ${k}a I\r\nmg ${k}a v c\r\nmg ${k}a v\r\nmg ${k}a\r\n`],
  },
  {
    name: "md I twice lets the next mg win again",
    steps: (k) => [`${ms(`${k}a`, "v")}md ${k}a I\r\nmg ${k}a\r\nmd ${k}a I q\r\nmg ${k}a\r\n`],
  },
  {
    name: "An ms after md I clears the stale mark",
    steps: (k) => [
      `${ms(`${k}a`, "v")}md ${k}a I\r\nmg ${k}a\r\n${ms(`${k}a`, "w")}mg ${k}a v\r\n`,
    ],
  },
  { name: "md I of a missing key answers NF", steps: (k) => [`md ${k}a I\r\n`] },
  {
    name: "md b deletes a base64 key",
    steps: (k) => [`${ms(`${k}a`, "v")}md ${base64(`${k}a`)} b k\r\nget ${k}a\r\n`],
  },
  { name: "md with an unknown flag is a client error", steps: (k) => [`md ${k}a z\r\n`] },
  { name: "md with a repeated flag is a client error", steps: (k) => [`md ${k}a q q\r\n`] },
  {
    name: "md with an opaque over 32 bytes is a client error",
    steps: (k) => [`md ${k}a O${"1".repeat(32)}\r\n`],
  },
  { name: "md without a key is ERROR", steps: () => ["md\r\n"] },

  // ---- ma ----
  { name: "ma of a missing key answers NF", steps: (k) => [`ma ${k}a\r\n`] },
  { name: "ma q of a missing key still answers NF", steps: (k) => [`ma ${k}a q\r\nmn\r\n`] },
  {
    name: "ma increments by one",
    steps: (k) => [`${ms(`${k}a`, "41")}ma ${k}a\r\nmg ${k}a v\r\n`],
  },
  { name: "ma v returns the new value", steps: (k) => [`${ms(`${k}a`, "41")}ma ${k}a v\r\n`] },
  { name: "ma D sets the delta", steps: (k) => [`${ms(`${k}a`, "5")}ma ${k}a D10 v\r\n`] },
  {
    name: "ma modes I + D - switch between incr and decr",
    steps: (k) => [
      `${ms(`${k}a`, "10")}ma ${k}a MI v\r\nma ${k}a M+ v\r\nma ${k}a MD v\r\nma ${k}a M- D5 v\r\n`,
    ],
  },
  { name: "ma decr stops at 0", steps: (k) => [`${ms(`${k}a`, "3")}ma ${k}a MD D10 v\r\n`] },
  {
    name: "ma incr wraps at 2^64",
    steps: (k) => [`${ms(`${k}a`, "18446744073709551615")}ma ${k}a v\r\n`],
  },
  {
    name: "ma pads a shorter result as classic decr does",
    steps: (k) => [`${ms(`${k}a`, "100")}ma ${k}a MD D95 v\r\nget ${k}a\r\n`],
  },
  {
    name: "ma q is silent on success",
    steps: (k) => [`${ms(`${k}a`, "1")}ma ${k}a q\r\nma ${k}a q v\r\nmn\r\nmg ${k}a v\r\n`],
  },
  {
    name: "ma N creates a missing item with J",
    steps: (k) => [`ma ${k}a N0 J13 v\r\nma ${k}a N0 J13 v\r\n`],
  },
  {
    name: "ma N creates a missing item with 0 by default",
    steps: (k) => [`ma ${k}a N0 v\r\nmg ${k}a v f\r\n`],
  },
  {
    name: "ma N q still answers for the item it creates",
    steps: (k) => [`ma ${k}a N0 q\r\nmn\r\n`],
  },
  {
    name: "ma returns the cas, t, the opaque and the key",
    steps: (k) => [`${ms(`${k}a`, "1")}ma ${k}a c t O4 k\r\n`],
  },
  {
    name: "ma C with the current cas changes the value",
    steps: (k) => [ms(`${k}a`, "1", "c"), (replies) => `ma ${k}a C${metaCas(replies)} v\r\n`],
  },
  {
    name: "ma C with a wrong cas answers EX",
    steps: (k) => [`${ms(`${k}a`, "1")}ma ${k}a C1 O2 k\r\n`],
  },
  {
    name: "ma of a non-numeric value is an error even in quiet mode",
    steps: (k) => [`${ms(`${k}a`, "x")}ma ${k}a q\r\n`],
  },
  {
    name: "ma of an empty value is a non-numeric error",
    steps: (k) => [`${ms(`${k}a`, "")}ma ${k}a\r\n`],
  },
  { name: "ma with a bad mode is a client error", steps: (k) => [`ma ${k}a MX\r\n`] },
  { name: "ma with a bad delta is a client error", steps: (k) => [`ma ${k}a D-1\r\n`] },
  { name: "ma with a bad initial value is a client error", steps: (k) => [`ma ${k}a N0 Jx\r\n`] },
  { name: "ma with an unknown flag is a client error", steps: (k) => [`ma ${k}a z\r\n`] },
  {
    name: "ma and classic incr share the same number",
    steps: (k) => [`set ${k}a 0 0 1\r\n7\r\nma ${k}a v\r\nincr ${k}a 1\r\nma ${k}a MD v\r\n`],
  },

  // ---- vivify ----
  {
    name: "mg N on a miss creates an empty item and wins; the next mg sees Z",
    steps: (k) => [`mg ${k}a N30 v s\r\nmg ${k}a N30 v\r\nget ${k}a\r\n`],
  },
  {
    name: "mg N q still answers for the item it creates",
    steps: (k) => [`mg ${k}a N30 q\r\nmn\r\n`],
  },
  {
    name: "A vivified item's token stays sent until a set replaces the item",
    steps: (k) => [`mg ${k}a N30\r\n${ms(`${k}a`, "v")}mg ${k}a N30 v\r\n`],
  },
  {
    name: "mg R never wins on an item without TTL",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a R30 v\r\n`],
  },

  // ---- base64 keys in mg ----
  {
    name: "mg b k returns a key stored plainly as it is",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${base64(`${k}a`)} b k v\r\n`],
  },
  {
    name: "mg of a key stored as base64 returns it encoded, however it is asked",
    steps: (k) => [`${ms(base64(`${k}a`), "v", "b")}mg ${k}a k\r\n`],
  },
  { name: "mg with a bad base64 key is a client error", steps: (k) => [`mg ${k}a! b\r\n`] },
  {
    name: "mg with a base64 key of the wrong length is a client error",
    steps: () => ["mg abc b\r\n"],
  },
  { name: "A base64 miss echoes the key encoded", steps: (k) => [`mg ${base64(`${k}a`)} b k\r\n`] },

  // ---- me ----
  { name: "me of a missing key answers EN", steps: (k) => [`me ${k}a\r\n`] },
  {
    name: "me shows an item's debug line",
    steps: (k) => [`${ms(`${k}a`, "abc", "F1")}me ${k}a\r\n`],
  },
  {
    name: "me shows a fetched item",
    steps: (k) => [`${ms(`${k}a`, "abc")}mg ${k}a\r\nme ${k}a\r\n`],
  },
  { name: "me without a key is a client error", steps: () => ["me\r\n"] },
  {
    name: "me b reads a base64 key",
    steps: (k) => [`${ms(`${k}a`, "v")}me ${base64(`${k}a`)} b\r\n`],
  },

  // ---- mixed pipelines ----
  {
    name: "Meta and classic commands pipelined in one write answer in order",
    steps: (k) => [
      `set ${k}a 0 0 1\r\n1\r\n${ms(`${k}b`, "2", "q")}get ${k}a ${k}b\r\nmg ${k}a v\r\nincr ${k}a 5\r\nma ${k}b v\r\ndelete ${k}a\r\nmd ${k}b q\r\nmg ${k}a q\r\nmn\r\n`,
    ],
  },
  {
    name: "A quiet pipeline reports only its failures, then mn",
    steps: (k) => [
      `${ms(`${k}a`, "1", "q O1")}${ms(`${k}a`, "2", "ME q O2")}md ${k}b q O3\r\nma ${k}a q O4\r\nmg ${k}c q O5\r\nmn\r\n`,
    ],
  },
  {
    name: "gets sees the cas an ms returned",
    steps: (k) => [`${ms(`${k}a`, "v", "c")}gets ${k}a\r\nmg ${k}a c\r\n`],
  },
  {
    name: "A classic cas uses a cas from mg",
    steps: (k) => [
      ms(`${k}a`, "1"),
      `mg ${k}a c\r\n`,
      (replies) => `cas ${k}a 0 0 1 ${metaCas(replies)}\r\n2\r\nmg ${k}a v\r\n`,
    ],
  },
  {
    name: "An ms data block holding meta lines is stored, not run",
    steps: (k) => [`${ms(`${k}a`, `mn\r\nmd ${k}a\r\n`)}mg ${k}a v\r\n`],
  },

  {
    name: "ms with negative client flags is a client error",
    steps: (k) => [`${ms(`${k}a`, "v", "F-1")}mg ${k}a f v\r\n`],
  },
  {
    name: "ms with client flags of 2^32 is refused",
    steps: (k) => [`${ms(`${k}a`, "v", "F4294967296")}mg ${k}a f v\r\n`],
    deliberate: {
      reason: "README: flags must fit 32 bits (memcached wraps 2^32 to 0)",
      litecached: `CLIENT_ERROR bad command line format\r\nEN\r\n${V}`,
    },
  },

  // ---- items never expire (deliberate) ----
  {
    name: "mg T sets no TTL: t stays -1",
    steps: (k) => [`${ms(`${k}a`, "v")}mg ${k}a T30 t\r\n`],
    deliberate: {
      reason: "README: items never expire, so a meta TTL is ignored and t answers -1",
      litecached: `HD\r\nHD t-1\r\n${V}`,
    },
  },
  {
    name: "ms T with a TTL in the past does not expire the item",
    steps: (k) => [`${ms(`${k}a`, "v", "T-1")}mg ${k}a v\r\n`],
    deliberate: {
      reason: "README: items never expire, so a meta TTL is ignored",
      litecached: `HD\r\nVA 1\r\nv\r\n${V}`,
    },
  },
];
