/**
 * The text protocol front end: one client's parser, the classic commands
 * run against the command core, their replies encoded. Meta commands arrive
 * on the same lines and are handed to ../meta/commands.ts.
 */
import type { Item } from "../../store/store.ts";
import type { CommandCore } from "../command-core.ts";
import { executeMeta } from "../meta/commands.ts";
import type { ReplyBuffer } from "../reply-buffer.ts";
import type { ProtocolSession, SessionState } from "../session.ts";
import { asError, noteStorageFailure } from "../storage-errors.ts";
import { DELETE_REPLIES, STORE_REPLIES, writeStats, writeValue } from "./encoder.ts";
import { TextParser } from "./parser.ts";
import { Reply, storageFailureReply } from "./replies.ts";
import type { Request, RetrievalCommand } from "./requests.ts";

/** memcached's number of slab classes: a larger class id is refused. */
const SLAB_CLASS_COUNT = 64;
/** Keys one `stats cachedump` lists at most: it runs on the shared event loop. */
const MAX_CACHEDUMP_KEYS = 10_000;
const DECIMAL = /^\d{1,10}$/;
/** Keys looked up together by a get of many keys. */
const MULTIGET_CHUNK = 16;
const VERSION_PREFIX = "VERSION ";

/** The rest of a multiget whose reply reached the limit, answered as the client reads. */
interface PartialRetrieval {
  command: RetrievalCommand;
  /** Copies of the keys still to answer: the parser's buffer is reused. */
  keys: Uint8Array[];
}

export class TextSession implements ProtocolSession {
  private readonly parser: TextParser;
  private readonly core: CommandCore;
  private retrieval: PartialRetrieval | undefined;

  constructor(core: CommandCore) {
    this.core = core;
    this.parser = new TextParser({ maxItemSize: core.settings.maxItemSize });
  }

  push(chunk: Uint8Array): void {
    this.parser.push(chunk);
  }

  run(out: ReplyBuffer, limit: number): SessionState {
    for (;;) {
      if (out.byteLength > limit) return "full";
      try {
        if (this.retrieval !== undefined) {
          const { command, keys } = this.retrieval;
          this.retrieval = undefined;
          this.retrieve(command, keys, out, limit);
          continue;
        }
        const request = this.parser.next();
        if (request === undefined) return "idle";
        if (this.execute(request, out, limit) === "close") return "close";
      } catch (caught) {
        const error = asError(caught);
        this.retrieval = undefined;
        noteStorageFailure(this.core, error);
        out.writeBytes(storageFailureReply(error));
      }
    }
  }

  commitFailureReply(error: Error): Uint8Array {
    return storageFailureReply(error);
  }

  private execute(request: Request, out: ReplyBuffer, limit: number): SessionState {
    const core = this.core;
    switch (request.kind) {
      case "retrieval":
        this.retrieve(request.command, request.keys, out, limit);
        break;
      case "storage": {
        const { command, key, value, flags, noreply } = request;
        const result = core.storeItem({
          mode: command === "cas" ? "set" : command,
          key,
          value,
          flags,
          compareCas: command === "cas" ? request.casUnique : undefined,
        });
        if (!noreply) out.writeAcknowledgement(STORE_REPLIES[result.status]);
        break;
      }
      case "too_large":
        core.rejectTooLarge(request.key, request.command === "set");
        if (!request.noreply) out.writeAcknowledgement(Reply.OBJECT_TOO_LARGE);
        break;
      case "delete": {
        const status = core.delete({ key: request.key });
        if (!request.noreply) out.writeAcknowledgement(DELETE_REPLIES[status]);
        break;
      }
      case "delta":
        this.arithmetic(request, out);
        break;
      case "touch": {
        const found = core.touch(request.key);
        if (!request.noreply) out.writeBytes(found ? Reply.TOUCHED : Reply.NOT_FOUND);
        break;
      }
      case "flush_all":
        core.flush(request.delaySeconds);
        if (request.noreply) break;
        // Only an immediate flush wrote anything to wait for.
        if (request.delaySeconds === 0) out.writeAcknowledgement(Reply.OK);
        else out.writeBytes(Reply.OK);
        break;
      case "verbosity":
        if (!request.noreply) out.writeBytes(Reply.OK);
        break;
      case "stats":
        this.reportStats(request.arguments, out);
        break;
      case "version":
        out.writeAscii(`${VERSION_PREFIX}${core.version}\r\n`);
        break;
      case "meta":
        executeMeta(core, request.request, out);
        break;
      case "invalid":
        if (request.noreply !== true) out.writeBytes(request.reply);
        break;
      case "quit":
        return "close";
      case "close":
        // memcached closes a connection that is not speaking its protocol
        // (HTTP, an overlong line) without sending the replies still
        // waiting in its buffer; the writes themselves stay done.
        out.take();
        return "close";
    }
    return "idle";
  }

