/**
 * The memcached binary protocol decoder: bytes in, requests out, no I/O.
 *
 * Feed it whatever the socket delivers with `push`, then call `next` until
 * it returns undefined ("incomplete: wait for more bytes"). A frame may be
 * split at any byte and many may arrive in one chunk. Keys and values are
 * views into the decoder's buffer: use (or copy) them before the next `push`.
 *
 * Framing follows memcached 1.6.18 (proto_bin.c) byte for byte, because a
 * client's next frame starts wherever memcached thinks this one ended:
 * - a wrong magic byte closes the connection without a reply;
 * - header, extras and key are read first; a body shorter than key + extras
 *   is "Unknown command" and closes, a key over 250 bytes (the header allows
 *   65,535) or a shape the opcode does not allow is "Invalid arguments" and
 *   closes;
 * - only the storage opcodes read a value (the rest of the body); a value
 *   over the item size limit is skipped unread, then answered "Too large.";
 * - other opcodes consume header, extras and key only: extra body bytes of
 *   a Stat, Touch or GAT are read as the next frame, as memcached reads them;
 * - an unknown opcode skips `bodyLength` bytes after its extras and key,
 *   then is answered "Unknown command" (memcached answers an error that
 *   skips bytes only once they are gone).
 * Nothing is buffered beyond one frame's header, extras and key (at most
 * memcached's 16 KiB read buffer) plus one value (at most the item size).
 */
import { ByteWindow } from "../byte-window.ts";
import { MAX_KEY_LENGTH } from "../limits.ts";
import {
  DELTA_NO_CREATE,
  ExtrasLength,
  HEADER_LENGTH,
  HeaderOffset,
  LOUD_OPCODE_OF_QUIET,
  Magic,
  Opcode,
  READ_BUFFER_LENGTH,
  Status,
  type StatusValue,
} from "./constants.ts";

/** What every request carries back into its reply. */
export interface FrameHeader {
  /** The opcode as sent (a quiet one stays quiet): replies repeat it. */
  opcode: number;
  /** Echoed in the reply, so clients can match replies to requests. */
  opaque: number;
  /** The request's cas: 0, or the value a write or delete must still find. */
  cas: bigint;
  /** A quiet opcode: no reply on success. */
  quiet: boolean;
}

export type StoreMode = "set" | "add" | "replace";
export type ConcatMode = "append" | "prepend";

export type BinaryRequest =
  | (FrameHeader & { kind: "get"; key: Uint8Array; withKey: boolean })
  | (FrameHeader & { kind: "get_and_touch"; key: Uint8Array; withKey: boolean; expiration: number })
  | (FrameHeader & { kind: "touch"; key: Uint8Array; expiration: number })
  | (FrameHeader & {
      kind: "store";
      mode: StoreMode;
      key: Uint8Array;
      value: Uint8Array;
      flags: number;
      expiration: number;
    })
  | (FrameHeader & { kind: "concat"; mode: ConcatMode; key: Uint8Array; value: Uint8Array })
  /** A set-family value over the item size limit; its bytes were skipped. */
  | (FrameHeader & { kind: "too_large"; mode: StoreMode | ConcatMode; key: Uint8Array })
  | (FrameHeader & { kind: "delete"; key: Uint8Array })
  | (FrameHeader & {
      kind: "delta";
      direction: "incr" | "decr";
      key: Uint8Array;
      delta: bigint;
      initial: bigint;
      /** false when the expiration is 0xffffffff: a miss fails instead of creating the item. */
      createOnMiss: boolean;
    })
  | (FrameHeader & { kind: "flush"; delaySeconds: number })
  | (FrameHeader & { kind: "noop" })
  | (FrameHeader & { kind: "version" })
  | (FrameHeader & { kind: "quit" })
  /** `group` is the key: empty for all stats, else "settings", "reset", "items"... */
  | (FrameHeader & { kind: "stat"; group: Uint8Array })
  /** Malformed or unsupported: reply with this status (and close, if `close`). */
  | (FrameHeader & { kind: "error"; status: StatusValue; close: boolean })
  /** Not a binary frame at all (wrong magic, a header too large): close without a reply. */
  | { kind: "close"; reason: string };

export interface DecoderOptions {
  maxItemSize: number;
}

/** A swallow count memcached keeps in a signed int: larger ones go negative and skip nothing. */
const MAX_SKIP = 0x7fff_ffff;
const INITIAL_CAPACITY = 16 * 1024;

export class BinaryDecoder {
  /** Received bytes not decoded yet. */
  private readonly window = new ByteWindow(INITIAL_CAPACITY);
  /** Bytes still to be thrown away (an oversized value, an unknown command's body). */
  private skipRemaining = 0;
  /**
   * The error to report once the skipped bytes are gone: memcached sends it
   * only after swallowing them, so a client that never sends them never
   * sees it.
   */
  private afterSkip: BinaryRequest | undefined;
  /** After a close or an error that closes, nothing more is decoded. */
  private finished = false;
  private readonly maxItemSize: number;

  constructor(options: DecoderOptions) {
    this.maxItemSize = options.maxItemSize;
  }

