/**
 * Meta commands run against the command core, their replies written as
 * memcached 1.6.18 writes them: which outcomes quiet mode (`q`) silences,
 * which flags each reply echoes, what a vivified item answers.
 *
 * Writes are acknowledged only after their group commit (the connection
 * holds every reply until then). A quiet write's success is silent, but a
 * later reply (`mn`, say) implies it, so it leaves an empty acknowledgement
 * mark: if the commit fails, the mark becomes the error line.
 */
import type { CommandCore, StoreMode } from "../command-core.ts";
import type { ReplyBuffer } from "../reply-buffer.ts";
import { Reply } from "../text/replies.ts";
import { encodeBase64 } from "./base64.ts";
import { RETURNED_BY, writeDataBlock, writeLineEnd, writeReturnFlags } from "./encoder.ts";
import { MetaReply } from "./replies.ts";
import { FlagLetter, type MetaFlags, type MetaRequest } from "./requests.ts";

type Request<C extends MetaRequest["command"]> = Extract<MetaRequest, { command: C }>;

/** ms modes (M flag) as store modes; no mode is set. */
const SET_MODES: Readonly<Record<string, StoreMode>> = {
  E: "add",
  A: "append",
  P: "prepend",
  R: "replace",
  S: "set",
};
const DECREMENT_MODES = new Set(["D", "-"]);
const STORE_CODES = { stored: "HD", not_stored: "NS", exists: "EX", not_found: "NF" } as const;
const DELETE_CODES = { deleted: "HD", not_found: "NF", exists: "EX" } as const;

export function executeMeta(core: CommandCore, request: MetaRequest, out: ReplyBuffer): void {
  // Item states (hit before, last access, stale…) are kept from the first meta command on.
  core.itemStates.startTracking();
  switch (request.command) {
    case "mg":
      metaGet(core, request, out);
      return;
    case "ms":
      metaSet(core, request, out);
      return;
    case "ms_too_large":
      // memcached removes the old value whatever the mode, and always answers.
      core.rejectTooLarge(request.key, true);
      out.writeAcknowledgement(Reply.OBJECT_TOO_LARGE);
      return;
    case "md":
      metaDelete(core, request, out);
      return;
    case "ma":
      metaArithmetic(core, request, out);
      return;
    case "mn":
      out.writeBytes(MetaReply.NOOP);
      return;
    case "me":
      metaDebug(core, request, out);
      return;
  }
}

function metaGet(core: CommandCore, request: Request<"mg">, out: ReplyBuffer): void {
  const { key, flags } = request;
  const result = core.metaFetch(key, {
    kind: flags.touch ? "touch" : "get",
    vivify: flags.vivify,
    noUpdate: flags.noUpdate,
  });
  if (result === null) {
    if (!flags.quiet) writeStatus(out, "EN", key, flags);
    return;
  }
  // A vivified item is a write: its reply waits for the commit like any other.
  const start = out.byteLength;
  const { item } = result;
  const wantsValue = flags.letters.includes(FlagLetter.v);
  out.writeAscii(wantsValue ? `VA ${item.value.length}` : "HD");
  // `k` shows the key as the item was stored, base64 or not.
  const keyFlags = { ...flags, base64: result.binaryKey };
  writeReturnFlags(out, key, keyFlags, RETURNED_BY.hit, {
    item,
    hitBefore: result.hitBefore,
    lastAccessSeconds: result.lastAccessSeconds,
  });
  // Never W with Z: a token already sent is not won again.
  if (result.tokenAlreadySent) out.writeAscii(" Z");
  if (result.stale) out.writeAscii(" X");
  if (result.won) out.writeAscii(" W");
  writeLineEnd(out);
  if (wantsValue) writeDataBlock(out, item.value);
  if (result.created) out.acknowledgeSince(start);
}

function metaSet(core: CommandCore, request: Request<"ms">, out: ReplyBuffer): void {
  const { key, flags, value } = request;
  const mode = flags.mode === undefined ? "set" : SET_MODES[String.fromCharCode(flags.mode)];
  const result = core.storeItem({
    mode: mode ?? "set",
    key,
    value,
    flags: flags.clientFlags,
    compareCas: flags.compareCas,
    invalidate: flags.invalidate,
    binaryKey: flags.base64,
  });
  const code = STORE_CODES[result.status];
  if (result.status === "stored" && flags.quiet) {
    out.acknowledgeSince(out.byteLength);
    return;
  }
  const start = out.byteLength;
  out.writeAscii(code);
  writeReturnFlags(out, key, flags, RETURNED_BY.set, { cas: result.cas });
  writeLineEnd(out);
  out.acknowledgeSince(start);
}

