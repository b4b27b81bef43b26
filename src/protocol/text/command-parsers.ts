/**
 * One function per classic text command, reading its line's tokens the way
 * memcached 1.6.18's process_*_command does: the same token counts, the
 * same checks in the same order, the same error lines. Under `noreply`,
 * memcached's out_string stays silent about errors too, and so do these.
 */
import { MAX_DATA_LENGTH, MAX_KEY_LENGTH } from "../limits.ts";
import { flushDelaySeconds, parseFlags, parseInt32, parseUnsigned64, toCas } from "../numbers.ts";
import type { LineTokens } from "./line-tokens.ts";
import { Reply } from "./replies.ts";
import { invalid, type Request, type RetrievalCommand, type StorageCommand } from "./requests.ts";

/** What a storage line asks of the parser. */
export type StorageLine =
  | Request
  /** Read `length` bytes of data (plus CRLF) for this request. */
  | {
      kind: "storage_header";
      command: StorageCommand;
      flags: number;
      casUnique: number;
      noreply: boolean;
      length: number;
    }
  /** Skip `length` bytes of data (plus CRLF), then answer `then`. */
  | { kind: "skip"; length: number; answer: Request };

export function parseRetrieval(
  command: RetrievalCommand,
  tokens: LineTokens,
  firstKey: number,
): Request {
  if (tokens.count <= firstKey) return invalid(Reply.ERROR);
  const keys: Uint8Array[] = [];
  for (let index = firstKey; index < tokens.count; index++) {
    if (tokens.length(index) > MAX_KEY_LENGTH) return invalid(Reply.BAD_COMMAND_LINE);
    keys.push(tokens.bytes(index));
  }
  return { kind: "retrieval", command, keys };
}

export function parseGetAndTouch(command: "gat" | "gats", tokens: LineTokens): Request {
  if (tokens.count < 2) return invalid(Reply.ERROR);
  if (parseInt32(tokens.bytes(1)) === undefined) return invalid(Reply.INVALID_EXPTIME);
  if (tokens.count === 2) return { kind: "retrieval", command, keys: [] };
  return parseRetrieval(command, tokens, 2);
}

export function parseStorage(
  command: StorageCommand,
  tokens: LineTokens,
  maxItemSize: number,
): StorageLine {
  const isCas = command === "cas";
  const required = isCas ? 6 : 5;
  if (tokens.count !== required && tokens.count !== required + 1) return invalid(Reply.ERROR);
  const noreply = tokens.endsWithNoreply();
  const length = parseInt32(tokens.bytes(4));
  const flags = parseFlags(tokens.bytes(2));
  const exptime = parseInt32(tokens.bytes(3));
  const casUnique = isCas ? parseUnsigned64(tokens.bytes(5)) : 0n;
  // memcached refuses lengths whose block (plus CRLF) would not fit an int.
  const lengthValid = length !== undefined && length >= 0 && length <= MAX_DATA_LENGTH;
  const malformed =
    tokens.length(1) > MAX_KEY_LENGTH ||
    flags === undefined ||
    exptime === undefined ||
    casUnique === undefined ||
    !lengthValid;
  if (malformed) {
    const refusal = invalid(Reply.BAD_COMMAND_LINE, noreply);
    // Unlike memcached, skip a data block whose length we can read, so
    // that its bytes are never run as commands.
    return lengthValid ? { kind: "skip", length, answer: refusal } : refusal;
  }
  if (length > maxItemSize) {
    const key = tokens.bytes(1).slice();
    return { kind: "skip", length, answer: { kind: "too_large", command, key, noreply } };
  }
  return { kind: "storage_header", command, flags, casUnique: toCas(casUnique), noreply, length };
}

export function parseDelete(tokens: LineTokens): Request {
  const count = tokens.count;
  if (count < 2 || count > 4) return invalid(Reply.ERROR);
  // As memcached: only a token after the key can be noreply ("delete
  // noreply" deletes the key "noreply", and answers).
  const noreply = count > 2 && tokens.endsWithNoreply();
  if (count > 2) {
    const holdIsZero = tokens.equals(2, "0");
    const valid =
      (count === 3 && (holdIsZero || noreply)) || (count === 4 && holdIsZero && noreply);
    if (!valid) return invalid(Reply.BAD_DELETE_USAGE, noreply);
  }
  if (tokens.length(1) > MAX_KEY_LENGTH) return invalid(Reply.BAD_COMMAND_LINE, noreply);
  return { kind: "delete", key: tokens.bytes(1), noreply };
}

export function parseDelta(command: "incr" | "decr", tokens: LineTokens): Request {
  if (tokens.count !== 3 && tokens.count !== 4) return invalid(Reply.ERROR);
  const noreply = tokens.endsWithNoreply();
  if (tokens.length(1) > MAX_KEY_LENGTH) return invalid(Reply.BAD_COMMAND_LINE, noreply);
  const delta = parseUnsigned64(tokens.bytes(2));
  if (delta === undefined) return invalid(Reply.INVALID_DELTA, noreply);
  return { kind: "delta", command, key: tokens.bytes(1), delta, noreply };
}

export function parseTouch(tokens: LineTokens): Request {
  if (tokens.count !== 3 && tokens.count !== 4) return invalid(Reply.ERROR);
  const noreply = tokens.endsWithNoreply();
  if (tokens.length(1) > MAX_KEY_LENGTH) return invalid(Reply.BAD_COMMAND_LINE, noreply);
  if (parseInt32(tokens.bytes(2)) === undefined) return invalid(Reply.INVALID_EXPTIME, noreply);
  return { kind: "touch", key: tokens.bytes(1), noreply };
}

export function parseFlushAll(tokens: LineTokens, nowMs: number): Request {
  const count = tokens.count;
  if (count > 3) return invalid(Reply.ERROR);
  const noreply = tokens.endsWithNoreply();
  if (count === (noreply ? 2 : 1)) return { kind: "flush_all", delaySeconds: 0, noreply };
  const delay = parseInt32(tokens.bytes(1));
  if (delay === undefined) return invalid(Reply.INVALID_EXPTIME, noreply);
  return { kind: "flush_all", delaySeconds: flushDelaySeconds(delay, nowMs), noreply };
}

export function parseVerbosity(tokens: LineTokens): Request {
  if (tokens.count !== 2 && tokens.count !== 3) return invalid(Reply.ERROR);
  const noreply = tokens.endsWithNoreply();
  // With noreply the level is not checked: memcached stays silent even for
  // "verbosity noreply", and memcapable relies on it. The level changes
  // nothing in litecached either way.
  if (noreply) return { kind: "verbosity", noreply };
  if (parseUnsigned64(tokens.bytes(1)) === undefined) return invalid(Reply.BAD_COMMAND_LINE);
  return { kind: "verbosity", noreply };
}
