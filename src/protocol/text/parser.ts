/**
 * The memcached text protocol parser: bytes in, requests out, no I/O. It
 * frames command lines and data blocks, and reads classic commands
 * (command-parsers.ts) and meta commands (../meta/parser.ts), which share
 * the framing.
 *
 * Feed it whatever the socket delivers with `push`, then call `next` until it
 * returns undefined ("incomplete: wait for more bytes"). A request may be
 * split at any byte and many may arrive in one chunk. Keys and values in a
 * request are views into the parser's buffer: use (or copy) them before the
 * next `push`.
 */
import { ByteWindow } from "../byte-window.ts";
import { parseMetaLine } from "../meta/parser.ts";
import type { MetaFlags } from "../meta/requests.ts";
import {
  parseDelete,
  parseDelta,
  parseFlushAll,
  parseGetAndTouch,
  parseRetrieval,
  parseStorage,
  parseTouch,
  parseVerbosity,
} from "./command-parsers.ts";
import { LineTokens } from "./line-tokens.ts";
import { Reply } from "./replies.ts";
import { invalid, type Request, type StorageCommand } from "./requests.ts";

export type { Request, RetrievalCommand, StorageCommand } from "./requests.ts";

/** A command line longer than this without a newline closes the connection... */
export const MAX_LINE_LENGTH = 2048;
/**
 * ...except get and gets lines, which may carry many keys (memcached's suite
 * sends 128 KiB). As in memcached, gat and gats lines get no such exception.
 */
export const MAX_RETRIEVAL_LINE_LENGTH = 4 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const LOWERCASE_M = 0x6d;
const INITIAL_BUFFER_SIZE = 16 * 1024;

export interface ParserOptions {
  maxItemSize: number;
  /** The clock (ms since the epoch) that flush_all's Unix times are measured against. */
  now?: () => number;
}

/** What the data block completes: a classic storage command or an ms. */
type BlockOwner =
  | { kind: "storage"; command: StorageCommand; flags: number; casUnique: number; noreply: boolean }
  | { kind: "meta_set"; flags: MetaFlags; decodedKey: Uint8Array | undefined };

/** A request whose data block is not all in yet. */
interface PendingBlock {
  owner: BlockOwner;
  /** Where the command line starts: it stays buffered, key included, until the data is in. */
  lineStart: number;
  keyStart: number;
  keyEnd: number;
  /** Offset of the data block in the buffer; the block is `length` bytes plus CRLF. */
  dataStart: number;
  length: number;
}

/** First bytes of command names that memcached answers without its HTTP check. */
const DISPATCHED_FIRST_BYTES: ReadonlySet<number> = new Set(
  Array.from("gsacidt", (letter) => letter.charCodeAt(0)),
);
/** memcached commands litecached does not have, which memcached answers before its HTTP check. */
const UNSUPPORTED_ADMIN_COMMANDS = ["lru_crawler", "lru", "watch", "extstore", "refresh_certs"];
/** memcached's tokenizer hands out at most this many tokens at a time. */
const MEMCACHED_MAX_TOKENS = 23;
/** Every classic command the parser knows, grouped by length so a token is compared with few. */
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
const asciiDecoder = new TextDecoder("latin1");

export class TextParser {
  /** Received bytes not parsed yet (and a pending storage line, kept with its data). */
  private readonly window = new ByteWindow(INITIAL_BUFFER_SIZE);
  /** Where the search for the next newline resumes, so long lines are scanned once. */
  private scanned = 0;
  private pending: PendingBlock | undefined;
  /** Bytes of an oversized or rejected data block still to be thrown away. */
  private skipRemaining = 0;
  /** What to report once the skipped block is gone. */
  private afterSkip: Request | undefined;
  private readonly maxItemSize: number;
  private readonly now: () => number;
  private readonly tokens = new LineTokens();
  /** Start of the line being parsed: a storage request keeps it buffered until its data is in. */
  private lineStart = 0;

