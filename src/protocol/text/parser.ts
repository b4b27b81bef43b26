/**
 * The memcached text protocol parser: bytes in, requests out, no I/O.
 *
 * Feed it whatever the socket delivers with `push`, then call `next` until it
 * returns undefined ("incomplete: wait for more bytes"). A request may be
 * split at any byte and many may arrive in one chunk. Keys and values in a
 * request are views into the parser's buffer: use (or copy) them before the
 * next `push`.
 */
import { parseFlags, parseInt32, parseUnsigned64, REALTIME_MAXDELTA } from "../numbers.ts";
import { Reply } from "./replies.ts";

/** A command line longer than this without a newline closes the connection... */
export const MAX_LINE_LENGTH = 2048;
/**
 * ...except get and gets lines, which may carry many keys (memcached's suite
 * sends 128 KiB). As in memcached, gat and gats lines get no such exception.
 */
export const MAX_RETRIEVAL_LINE_LENGTH = 4 * 1024 * 1024;
export const MAX_KEY_LENGTH = 250;
/** memcached's limit on `<bytes>`: the block and its CRLF must fit a signed 32-bit int. */
export const MAX_DATA_LENGTH = 0x7fff_ffff - 2;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

export type StorageCommand = "set" | "add" | "replace" | "append" | "prepend" | "cas";
export type RetrievalCommand = "get" | "gets" | "gat" | "gats";

export type Request =
  | {
      kind: "storage";
      command: StorageCommand;
      key: Uint8Array;
      flags: number;
      value: Uint8Array;
      /** Only for cas. */
      casUnique: bigint;
      noreply: boolean;
    }
  /** A storage command whose data block was larger than the item size limit (and skipped). */
  | { kind: "too_large"; command: StorageCommand; key: Uint8Array; noreply: boolean }
  | { kind: "retrieval"; command: RetrievalCommand; keys: Uint8Array[] }
  | { kind: "delete"; key: Uint8Array; noreply: boolean }
  | { kind: "delta"; command: "incr" | "decr"; key: Uint8Array; delta: bigint; noreply: boolean }
  | { kind: "touch"; key: Uint8Array; noreply: boolean }
  | { kind: "flush_all"; delaySeconds: number; noreply: boolean }
  | { kind: "verbosity"; noreply: boolean }
  | { kind: "stats"; arguments: string[] }
  | { kind: "version" }
  | { kind: "quit" }
  /** The line was malformed or unknown: send this reply (noreply does not silence it). */
  | { kind: "invalid"; reply: Uint8Array }
  /** The peer is not speaking memcached (overlong line, HTTP request): close the connection. */
  | { kind: "close"; reason: string };

export interface ParserOptions {
  maxItemSize: number;
  /** The clock (ms since the epoch) that flush_all's Unix times are measured against. */
  now?: () => number;
}

interface PendingStorage {
  command: StorageCommand;
  keyStart: number;
  keyEnd: number;
  flags: number;
  casUnique: bigint;
  noreply: boolean;
  /** Where the command line starts: it stays buffered, key included, until the data is in. */
  lineStart: number;
  /** Offset of the data block in the buffer; the block is `length` bytes plus CRLF. */
  dataStart: number;
  length: number;
}

/** Token boundaries within the buffer: [start0, end0, start1, end1, ...]. */
type Tokens = number[];

/**
 * For text the parser only compares with ASCII (stats arguments, digits, a
 * line's first bytes). The "latin1" label really means windows-1252, which
 * is fine for that; keys and values are never decoded.
 */
const asciiDecoder = new TextDecoder("latin1");
/** First bytes of command names that memcached answers without its HTTP check. */
const DISPATCHED_FIRST_BYTES: ReadonlySet<number> = new Set(
  Array.from("gsacidt", (letter) => letter.charCodeAt(0)),
);
const LOWERCASE_M = 0x6d;
/** memcached commands litecached does not have, which memcached answers before its HTTP check. */
const UNSUPPORTED_ADMIN_COMMANDS = ["lru_crawler", "lru", "watch", "extstore", "refresh_certs"];
/** memcached's tokenizer hands out at most this many tokens at a time. */
const MEMCACHED_MAX_TOKENS = 23;
/** Every command the parser knows, grouped by length so a token is compared with few. */
const COMMAND_NAMES = [
  "get",
  "gets",
  "bget",
  "gat",
  "gats",
  "set",
  "add",
  "replace",
  "append",
  "prepend",
  "cas",
  "delete",
  "incr",
  "decr",
  "touch",
  "flush_all",
  "verbosity",
  "stats",
  "version",
  "quit",
] as const;
type CommandName = (typeof COMMAND_NAMES)[number];
const LONGEST_COMMAND = Math.max(...COMMAND_NAMES.map((name) => name.length));
const COMMANDS_BY_LENGTH: ReadonlyArray<readonly CommandName[] | undefined> = Array.from(
  { length: LONGEST_COMMAND + 1 },
  (_, length) => COMMAND_NAMES.filter((name) => name.length === length),
);
/** memcached tolerates up to 100 leading spaces before an overlong multiget. */
const RETRIEVAL_LINE_START = /^ {0,100}gets? /;

