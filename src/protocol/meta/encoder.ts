/**
 * Meta protocol reply lines: a status code (HD VA EN NF NS EX ME), then
 * the return flags in the order the request named them, as memcached
 * 1.6.18 writes them.
 */
import type { Item } from "../command-core.ts";
import type { ReplyBuffer } from "../reply-buffer.ts";
import { encodeBase64 } from "./base64.ts";
import { FlagLetter, type MetaFlags } from "./requests.ts";

/** Values for the return flags a reply may carry; a flag with no value here is not written. */
export interface ReturnValues {
  item?: Item;
  /** The cas to return for `c` (ms: the stored cas, 0 if not stored). */
  cas?: number;
  hitBefore?: boolean;
  lastAccessSeconds?: number;
}

/** Which return flags each command writes (memcached's per-command reply loops). */
export const RETURNED_BY = {
  /** mg on a hit. */
  hit: new Set<number>([
    FlagLetter.s,
    FlagLetter.t,
    FlagLetter.c,
    FlagLetter.f,
    FlagLetter.l,
    FlagLetter.h,
    FlagLetter.O,
    FlagLetter.k,
  ]),
  /** ms after storing (or not). */
  set: new Set<number>([FlagLetter.O, FlagLetter.k, FlagLetter.c]),
  /** ma with an item. */
  arithmetic: new Set<number>([FlagLetter.c, FlagLetter.t, FlagLetter.O, FlagLetter.k]),
  /** Misses and failures: the opaque and the key, so pipelined replies can be matched. */
  miss: new Set<number>([FlagLetter.O, FlagLetter.k]),
} as const;

const CRLF = new TextEncoder().encode("\r\n");

/** Writes ` <flag><value>` for each requested flag in `returned`, in request order. */
export function writeReturnFlags(
  out: ReplyBuffer,
  key: Uint8Array,
  flags: MetaFlags,
  returned: ReadonlySet<number>,
  values: ReturnValues,
): void {
  for (const letter of flags.letters) {
    if (!returned.has(letter)) continue;
    switch (letter) {
      case FlagLetter.O:
        out.writeAscii(" ");
        out.writeBytes(flags.opaque as Uint8Array);
        break;
      case FlagLetter.k:
        writeKey(out, key, flags.base64);
        break;
      case FlagLetter.s:
        out.writeAscii(` s${values.item?.value.length ?? 0}`);
        break;
      case FlagLetter.t:
        // Items never expire: no TTL, which memcached writes as -1.
        out.writeAscii(" t-1");
        break;
      case FlagLetter.c:
        out.writeAscii(` c${values.cas ?? values.item?.cas ?? 0}`);
        break;
      case FlagLetter.f:
        out.writeAscii(` f${values.item?.flags ?? 0}`);
        break;
      case FlagLetter.l:
        out.writeAscii(` l${values.lastAccessSeconds ?? 0}`);
        break;
      case FlagLetter.h:
        out.writeAscii(values.hitBefore === true ? " h1" : " h0");
        break;
    }
  }
}

/** ` k<key>`, or ` k<base64 key> b` for a binary key. */
export function writeKey(out: ReplyBuffer, key: Uint8Array, base64: boolean): void {
  out.writeAscii(" k");
  if (base64) {
    out.writeAscii(encodeBase64(key));
    out.writeAscii(" b");
  } else {
    out.writeBytes(key);
  }
}

export function writeLineEnd(out: ReplyBuffer): void {
  out.writeBytes(CRLF);
}

/** A value block after a VA line: the data and CRLF. */
export function writeDataBlock(out: ReplyBuffer, data: Uint8Array): void {
  out.writeBytes(data);
  out.writeBytes(CRLF);
}