  constructor(options: ParserOptions) {
    this.maxItemSize = options.maxItemSize;
    this.now = options.now ?? Date.now;
  }

  /** Bytes received but not yet turned into requests. */
  get bufferedBytes(): number {
    return this.window.length;
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
    const shift = this.window.append(offset === 0 ? chunk : chunk.subarray(offset));
    if (shift !== 0) this.rebase(shift);
  }

  /** The buffered bytes moved `shift` bytes toward the front: so do the offsets saved into them. */
  private rebase(shift: number): void {
    if (this.pending !== undefined) {
      this.pending.lineStart -= shift;
      this.pending.keyStart -= shift;
      this.pending.keyEnd -= shift;
      this.pending.dataStart -= shift;
    }
    this.scanned = Math.max(0, this.scanned - shift);
  }

  // ---- command lines ----

  private takeLine(): Request | undefined {
    const window = this.window;
    const buffer = window.bytes;
    const lineStart = window.start;
    const newline = buffer.indexOf(LF, Math.max(lineStart, this.scanned));
    if (newline === -1 || newline >= window.end) {
      this.scanned = window.end;
      return this.checkOverlongLine();
    }
    const lineEnd = newline > lineStart && buffer[newline - 1] === CR ? newline - 1 : newline;
    window.start = newline + 1;
    this.scanned = window.start;
    // memcached tokenizes the line as a C string: a NUL byte ends it.
    const nul = buffer.subarray(lineStart, lineEnd).indexOf(0);
    this.lineStart = lineStart;
    this.tokens.read(buffer, lineStart, nul === -1 ? lineEnd : lineStart + nul);
    return this.parseLine(this.tokens);
  }

  private checkOverlongLine(): Request | undefined {
    const length = this.window.length;
    if (length <= MAX_LINE_LENGTH) return undefined;
    if (length <= MAX_RETRIEVAL_LINE_LENGTH && this.startsWithRetrieval()) return undefined;
    this.window.consume(length);
    return { kind: "close", reason: `command line longer than ${MAX_LINE_LENGTH} bytes` };
  }

  private startsWithRetrieval(): boolean {
    const { bytes, start } = this.window;
    const head = asciiDecoder.decode(bytes.subarray(start, start + 110));
    return RETRIEVAL_LINE_START.test(head);
  }

  private parseLine(tokens: LineTokens): Request | undefined {
    if (tokens.count === 0) return invalid(Reply.ERROR);
    if (tokens.length(0) === 2 && tokens.firstByte(0) === LOWERCASE_M)
      return this.parseMeta(tokens);
    const name = this.commandName(tokens);
    switch (name) {
      case "get":
      case "gets":
        return parseRetrieval(name, tokens, 1);
      case "bget":
        // memcached still answers this long-gone "binary get" as a get.
        return parseRetrieval("get", tokens, 1);
      case "gat":
      case "gats":
        return parseGetAndTouch(name, tokens);
      case "set":
      case "add":
      case "replace":
      case "append":
      case "prepend":
      case "cas":
        return this.parseStorageLine(name, tokens);
      case "delete":
        return parseDelete(tokens);
      case "incr":
      case "decr":
        return parseDelta(name, tokens);
      case "touch":
        return parseTouch(tokens);
      case "flush_all":
        return parseFlushAll(tokens, this.now());
      case "verbosity":
        return parseVerbosity(tokens);
      case "stats":
        return { kind: "stats", arguments: tokens.texts(1) };
      case "version":
        return { kind: "version" };
      case "quit":
        return { kind: "quit" };
      default:
        if (this.isHttpRequestLine(tokens)) {
          return { kind: "close", reason: "an HTTP request on the memcached port" };
        }
        return invalid(Reply.ERROR);
    }
  }