export class TextParser {
  private buffer = new Uint8Array(16 * 1024);
  private start = 0;
  private end = 0;
  /** Where the search for the next newline resumes, so long lines are scanned once. */
  private scanned = 0;
  private pending: PendingStorage | undefined;
  /** Bytes of an oversized or rejected data block still to be thrown away. */
  private skipRemaining = 0;
  /** What to report once the skipped block is gone. */
  private afterSkip: Request | undefined;
  private readonly maxItemSize: number;
  private readonly now: () => number;
  private readonly tokens: Tokens = [];
  /** Start of the line being parsed: a storage request keeps it buffered until its data is in. */
  private lineStart = 0;

  constructor(options: ParserOptions) {
    this.maxItemSize = options.maxItemSize;
    this.now = options.now ?? Date.now;
  }

  /** Bytes received but not yet turned into requests. */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    if (this.skipRemaining > 0) {
      offset = Math.min(this.skipRemaining, chunk.length);
      this.skipRemaining -= offset;
      if (offset === chunk.length) return;
    }
    this.append(chunk, offset);
  }

  next(): Request | undefined {
    if (this.skipRemaining > 0) return undefined;
    if (this.afterSkip !== undefined) {
      const request = this.afterSkip;
      this.afterSkip = undefined;
      return request;
    }
    if (this.pending !== undefined) return this.takeDataBlock(this.pending);
    return this.takeLine();
  }

  // ---- buffer management ----

  private append(chunk: Uint8Array, offset: number): void {
    const incoming = chunk.length - offset;
    if (this.start === this.end) this.rebase(this.start);
    if (this.end + incoming > this.buffer.length) {
      const needed = this.end - this.start + incoming;
      if (needed <= this.buffer.length && this.start > 0) {
        this.buffer.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
        grown.set(this.buffer.subarray(this.start, this.end));
        this.buffer = grown;
      }
      this.rebase(this.start);
    }
    this.buffer.set(offset === 0 ? chunk : chunk.subarray(offset), this.end);
    this.end += incoming;
  }

  /** Moves the logical window so that `start` becomes 0, shifting saved offsets with it. */
  private rebase(shift: number): void {
    if (this.pending !== undefined) {
      this.pending.lineStart -= shift;
      this.pending.keyStart -= shift;
      this.pending.keyEnd -= shift;
      this.pending.dataStart -= shift;
    }
    this.scanned -= shift;
    this.end -= shift;
    this.start = 0;
    if (this.scanned < 0) this.scanned = 0;
  }

  // ---- command lines ----

  private takeLine(): Request | undefined {
    const buffer = this.buffer;
    const from = Math.max(this.start, this.scanned);
    const newline = buffer.indexOf(LF, from);
    if (newline === -1 || newline >= this.end) {
      this.scanned = this.end;
      return this.checkOverlongLine();
    }
    const lineStart = this.start;
    const lineEnd = newline > lineStart && buffer[newline - 1] === CR ? newline - 1 : newline;
    this.start = newline + 1;
    this.scanned = this.start;
    // memcached tokenizes the line as a C string: a NUL byte ends it.
    const nul = buffer.subarray(lineStart, lineEnd).indexOf(0);
    return this.parseLine(lineStart, nul === -1 ? lineEnd : lineStart + nul);
  }

  private checkOverlongLine(): Request | undefined {
    const length = this.end - this.start;
    if (length <= MAX_LINE_LENGTH) return undefined;
    if (length <= MAX_RETRIEVAL_LINE_LENGTH && this.startsWithRetrieval()) return undefined;
    this.start = this.end;
    return { kind: "close", reason: `command line longer than ${MAX_LINE_LENGTH} bytes` };
  }

  private startsWithRetrieval(): boolean {
    const head = asciiDecoder.decode(this.buffer.subarray(this.start, this.start + 110));
    return RETRIEVAL_LINE_START.test(head);
  }

  private parseLine(lineStart: number, lineEnd: number): Request | undefined {
    this.lineStart = lineStart;
    const tokens = this.tokenize(lineStart, lineEnd);
    const count = tokens.length / 2;
    if (count === 0) return { kind: "invalid", reply: Reply.ERROR };
    const name = this.commandName(tokens);
    switch (name) {
      case "get":
      case "gets":
        return this.parseRetrieval(name, tokens, 1);
      case "bget":
        // memcached still answers this long-gone "binary get" as a get.
        return this.parseRetrieval("get", tokens, 1);
      case "gat":
      case "gats":
        return this.parseGetAndTouch(name, tokens);
      case "set":
      case "add":
      case "replace":
      case "append":
      case "prepend":
        return this.parseStorage(name, tokens, false);
      case "cas":
        return this.parseStorage(name, tokens, true);
      case "delete":
        return this.parseDelete(tokens);
      case "incr":
      case "decr":
        return this.parseDelta(name, tokens);
      case "touch":
        return this.parseTouch(tokens);
      case "flush_all":
        return this.parseFlushAll(tokens);
      case "verbosity":
        return this.parseVerbosity(tokens);
      case "stats":
        return { kind: "stats", arguments: this.tokenStrings(tokens, 1) };
      case "version":
        return { kind: "version" };
      case "quit":
        return { kind: "quit" };
      default:
        if (this.isHttpRequestLine(tokens)) {
          return { kind: "close", reason: "an HTTP request on the memcached port" };
        }
        return { kind: "invalid", reply: Reply.ERROR };
    }
  }

  /**
   * An unknown command whose last token starts with "HTTP/" is a browser, not
   * a client: memcached closes the connection. It checks only lines that fall
   * through its whole dispatch, so lines it answers ERROR earlier stay ERROR:
   * one-byte names, two-byte names starting with "m" (meta commands), names
   * starting with a letter it dispatches on, and its admin commands. Its
   * tokenizer stops at 23 tokens, so the token checked is at most the 23rd.
   */
  private isHttpRequestLine(tokens: Tokens): boolean {
    const nameLength = this.tokenLength(tokens, 0);
    const first = this.buffer[tokens[0] as number] as number;
    if (nameLength < 2 || (first === LOWERCASE_M && nameLength === 2)) return false;
    if (DISPATCHED_FIRST_BYTES.has(first)) return false;
    if (UNSUPPORTED_ADMIN_COMMANDS.some((name) => this.tokenEquals(tokens, 0, name))) return false;
    const last = Math.min(tokens.length / 2, MEMCACHED_MAX_TOKENS) - 1;
    return this.tokenStartsWith(tokens, last, "HTTP/");
  }

  /** Splits on runs of spaces (only spaces: memcached does not treat tabs as separators). */
  private tokenize(lineStart: number, lineEnd: number): Tokens {
    const buffer = this.buffer;
    const tokens = this.tokens;
    tokens.length = 0;
    let index = lineStart;
    while (index < lineEnd) {
      while (index < lineEnd && buffer[index] === SPACE) index++;
      if (index === lineEnd) break;
      const tokenStart = index;
      while (index < lineEnd && buffer[index] !== SPACE) index++;
      tokens.push(tokenStart, index);
    }
    return tokens;
  }

  /** The command token as one of COMMAND_NAMES, or "" for anything else; no allocation. */
  private commandName(tokens: Tokens): CommandName | "" {
    const start = tokens[0] as number;
    const candidates = COMMANDS_BY_LENGTH[(tokens[1] as number) - start];
    if (candidates === undefined) return "";
    for (const name of candidates) {
      if (this.tokenEquals(tokens, 0, name)) return name;
    }
    return "";
  }

  private token(tokens: Tokens, index: number): Uint8Array {
    return this.buffer.subarray(tokens[index * 2] as number, tokens[index * 2 + 1] as number);
  }

  private tokenLength(tokens: Tokens, index: number): number {
    return (tokens[index * 2 + 1] as number) - (tokens[index * 2] as number);
  }

  private tokenEquals(tokens: Tokens, index: number, text: string): boolean {
    if (this.tokenLength(tokens, index) !== text.length) return false;
    const start = tokens[index * 2] as number;
    for (let offset = 0; offset < text.length; offset++) {
      if (this.buffer[start + offset] !== text.charCodeAt(offset)) return false;
    }
    return true;
  }

  private tokenStartsWith(tokens: Tokens, index: number, prefix: string): boolean {
    if (this.tokenLength(tokens, index) < prefix.length) return false;
    const start = tokens[index * 2] as number;
    for (let offset = 0; offset < prefix.length; offset++) {
      if (this.buffer[start + offset] !== prefix.charCodeAt(offset)) return false;
    }
    return true;
  }

  private tokenStrings(tokens: Tokens, from: number): string[] {
    const strings: string[] = [];
    for (let index = from; index < tokens.length / 2; index++) {
      strings.push(asciiDecoder.decode(this.token(tokens, index)));
    }
    return strings;
  }

  /** memcached's set_noreply_maybe: the last token, exactly "noreply". */
  private endsWithNoreply(tokens: Tokens): boolean {
    return this.tokenEquals(tokens, tokens.length / 2 - 1, "noreply");
  }

  // ---- individual commands ----

  private parseRetrieval(command: RetrievalCommand, tokens: Tokens, firstKey: number): Request {
    const count = tokens.length / 2;
    if (count <= firstKey) return { kind: "invalid", reply: Reply.ERROR };
    const keys: Uint8Array[] = [];
    for (let index = firstKey; index < count; index++) {
      if (this.tokenLength(tokens, index) > MAX_KEY_LENGTH) {
        return { kind: "invalid", reply: Reply.BAD_COMMAND_LINE };
      }
      keys.push(this.token(tokens, index));
    }
    return { kind: "retrieval", command, keys };
  }

  private parseGetAndTouch(command: "gat" | "gats", tokens: Tokens): Request {
    const count = tokens.length / 2;
    if (count < 2) return { kind: "invalid", reply: Reply.ERROR };
    if (parseInt32(this.token(tokens, 1)) === undefined) {
      return { kind: "invalid", reply: Reply.INVALID_EXPTIME };
    }
    if (count === 2) return { kind: "retrieval", command, keys: [] };
    return this.parseRetrieval(command, tokens, 2);
  }

  private parseStorage(
    command: StorageCommand,
    tokens: Tokens,
    isCas: boolean,
  ): Request | undefined {
    const count = tokens.length / 2;
    const required = isCas ? 6 : 5;
    if (count !== required && count !== required + 1)
      return { kind: "invalid", reply: Reply.ERROR };
    const noreply = this.endsWithNoreply(tokens);
    const length = parseInt32(this.token(tokens, 4));
    const flags = parseFlags(this.token(tokens, 2));
    const exptime = parseInt32(this.token(tokens, 3));
    const casUnique = isCas ? parseUnsigned64(this.token(tokens, 5)) : 0n;
    // memcached refuses lengths whose block (plus CRLF) would not fit an int.
    const lengthValid = length !== undefined && length >= 0 && length <= MAX_DATA_LENGTH;
    const malformed =
      this.tokenLength(tokens, 1) > MAX_KEY_LENGTH ||
      flags === undefined ||
      exptime === undefined ||
      casUnique === undefined ||
      !lengthValid;
    if (malformed) {
      // Unlike memcached, skip a data block whose length we can read, so
      // that its bytes are never run as commands.
      if (lengthValid) {
        return this.skipDataBlock(length, { kind: "invalid", reply: Reply.BAD_COMMAND_LINE });
      }
      return { kind: "invalid", reply: Reply.BAD_COMMAND_LINE };
    }
    if (length > this.maxItemSize) {
      const key = this.token(tokens, 1).slice();
      return this.skipDataBlock(length, { kind: "too_large", command, key, noreply });
    }
    this.pending = {
      command,
      keyStart: tokens[2] as number,
      keyEnd: tokens[3] as number,
      flags,
      casUnique,
      noreply,
      lineStart: this.lineStart,
      dataStart: this.start,
      length,
    };
    return this.takeDataBlock(this.pending);
  }

  private skipDataBlock(length: number, report: Request): Request | undefined {
    const blockLength = length + 2;
    const available = this.end - this.start;
    if (blockLength <= available) {
      this.start += blockLength;
      this.scanned = this.start;
      return report;
    }
    this.skipRemaining = blockLength - available;
    this.start = this.end;
    this.scanned = this.end;
    this.afterSkip = report;
    return undefined;
  }

  private takeDataBlock(pending: PendingStorage): Request | undefined {
    const blockEnd = pending.dataStart + pending.length + 2;
    if (blockEnd > this.end) {
      // Keep the command line buffered with its data: the key lives there.
      this.start = pending.lineStart;
      return undefined;
    }
    this.pending = undefined;
    this.start = blockEnd;
    this.scanned = blockEnd;
    const buffer = this.buffer;
    if (buffer[blockEnd - 2] !== CR || buffer[blockEnd - 1] !== LF) {
      return { kind: "invalid", reply: Reply.BAD_DATA_CHUNK };
    }
    return {
      kind: "storage",
      command: pending.command,
      key: buffer.subarray(pending.keyStart, pending.keyEnd),
      flags: pending.flags,
      value: buffer.subarray(pending.dataStart, pending.dataStart + pending.length),
      casUnique: pending.casUnique,
      noreply: pending.noreply,
    };
  }

  private parseDelete(tokens: Tokens): Request {
    const count = tokens.length / 2;
    if (count < 2 || count > 4) return { kind: "invalid", reply: Reply.ERROR };
    // As memcached: only a token after the key can be noreply ("delete
    // noreply" deletes the key "noreply", and answers).
    const noreply = count > 2 && this.endsWithNoreply(tokens);
    if (count > 2) {
      const holdIsZero = this.tokenEquals(tokens, 2, "0");
      const valid =
        (count === 3 && (holdIsZero || noreply)) || (count === 4 && holdIsZero && noreply);
      if (!valid) return { kind: "invalid", reply: Reply.BAD_DELETE_USAGE };
    }
    if (this.tokenLength(tokens, 1) > MAX_KEY_LENGTH) {
      return { kind: "invalid", reply: Reply.BAD_COMMAND_LINE };
    }
    return { kind: "delete", key: this.token(tokens, 1), noreply };
  }

  private parseDelta(command: "incr" | "decr", tokens: Tokens): Request {
    const count = tokens.length / 2;
    if (count !== 3 && count !== 4) return { kind: "invalid", reply: Reply.ERROR };
    const noreply = this.endsWithNoreply(tokens);
    if (this.tokenLength(tokens, 1) > MAX_KEY_LENGTH) {
      return { kind: "invalid", reply: Reply.BAD_COMMAND_LINE };
    }
    const delta = parseUnsigned64(this.token(tokens, 2));
    if (delta === undefined) return { kind: "invalid", reply: Reply.INVALID_DELTA };
    return { kind: "delta", command, key: this.token(tokens, 1), delta, noreply };
  }

  private parseTouch(tokens: Tokens): Request {
    const count = tokens.length / 2;
    if (count !== 3 && count !== 4) return { kind: "invalid", reply: Reply.ERROR };
    const noreply = this.endsWithNoreply(tokens);
    if (this.tokenLength(tokens, 1) > MAX_KEY_LENGTH) {
      return { kind: "invalid", reply: Reply.BAD_COMMAND_LINE };
    }
    if (parseInt32(this.token(tokens, 2)) === undefined) {
      return { kind: "invalid", reply: Reply.INVALID_EXPTIME };
    }
    return { kind: "touch", key: this.token(tokens, 1), noreply };
  }

  private parseFlushAll(tokens: Tokens): Request {
    const count = tokens.length / 2;
    if (count > 3) return { kind: "invalid", reply: Reply.ERROR };
    const noreply = this.endsWithNoreply(tokens);
    if (count === (noreply ? 2 : 1)) return { kind: "flush_all", delaySeconds: 0, noreply };
    const delay = parseInt32(this.token(tokens, 1));
    if (delay === undefined) return { kind: "invalid", reply: Reply.INVALID_EXPTIME };
    return { kind: "flush_all", delaySeconds: this.flushDelay(delay), noreply };
  }

  /**
   * Seconds until a flush_all takes effect, as memcached times it. Its
   * realtime() reads an exptime over 30 days as a Unix time, not a delay (a
   * time already past means now; memcached ignores one from before its own
   * start, which a restartable server has no use for). It then flushes
   * everything stored up to one second before that time, so "flush_all 1"
   * empties the cache at once.
   */
  private flushDelay(exptime: number): number {
    if (exptime <= 0) return 0;
    const seconds =
      exptime <= REALTIME_MAXDELTA ? exptime : exptime - Math.floor(this.now() / 1000);
    return Math.max(0, seconds - 1);
  }

  private parseVerbosity(tokens: Tokens): Request {
    const count = tokens.length / 2;
    if (count !== 2 && count !== 3) return { kind: "invalid", reply: Reply.ERROR };
    const noreply = this.endsWithNoreply(tokens);
    // With noreply the level is not checked: memcached stays silent even for
    // "verbosity noreply", and memcapable relies on it. The level changes
    // nothing in litecached either way.
    if (noreply) return { kind: "verbosity", noreply };
    if (parseUnsigned64(this.token(tokens, 1)) === undefined) {
      return { kind: "invalid", reply: Reply.BAD_COMMAND_LINE };
    }
    return { kind: "verbosity", noreply };
  }
}