function metaDelete(core: CommandCore, request: Request<"md">, out: ReplyBuffer): void {
  const { key, flags } = request;
  const status = core.delete({
    key,
    compareCas: flags.compareCas,
    invalidate: flags.invalidate,
  });
  if (status === "deleted" && flags.quiet) {
    out.acknowledgeSince(out.byteLength);
    return;
  }
  const start = out.byteLength;
  writeStatus(out, DELETE_CODES[status], key, flags);
  out.acknowledgeSince(start);
}

function metaArithmetic(core: CommandCore, request: Request<"ma">, out: ReplyBuffer): void {
  const { key, flags } = request;
  const mode = flags.mode === undefined ? "I" : String.fromCharCode(flags.mode);
  const result = core.arithmetic({
    key,
    direction: DECREMENT_MODES.has(mode) ? "decr" : "incr",
    delta: flags.delta,
    compareCas: flags.compareCas,
    initial: flags.vivify ? flags.initial : undefined,
  });
  switch (result.status) {
    case "non_numeric":
      out.writeBytes(Reply.NON_NUMERIC_VALUE);
      return;
    case "not_found":
      writeStatus(out, "NF", key, flags);
      return;
    case "exists":
      writeStatus(out, "EX", key, flags);
      return;
    case "ok":
      break;
  }
  // memcached silences a quiet change, but not a quiet creation.
  if (flags.quiet && !result.created) {
    out.acknowledgeSince(out.byteLength);
    return;
  }
  const start = out.byteLength;
  const digits = result.value.toString();
  const wantsValue = flags.letters.includes(FlagLetter.v);
  out.writeAscii(wantsValue ? `VA ${digits.length}` : "HD");
  writeReturnFlags(out, key, flags, RETURNED_BY.arithmetic, { cas: result.cas });
  writeLineEnd(out);
  if (wantsValue) out.writeAscii(`${digits}\r\n`);
  out.acknowledgeSince(start);
}

/** `me`: memcached's debug line; exp is -1 (items never expire), cls and size as memcached's. */
function metaDebug(core: CommandCore, request: Request<"me">, out: ReplyBuffer): void {
  const info = core.debugInfo(request.key);
  if (info === null) {
    out.writeBytes(MetaReply.MISS);
    return;
  }
  const { item } = info;
  out.writeAscii("ME ");
  if (info.binaryKey) out.writeAscii(encodeBase64(request.key));
  else out.writeBytes(request.key);
  const size = memcachedItemSize(request.key.length, item.value.length, item.flags);
  out.writeAscii(
    ` exp=-1 la=${info.lastAccessSeconds} cas=${item.cas} fetch=${info.fetched ? "yes" : "no"} cls=${slabClass(size)} size=${size}\r\n`,
  );
}

/** A status code with the opaque and key echoed, then CRLF. */
function writeStatus(out: ReplyBuffer, code: string, key: Uint8Array, flags: MetaFlags): void {
  out.writeAscii(code);
  writeReturnFlags(out, key, flags, RETURNED_BY.miss, {});
  writeLineEnd(out);
}

// memcached's item layout, for `me`: a 48-byte header, the key and a NUL,
// the value and its CRLF, 4 bytes of client flags unless they are 0, an 8-byte cas.
const ITEM_HEADER_BYTES = 48;
const CAS_BYTES = 8;
const FLAGS_BYTES = 4;
/** memcached's default slab classes: 96 bytes, then x1.25 rounded up to 8, up to 512 KiB. */
const SLAB_SIZES = (() => {
  const sizes: number[] = [];
  const maxChunk = 512 * 1024;
  let size = 96;
  while (maxChunk / 1.25 >= size && sizes.length < 62) {
    if (size % 8 !== 0) size += 8 - (size % 8);
    sizes.push(size);
    size *= 1.25;
  }
  sizes.push(maxChunk);
  return sizes;
})();

function memcachedItemSize(keyLength: number, valueLength: number, flags: number): number {
  const flagBytes = flags === 0 ? 0 : FLAGS_BYTES;
  return ITEM_HEADER_BYTES + keyLength + 1 + valueLength + 2 + flagBytes + CAS_BYTES;
}

function slabClass(size: number): number {
  const index = SLAB_SIZES.findIndex((chunk) => chunk >= size);
  return index === -1 ? SLAB_SIZES.length : index + 1;
}
