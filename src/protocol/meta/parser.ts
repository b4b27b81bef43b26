/**
 * Meta command lines (`mg ms md ma mn me`), read from the text protocol's
 * line tokens exactly as memcached 1.6.18's proto_text.c reads them: the
 * same checks in the same order, the same CLIENT_ERROR lines. Framing
 * (lines, data blocks) is the text parser's; this module only reads tokens.
 */
import { MAX_DATA_LENGTH, MAX_KEY_LENGTH } from "../limits.ts";
import { parseFlags, parseInt32, parseUnsigned64, toCas } from "../numbers.ts";
import type { LineTokens } from "../text/line-tokens.ts";
import { Reply } from "../text/replies.ts";
import { invalid, type Request } from "../text/requests.ts";
import { decodeBase64 } from "./base64.ts";
import { MetaReply } from "./replies.ts";
import { FlagLetter, type MetaFlags } from "./requests.ts";

/**
 * memcached refuses a meta line of this many tokens or more (its
 * MFLAG_MAX_OPT_LENGTH counts the tokenizer's empty end token too).
 */
const MAX_META_TOKENS = 20;
/** Opaque tokens may be up to 32 bytes, letter included. */
const MAX_OPAQUE_LENGTH = 32;
/** Flag letters are ASCII: a byte of 127 or more is refused as a duplicate, as in memcached. */
const FIRST_NON_ASCII = 127;

/** What a meta line asks of the text parser. */
export type MetaLine =
  | Request
  /** An ms header: read `length` bytes of data (plus CRLF) for it. */
  | { kind: "meta_set"; key: Uint8Array; flags: MetaFlags; length: number }
  /** An ms header that was refused after its length was read: skip its data, then answer. */
  | { kind: "skip"; length: number; answer: Request };

/** A two-letter line starting with "m" (memcached answers any other such name ERROR). */
export function parseMetaLine(tokens: LineTokens): MetaLine {
  if (tokens.equals(0, "mg")) return parseMetaGet(tokens);
  if (tokens.equals(0, "ms")) return parseMetaSet(tokens);
  if (tokens.equals(0, "md")) return parseMetaDeleteOrArithmetic("md", tokens);
  if (tokens.equals(0, "ma")) return parseMetaDeleteOrArithmetic("ma", tokens);
  if (tokens.equals(0, "mn")) return { kind: "meta", request: { command: "mn" } };
  if (tokens.equals(0, "me")) return parseMetaDebug(tokens);
  return invalid(Reply.ERROR);
}

function parseMetaGet(tokens: LineTokens): Request {
  if (tokens.count < 2) return invalid(Reply.ERROR);
  if (tokens.length(1) > MAX_KEY_LENGTH) return invalid(Reply.BAD_COMMAND_LINE);
  if (tokens.count >= MAX_META_TOKENS) return invalid(MetaReply.FLAGS_TOO_LONG_GET);
  const parsed = readFlags(tokens, 2);
  if (typeof parsed === "string") return invalid(MetaReply.error(parsed));
  if (opaqueTooLong(parsed.flags)) return invalid(MetaReply.OPAQUE_TOO_LONG);
  return { kind: "meta", request: { command: "mg", key: parsed.key, flags: parsed.flags } };
}

function parseMetaSet(tokens: LineTokens): MetaLine {
  if (tokens.count < 2) return invalid(Reply.ERROR);
  if (tokens.length(1) > MAX_KEY_LENGTH || tokens.count === 2) {
    return invalid(Reply.BAD_COMMAND_LINE);
  }
  if (tokens.count >= MAX_META_TOKENS) return invalid(MetaReply.FLAGS_TOO_LONG);
  const length = parseInt32(tokens.bytes(2));
  if (length === undefined || length < 0 || length > MAX_DATA_LENGTH) {
    return invalid(Reply.BAD_COMMAND_LINE);
  }
  // From here on memcached knows the length, and swallows the data after an error.
  const refuse = (reply: Uint8Array): MetaLine => ({
    kind: "skip",
    length,
    answer: invalid(reply),
  });
  const parsed = readFlags(tokens, 3);
  if (typeof parsed === "string") return refuse(MetaReply.error(parsed));
  const mode = parsed.flags.mode;
  if (mode !== undefined && !SET_MODES.has(mode)) return refuse(MetaReply.INVALID_SET_MODE);
  if (opaqueTooLong(parsed.flags)) return refuse(MetaReply.OPAQUE_TOO_LONG);
  return { kind: "meta_set", key: parsed.key, flags: parsed.flags, length };
}

/** ms modes: E(add) A(ppend) P(repend) R(eplace) S(et). */
const SET_MODES: ReadonlySet<number> = new Set(Array.from("EAPRS", (mode) => mode.charCodeAt(0)));
/** ma modes: I or + (incr), D or - (decr). */
const ARITHMETIC_MODES: ReadonlySet<number> = new Set(
  Array.from("I+D-", (mode) => mode.charCodeAt(0)),
);

