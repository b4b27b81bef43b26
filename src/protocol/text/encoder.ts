/**
 * Command core results as text protocol replies: VALUE blocks, STAT lines,
 * and the reply line for each result.
 */
import type { DeleteStatus, Item, StoreStatus } from "../command-core.ts";
import type { ReplyBuffer } from "../reply-buffer.ts";
import type { StatEntry } from "../stats-entries.ts";
import { Reply } from "./replies.ts";

const VALUE_PREFIX = new TextEncoder().encode("VALUE ");
const CRLF = new TextEncoder().encode("\r\n");

/** One hit of a get: `VALUE <key> <flags> <bytes>[ <cas>]`, the data, CRLF. */
export function writeValue(out: ReplyBuffer, key: Uint8Array, item: Item, withCas: boolean): void {
  out.writeBytes(VALUE_PREFIX);
  out.writeBytes(key);
  out.writeAscii(
    withCas
      ? ` ${item.flags} ${item.value.length} ${item.cas}\r\n`
      : ` ${item.flags} ${item.value.length}\r\n`,
  );
  out.writeBytes(item.value);
  out.writeBytes(CRLF);
}

export const STORE_REPLIES: Readonly<Record<StoreStatus, Uint8Array>> = {
  stored: Reply.STORED,
  not_stored: Reply.NOT_STORED,
  exists: Reply.EXISTS,
  not_found: Reply.NOT_FOUND,
};

export const DELETE_REPLIES: Readonly<Record<DeleteStatus, Uint8Array>> = {
  deleted: Reply.DELETED,
  not_found: Reply.NOT_FOUND,
  exists: Reply.EXISTS,
};

/** `STAT <name> <value>` lines, then END. */
export function writeStats(out: ReplyBuffer, entries: readonly StatEntry[]): void {
  for (const [name, value] of entries) out.writeAscii(`STAT ${name} ${value}\r\n`);
  out.writeBytes(Reply.END);
}