  /**
   * Answers the keys in order, stopping once `out` holds `limit` bytes (END
   * comes with the last key): a multiget of many large values is answered
   * as the client reads, never whole in memory.
   */
  private retrieve(
    command: RetrievalCommand,
    keys: readonly Uint8Array[],
    out: ReplyBuffer,
    limit: number,
  ): void {
    const withCas = command === "gets" || command === "gats";
    const kind = command === "gat" || command === "gats" ? "touch" : "get";
    if (keys.length === 1) {
      // The usual get of one key skips the multiget's arrays and slices
      // (measured in process, no socket: 2.0 -> 1.8 us per 1 KiB tier hit).
      const key = keys[0] as Uint8Array;
      const item = this.core.fetch(key, kind);
      if (item !== null) writeValue(out, key, item, withCas);
      out.writeBytes(Reply.END);
      return;
    }
    // Items are looked up MULTIGET_CHUNK keys at a time: one store call for
    // several keys, yet few enough that a chunk of large values stays small
    // beside the output limit.
    let chunk: (Item | null)[] = [];
    let chunkStart = 0;
    for (let index = 0; index < keys.length; index++) {
      if (index > 0 && out.byteLength >= limit) {
        this.retrieval = { command, keys: keys.slice(index).map((key) => key.slice()) };
        return;
      }
      const key = keys[index] as Uint8Array;
      if (index - chunkStart >= chunk.length) {
        chunkStart = index;
        chunk = this.core.fetchMany(keys.slice(index, index + MULTIGET_CHUNK), kind);
      }
      const item = chunk[index - chunkStart] ?? null;
      if (item !== null) writeValue(out, key, item, withCas);
    }
    out.writeBytes(Reply.END);
  }

  private arithmetic(request: Extract<Request, { kind: "delta" }>, out: ReplyBuffer): void {
    const result = this.core.arithmetic({
      key: request.key,
      direction: request.command,
      delta: request.delta,
    });
    // memcached silences every outcome under noreply, errors included.
    if (request.noreply) return;
    switch (result.status) {
      case "ok":
        out.writeAsciiAcknowledgement(`${result.value}\r\n`);
        return;
      case "not_found":
        out.writeAcknowledgement(Reply.NOT_FOUND);
        return;
      case "non_numeric":
      case "exists":
        out.writeBytes(Reply.NON_NUMERIC_VALUE);
        return;
    }
  }

  private reportStats(args: string[], out: ReplyBuffer): void {
    const [group, ...rest] = args;
    const core = this.core;
    switch (group) {
      case undefined:
        writeStats(out, core.generalStats());
        return;
      case "settings":
        writeStats(out, core.settingsStats());
        return;
      case "reset":
        core.resetStats();
        out.writeBytes(Reply.RESET);
        return;
      case "items":
        writeStats(out, core.itemStats());
        return;
      case "cachedump":
        this.dumpKeys(rest, out);
        return;
      case "slabs":
      case "sizes":
      case "conns":
        // litecached has no slabs, LRU or connection details to show; an
        // empty listing keeps tools working.
        out.writeBytes(Reply.END);
        return;
      case "detail":
        if (rest[0] === "on" || rest[0] === "off") out.writeBytes(Reply.OK);
        else if (rest[0] === "dump") out.writeBytes(Reply.END);
        else out.writeBytes(Reply.STATS_DETAIL_USAGE);
        return;
      default:
        out.writeBytes(Reply.ERROR);
    }
  }

  /**
   * `stats cachedump <class> <limit>`: the first keys in byte order, as
   * memcached lists a slab class's keys (`ITEM <key> [<size> b; <exptime> s]`;
   * items never expire, so 0 s). A limit of 0 means as many as allowed.
   */
  private dumpKeys(args: string[], out: ReplyBuffer): void {
    const [classText, limitText] = args;
    if (classText === undefined || limitText === undefined) {
      out.writeBytes(Reply.BAD_COMMAND_LINE_SHORT);
      return;
    }
    if (!DECIMAL.test(classText) || !DECIMAL.test(limitText)) {
      out.writeBytes(Reply.BAD_COMMAND_LINE);
      return;
    }
    const slabClass = Number(classText);
    if (slabClass >= SLAB_CLASS_COUNT) {
      out.writeBytes(Reply.ILLEGAL_SLAB_ID);
      return;
    }
    if (slabClass === 1) {
      const requested = Number(limitText);
      const limit = requested === 0 ? MAX_CACHEDUMP_KEYS : Math.min(requested, MAX_CACHEDUMP_KEYS);
      for (const summary of this.core.listKeys(limit)) {
        out.writeAscii("ITEM ");
        out.writeBytes(summary.key);
        out.writeAscii(` [${summary.size} b; 0 s]\r\n`);
      }
    }
    out.writeBytes(Reply.END);
  }
}