  /** Bytes received but not yet turned into requests. */
  get bufferedBytes(): number {
    return this.window.length;
  }

  push(chunk: Uint8Array): void {
    if (this.finished) return;
    let offset = 0;
    if (this.skipRemaining > 0) {
      offset = Math.min(this.skipRemaining, chunk.length);
      this.skipRemaining -= offset;
      if (offset === chunk.length) return;
    }
    this.window.append(offset === 0 ? chunk : chunk.subarray(offset));
  }

  next(): BinaryRequest | undefined {
    if (this.finished || this.skipRemaining > 0) return undefined;
    if (this.afterSkip !== undefined) {
      const request = this.afterSkip;
      this.afterSkip = undefined;
      return request;
    }
    const available = this.window.length;
    if (available < HEADER_LENGTH) return undefined;
    const { bytes: buffer, start: at } = this.window;
    if (buffer[at + HeaderOffset.MAGIC] !== Magic.REQUEST) {
      return this.finish({ kind: "close", reason: "a frame without the request magic byte" });
    }
    const view = new DataView(buffer.buffer, buffer.byteOffset + at, HEADER_LENGTH);
    const opcode = view.getUint8(HeaderOffset.OPCODE);
    const keyLength = view.getUint16(HeaderOffset.KEY_LENGTH);
    const extrasLength = view.getUint8(HeaderOffset.EXTRAS_LENGTH);
    const bodyLength = view.getUint32(HeaderOffset.BODY_LENGTH);
    const headLength = HEADER_LENGTH + extrasLength + keyLength;
    if (headLength > READ_BUFFER_LENGTH) {
      return this.finish({ kind: "close", reason: "a frame header larger than the read buffer" });
    }
    if (available < headLength) return undefined;
    const loud = LOUD_OPCODE_OF_QUIET.get(opcode);
    const header: FrameHeader = {
      opcode,
      opaque: view.getUint32(HeaderOffset.OPAQUE),
      cas: view.getBigUint64(HeaderOffset.CAS),
      quiet: loud !== undefined,
    };
    const shape: Shape = {
      extras: buffer.subarray(at + HEADER_LENGTH, at + HEADER_LENGTH + extrasLength),
      key: buffer.subarray(at + HEADER_LENGTH + extrasLength, at + headLength),
      bodyLength,
    };
    if (keyLength + extrasLength > bodyLength) {
      return this.fail(header, headLength, Status.UNKNOWN_COMMAND);
    }
    if (keyLength > MAX_KEY_LENGTH) return this.fail(header, headLength, Status.INVALID_ARGUMENTS);
    return this.dispatch(loud ?? opcode, header, shape, headLength);
  }

  // ---- opcodes (memcached's dispatch_bin_command) ----

  private dispatch(
    command: number,
    header: FrameHeader,
    shape: Shape,
    headLength: number,
  ): BinaryRequest | undefined {
    const { extras, key, bodyLength } = shape;
    const keyLength = key.length;
    const extrasLength = extras.length;
    const bare = keyLength === 0 && extrasLength === 0 && bodyLength === 0;
    const invalid = () => this.fail(header, headLength, Status.INVALID_ARGUMENTS);
    switch (command) {
      case Opcode.GET:
      case Opcode.GETK:
        if (extrasLength !== 0 || bodyLength !== keyLength || keyLength === 0) return invalid();
        return this.take(headLength, {
          ...header,
          kind: "get",
          key,
          withKey: command === Opcode.GETK,
        });
      case Opcode.GAT:
      case Opcode.GATK:
      case Opcode.TOUCH: {
        if (extrasLength !== ExtrasLength.EXPIRATION || keyLength === 0) return invalid();
        const expiration = readUint32(extras, 0);
        if (command === Opcode.TOUCH) {
          return this.take(headLength, { ...header, kind: "touch", key, expiration });
        }
        const withKey = command === Opcode.GATK;
        return this.take(headLength, {
          ...header,
          kind: "get_and_touch",
          key,
          withKey,
          expiration,
        });
      }
      case Opcode.SET:
      case Opcode.ADD:
      case Opcode.REPLACE: {
        const storage = extrasLength === ExtrasLength.STORAGE && keyLength !== 0;
        if (!storage || bodyLength < keyLength + ExtrasLength.STORAGE) return invalid();
        const mode: StoreMode =
          command === Opcode.SET ? "set" : command === Opcode.ADD ? "add" : "replace";
        return this.takeValue(header, shape, headLength, mode, (value) => ({
          ...header,
          kind: "store",
          mode,
          key,
          value,
          flags: readUint32(extras, 0),
          expiration: readUint32(extras, 4),
        }));
      }
      case Opcode.APPEND:
      case Opcode.PREPEND: {
        if (keyLength === 0 || extrasLength !== 0) return invalid();
        const mode: ConcatMode = command === Opcode.APPEND ? "append" : "prepend";
        return this.takeValue(header, shape, headLength, mode, (value) => ({
          ...header,
          kind: "concat",
          mode,
          key,
          value,
        }));
      }
      case Opcode.DELETE:
        if (keyLength === 0 || extrasLength !== 0 || bodyLength !== keyLength) return invalid();
        return this.take(headLength, { ...header, kind: "delete", key });
      case Opcode.INCREMENT:
      case Opcode.DECREMENT: {
        const delta = keyLength > 0 && extrasLength === ExtrasLength.DELTA;
        if (!delta || bodyLength !== keyLength + extrasLength) return invalid();
        return this.take(headLength, {
          ...header,
          kind: "delta",
          direction: command === Opcode.INCREMENT ? "incr" : "decr",
          key,
          delta: readUint64(extras, 0),
          initial: readUint64(extras, 8),
          createOnMiss: readUint32(extras, 16) !== DELTA_NO_CREATE,
        });
      }
      case Opcode.FLUSH: {
        const shapeOk =
          keyLength === 0 &&
          bodyLength === extrasLength &&
          (extrasLength === 0 || extrasLength === ExtrasLength.EXPIRATION);
        if (!shapeOk) return invalid();
        const delaySeconds = extrasLength === 0 ? 0 : readUint32(extras, 0);
        return this.take(headLength, { ...header, kind: "flush", delaySeconds });
      }
      case Opcode.STAT:
        if (extrasLength !== 0) return invalid();
        return this.take(headLength, { ...header, kind: "stat", group: key });
      case Opcode.NOOP:
        return bare ? this.take(headLength, { ...header, kind: "noop" }) : invalid();
      case Opcode.VERSION:
        return bare ? this.take(headLength, { ...header, kind: "version" }) : invalid();
      case Opcode.QUIT:
        return bare ? this.take(headLength, { ...header, kind: "quit" }) : invalid();
      case Opcode.SASL_LIST_MECHS:
        // Without SASL configured, memcached answers the SASL opcodes as unknown.
        if (!bare) return invalid();
        return this.unknown(header, headLength, 0);
      case Opcode.SASL_AUTH:
      case Opcode.SASL_STEP:
        if (extrasLength !== 0 || keyLength === 0) return invalid();
        return this.unknown(header, headLength, bodyLength - keyLength);
      default:
        // memcached skips the whole body length after the extras and key it
        // already read, so it also swallows that many bytes of what follows.
        return this.unknown(header, headLength, bodyLength);
    }
  }