function parseMetaDeleteOrArithmetic(command: "md" | "ma", tokens: LineTokens): Request {
  if (tokens.count < 2) return invalid(Reply.ERROR);
  if (tokens.length(1) > MAX_KEY_LENGTH) return invalid(Reply.BAD_COMMAND_LINE);
  if (tokens.count >= MAX_META_TOKENS) return invalid(MetaReply.FLAGS_TOO_LONG);
  const parsed = readFlags(tokens, 2);
  // md and ma name no detail (memcached's FIXME: "not using the preparse errstr?").
  if (typeof parsed === "string") return invalid(MetaReply.INVALID_OR_DUPLICATE_FLAG);
  const { key, flags } = parsed;
  if (command === "ma" && flags.mode !== undefined && !ARITHMETIC_MODES.has(flags.mode)) {
    return invalid(MetaReply.INVALID_ARITHMETIC_MODE);
  }
  if (opaqueTooLong(flags)) return invalid(MetaReply.OPAQUE_TOO_LONG);
  return { kind: "meta", request: { command, key, flags } };
}

function parseMetaDebug(tokens: LineTokens): Request {
  if (tokens.count < 2 || tokens.length(1) > MAX_KEY_LENGTH) {
    return invalid(Reply.BAD_COMMAND_LINE);
  }
  const base64 = tokens.count >= 3 && tokens.equals(2, "b");
  if (!base64) return { kind: "meta", request: { command: "me", key: tokens.bytes(1), base64 } };
  const key = decodeBase64(tokens.bytes(1));
  if (key === undefined) return invalid(Reply.BAD_COMMAND_LINE);
  return { kind: "meta", request: { command: "me", key, base64 } };
}

function opaqueTooLong(flags: MetaFlags): boolean {
  return flags.opaque !== undefined && flags.opaque.length > MAX_OPAQUE_LENGTH;
}

/** memcached's _meta_flag_preparse: the flags, or the error line it settles on. */
function readFlags(
  tokens: LineTokens,
  first: number,
): { key: Uint8Array; flags: MetaFlags } | string {
  let key = tokens.bytes(1);
  const flags: MetaFlags = {
    letters: [],
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
  };
  // Most errors are noted and the loop goes on (the last one is reported);
  // a duplicate or unknown flag stops it at once.
  let error: string | undefined;
  const seen = new Set<number>();
  for (let index = first; index < tokens.count; index++) {
    const letter = tokens.firstByte(index) as number;
    if (letter >= FIRST_NON_ASCII || seen.has(letter)) return "duplicate flag";
    seen.add(letter);
    flags.letters.push(letter);
    const argument = tokens.bytes(index).subarray(1);
    switch (letter) {
      case FlagLetter.b: {
        const decoded = decodeBase64(key);
        if (decoded === undefined) error = "error decoding key";
        key = decoded ?? new Uint8Array(0);
        flags.base64 = true;
        break;
      }
      case FlagLetter.N:
      case FlagLetter.T:
      case FlagLetter.R:
        // TTLs are read and checked, then ignored: items never expire.
        if (parseInt32(argument) === undefined) error = "bad token in command line format";
        if (letter === FlagLetter.N) flags.vivify = true;
        if (letter === FlagLetter.T) flags.touch = true;
        break;
      case FlagLetter.O:
        flags.opaque = tokens.bytes(index);
        break;
      case FlagLetter.P:
      case FlagLetter.L:
      case FlagLetter.k:
      case FlagLetter.s:
      case FlagLetter.t:
      case FlagLetter.c:
      case FlagLetter.f:
      case FlagLetter.v:
      case FlagLetter.h:
      case FlagLetter.l:
        break;
      case FlagLetter.u:
        flags.noUpdate = true;
        break;
      case FlagLetter.q:
        flags.quiet = true;
        break;
      case FlagLetter.F: {
        const clientFlags = parseFlags(argument);
        // memcached notes this failure without a message of its own.
        if (clientFlags === undefined) error ??= "bad command line format";
        else flags.clientFlags = clientFlags;
        break;
      }
      case FlagLetter.C: {
        const cas = parseUnsigned64(argument);
        if (cas === undefined) error = "bad token in command line format";
        else flags.compareCas = toCas(cas);
        break;
      }
      case FlagLetter.M:
        if (argument.length !== 1) error = "incorrect length for M token";
        else flags.mode = argument[0];
        break;
      case FlagLetter.J: {
        const initial = parseUnsigned64(argument);
        if (initial === undefined) error = "invalid numeric initial value";
        else flags.initial = initial;
        break;
      }
      case FlagLetter.D: {
        const delta = parseUnsigned64(argument);
        if (delta === undefined) error = "invalid numeric delta value";
        else flags.delta = delta;
        break;
      }
      case FlagLetter.I:
        flags.invalidate = true;
        break;
      default:
        return "invalid flag";
    }
  }
  return error === undefined ? { key, flags } : error;
}