  private parseStorageLine(command: StorageCommand, tokens: LineTokens): Request | undefined {
    const line = parseStorage(command, tokens, this.maxItemSize);
    switch (line.kind) {
      case "skip":
        return this.skipDataBlock(line.length, line.answer);
      case "storage_header": {
        const { flags, casUnique, noreply, length } = line;
        const owner: BlockOwner = { kind: "storage", command, flags, casUnique, noreply };
        return this.awaitDataBlock(owner, length);
      }
      default:
        return line;
    }
  }

  private parseMeta(tokens: LineTokens): Request | undefined {
    const line = parseMetaLine(tokens);
    switch (line.kind) {
      case "skip":
        return this.skipDataBlock(line.length, line.answer);
      case "meta_set": {
        const { key, flags, length } = line;
        if (length > this.maxItemSize) {
          const request = { command: "ms_too_large", key: key.slice(), flags } as const;
          return this.skipDataBlock(length, { kind: "meta", request });
        }
        // A base64 key was decoded into a copy; a plain key is a view of the line.
        const decodedKey = flags.base64 ? key : undefined;
        return this.awaitDataBlock({ kind: "meta_set", flags, decodedKey }, length);
      }
      default:
        return line;
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
  private isHttpRequestLine(tokens: LineTokens): boolean {
    const first = tokens.firstByte(0) as number;
    if (tokens.length(0) < 2) return false;
    if (DISPATCHED_FIRST_BYTES.has(first)) return false;
    if (UNSUPPORTED_ADMIN_COMMANDS.some((name) => tokens.equals(0, name))) return false;
    const last = Math.min(tokens.count, MEMCACHED_MAX_TOKENS) - 1;
    return tokens.startsWith(last, "HTTP/");
  }

  /** The command token as one of COMMAND_NAMES, or "" for anything else; no allocation. */
  private commandName(tokens: LineTokens): CommandName | "" {
    const candidates = COMMANDS_BY_LENGTH[tokens.length(0)];
    if (candidates === undefined) return "";
    for (const name of candidates) {
      if (tokens.equals(0, name)) return name;
    }
    return "";
  }

  // ---- data blocks ----

  private awaitDataBlock(owner: BlockOwner, length: number): Request | undefined {
    this.pending = {
      owner,
      lineStart: this.lineStart,
      keyStart: this.tokens.start(1),
      keyEnd: this.tokens.end(1),
      dataStart: this.window.start,
      length,
    };
    return this.takeDataBlock(this.pending);
  }

  private skipDataBlock(length: number, report: Request): Request | undefined {
    const blockLength = length + 2;
    const window = this.window;
    const available = window.length;
    if (blockLength <= available) {
      window.consume(blockLength);
      this.scanned = window.start;
      return report;
    }
    this.skipRemaining = blockLength - available;
    window.consume(available);
    this.scanned = window.end;
    this.afterSkip = report;
    return undefined;
  }

  private takeDataBlock(pending: PendingBlock): Request | undefined {
    const blockEnd = pending.dataStart + pending.length + 2;
    const window = this.window;
    if (blockEnd > window.end) {
      // Keep the command line buffered with its data: the key lives there.
      window.start = pending.lineStart;
      return undefined;
    }
    this.pending = undefined;
    window.start = blockEnd;
    this.scanned = blockEnd;
    const buffer = window.bytes;
    const owner = pending.owner;
    if (buffer[blockEnd - 2] !== CR || buffer[blockEnd - 1] !== LF) {
      // memcached silences this under noreply, but never for ms.
      return invalid(Reply.BAD_DATA_CHUNK, owner.kind === "storage" && owner.noreply);
    }
    const key = buffer.subarray(pending.keyStart, pending.keyEnd);
    const value = buffer.subarray(pending.dataStart, pending.dataStart + pending.length);
    if (owner.kind === "meta_set") {
      const request = {
        command: "ms" as const,
        key: owner.decodedKey ?? key,
        flags: owner.flags,
        value,
      };
      return { kind: "meta", request } as const;
    }
    return {
      kind: "storage",
      command: owner.command,
      key,
      flags: owner.flags,
      value,
      casUnique: owner.casUnique,
      noreply: owner.noreply,
    };
  }
}