  // ---- consuming ----

  /** The frame is header, extras and key: consume them and hand out the request. */
  private take(headLength: number, request: BinaryRequest): BinaryRequest {
    this.window.consume(headLength);
    return request;
  }

  /**
   * A storage frame: its value is the rest of the body. A value over the
   * limit is refused before it arrives and skipped as it does.
   */
  private takeValue(
    header: FrameHeader,
    shape: Shape,
    headLength: number,
    mode: StoreMode | ConcatMode,
    build: (value: Uint8Array) => BinaryRequest,
  ): BinaryRequest | undefined {
    const valueLength = shape.bodyLength - (headLength - HEADER_LENGTH);
    if (valueLength > this.maxItemSize) {
      const key = shape.key.slice();
      this.window.consume(headLength);
      return this.skip(valueLength, { ...header, kind: "too_large", mode, key });
    }
    const frameLength = headLength + valueLength;
    const window = this.window;
    if (window.length < frameLength) return undefined;
    const valueStart = window.start + headLength;
    window.consume(frameLength);
    return build(window.bytes.subarray(valueStart, valueStart + valueLength));
  }

  private unknown(
    header: FrameHeader,
    headLength: number,
    skip: number,
  ): BinaryRequest | undefined {
    this.window.consume(headLength);
    return this.skip(skip, {
      ...header,
      kind: "error",
      status: Status.UNKNOWN_COMMAND,
      close: false,
    });
  }

  /** A protocol error: memcached answers it and closes, reading nothing more. */
  private fail(header: FrameHeader, headLength: number, status: StatusValue): BinaryRequest {
    this.window.consume(headLength);
    return this.finish({ ...header, kind: "error", status, close: true });
  }

  private finish(request: BinaryRequest): BinaryRequest {
    this.finished = true;
    this.window.clear();
    return request;
  }

  /** Throws `count` bytes away, then reports `request` (at once if they are all buffered). */
  private skip(count: number, request: BinaryRequest): BinaryRequest | undefined {
    if (count <= 0 || count > MAX_SKIP) return request;
    const buffered = Math.min(count, this.window.length);
    this.window.consume(buffered);
    this.skipRemaining = count - buffered;
    if (this.skipRemaining === 0) return request;
    this.afterSkip = request;
    return undefined;
  }
}

interface Shape {
  extras: Uint8Array;
  key: Uint8Array;
  bodyLength: number;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    (((bytes[offset] as number) << 24) >>> 0) +
    ((bytes[offset + 1] as number) << 16) +
    ((bytes[offset + 2] as number) << 8) +
    (bytes[offset + 3] as number)
  );
}

function readUint64(bytes: Uint8Array, offset: number): bigint {
  return (BigInt(readUint32(bytes, offset)) << 32n) | BigInt(readUint32(bytes, offset + 4));
}
