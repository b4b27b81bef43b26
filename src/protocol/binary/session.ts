/**
 * The binary protocol front end: one client's frame decoder, its requests
 * mapped onto the command core, the results encoded as memcached 1.6.18's
 * proto_bin.c answers them. A connection whose first byte is 0x80 gets one.
 *
 * Quiet opcodes send no reply on success. A quiet write still leaves an
 * empty acknowledgement in the reply buffer: the connection holds every
 * later reply (the Noop that ends the batch included) until the write's
 * group commit, and if that commit fails the empty acknowledgement becomes
 * this request's error frame, so a quiet write never fails silently.
 */
import type { CommandCore, Item, StoreRequest, StoreStatus } from "../command-core.ts";
import { flushDelaySeconds, toCas } from "../numbers.ts";
import type { ReplyBuffer } from "../reply-buffer.ts";
import type { ProtocolSession, SessionState } from "../session.ts";
import type { StatEntry } from "../stats-entries.ts";
import { asError, noteStorageFailure, storageErrorCode } from "../storage-errors.ts";
import { Status, type StatusValue } from "./constants.ts";
import { BinaryDecoder, type BinaryRequest, type FrameHeader } from "./decoder.ts";
import {
  counterValue,
  encodeError,
  encodeResponse,
  flagsExtras,
  latin1Bytes,
  writeResponse,
  writeStats,
} from "./encoder.ts";

const EMPTY = new Uint8Array(0);

/** Store results as binary statuses, for requests without a cas (memcached's complete_update_bin). */
const NOT_STORED_STATUS: Readonly<Record<StoreRequest["mode"], StatusValue>> = {
  set: Status.NOT_STORED,
  add: Status.KEY_EXISTS,
  replace: Status.KEY_NOT_FOUND,
  append: Status.NOT_STORED,
  prepend: Status.NOT_STORED,
};
const FAILED_STORE_STATUS: Readonly<
  Record<Exclude<StoreStatus, "stored" | "not_stored">, StatusValue>
> = {
  exists: Status.KEY_EXISTS,
  not_found: Status.KEY_NOT_FOUND,
};

/** A binary request's cas field: 0 means "any", anything else must match the item's. */
function casToCompare(cas: bigint): number | undefined {
  return cas !== 0n ? toCas(cas) : undefined;
}

const FAILED_DELTA_STATUS = {
  not_found: Status.KEY_NOT_FOUND,
  non_numeric: Status.NON_NUMERIC,
  exists: Status.KEY_EXISTS,
} as const;

export class BinarySession implements ProtocolSession {
  private readonly decoder: BinaryDecoder;
  private readonly core: CommandCore;

  constructor(core: CommandCore) {
    this.core = core;
    this.decoder = new BinaryDecoder({ maxItemSize: core.settings.maxItemSize });
  }

  push(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  run(out: ReplyBuffer, limit: number): SessionState {
    for (;;) {
      if (out.byteLength > limit) return "full";
      const request = this.decoder.next();
      if (request === undefined) return "idle";
      if (request.kind === "close") return "close";
      try {
        if (this.execute(request, out) === "close") return "close";
      } catch (caught) {
        const error = asError(caught);
        noteStorageFailure(this.core, error);
        out.writeBytes(storageFailure(request, error));
      }
    }
  }

  commitFailureReply(error: Error): Uint8Array {
    return latin1Bytes(storageFailureDetail(error));
  }

  private execute(
    request: Exclude<BinaryRequest, { kind: "close" }>,
    out: ReplyBuffer,
  ): SessionState {
    const core = this.core;
    switch (request.kind) {
      case "get":
        this.answerFetch(request, core.fetch(request.key, "get"), out);
        return "idle";
      case "get_and_touch":
        this.answerFetch(request, core.fetch(request.key, "touch"), out);
        return "idle";
      case "touch": {
        // Touch answers a hit's flags, without the value.
        const item = core.fetch(request.key, "touch");
        if (item === null) this.error(request, Status.KEY_NOT_FOUND, out);
        else this.reply(request, out, { cas: item.cas, extras: flagsExtras(item.flags) });
        return "idle";
      }
      case "store": {
        // Any cas makes set, add and replace memcached's NREAD_CAS.
        const compare = request.cas !== 0n;
        const mode = compare ? "set" : request.mode;
        const result = core.storeItem({
          mode,
          key: request.key,
          value: request.value,
          flags: request.flags,
          compareCas: casToCompare(request.cas),
        });
        this.answerStore(request, mode, result.status, result.cas, out);
        return "idle";
      }
      case "concat": {
        const result = core.storeItem({
          mode: request.mode,
          key: request.key,
          value: request.value,
          flags: 0,
          compareCas: casToCompare(request.cas),
        });
        this.answerStore(request, request.mode, result.status, result.cas, out);
        return "idle";
      }
      case "too_large":
        core.rejectTooLarge(request.key, request.mode === "set");
        // A too-large Set removed the old value: a write this reply waits for.
        this.writeAcknowledgement(
          request,
          out,
          encodeError(request.opcode, request.opaque, Status.VALUE_TOO_LARGE),
        );
        return "idle";
      case "delete": {
        const status = core.delete({
          key: request.key,
          compareCas: casToCompare(request.cas),
        });
        if (status === "deleted") this.acknowledge(request, out, {});
        else
          this.error(request, status === "exists" ? Status.KEY_EXISTS : Status.KEY_NOT_FOUND, out);
        return "idle";
      }
      case "delta": {
        const result = core.arithmetic({
          key: request.key,
          direction: request.direction,
          delta: request.delta,
          compareCas: casToCompare(request.cas),
          initial: request.createOnMiss ? request.initial : undefined,
        });
        if (result.status === "ok") {
          this.acknowledge(request, out, { cas: result.cas, value: counterValue(result.value) });
        } else {
          this.error(request, FAILED_DELTA_STATUS[result.status], out);
        }
        return "idle";
      }
      case "flush": {
        const delaySeconds = flushDelaySeconds(request.delaySeconds, Date.now());
        core.flush(delaySeconds);
        // Only an immediate flush wrote anything to wait for.
        if (delaySeconds === 0) this.acknowledge(request, out, {});
        else if (!request.quiet) this.reply(request, out, {});
        return "idle";
      }
      case "noop":
        this.reply(request, out, {});
        return "idle";
      case "version":
        this.reply(request, out, { value: latin1Bytes(core.version) });
        return "idle";
      case "quit":
        if (!request.quiet) this.reply(request, out, {});
        return "close";
      case "stat":
        this.reportStats(request, out);
        return "idle";
      case "error":
        this.error(request, request.status, out);
        return request.close ? "close" : "idle";
    }
  }

  private answerFetch(
    request: FrameHeader & { key: Uint8Array; withKey: boolean },
    item: Item | null,
    out: ReplyBuffer,
  ): void {
    const withKey = request.withKey;
    const key = withKey ? request.key : EMPTY;
    if (item !== null) {
      this.reply(request, out, {
        cas: item.cas,
        extras: flagsExtras(item.flags),
        key,
        value: item.value,
      });
      return;
    }
    // A quiet get's miss is a success: nothing is sent.
    if (request.quiet) return;
    // A getk miss names its key, with no error text.
    if (withKey) this.reply(request, out, { status: Status.KEY_NOT_FOUND, key });
    else this.error(request, Status.KEY_NOT_FOUND, out);
  }

  private answerStore(
    header: FrameHeader,
    mode: StoreRequest["mode"],
    status: StoreStatus,
    cas: number,
    out: ReplyBuffer,
  ): void {
    if (status === "stored") this.acknowledge(header, out, { cas });
    else if (status === "not_stored") this.error(header, NOT_STORED_STATUS[mode], out);
    else this.error(header, FAILED_STORE_STATUS[status], out);
  }

  /**
   * stat, as memcached's process_bin_stat: the group is matched by prefix
   * ("resetting" resets), "detail" takes " on", " off" or " dump", and an
   * unknown group is Not found.
   */
  private reportStats(request: FrameHeader & { group: Uint8Array }, out: ReplyBuffer): void {
    const core = this.core;
    const group = String.fromCharCode(...request.group);
    const entries = (list: readonly StatEntry[]) =>
      writeStats(
        out,
        request.opaque,
        list.map(([name, value]) => [name, String(value)] as const),
      );
    if (group === "") entries(core.generalStats());
    else if (group.startsWith("reset")) {
      core.resetStats();
      entries([]);
    } else if (group.startsWith("settings")) entries(core.settingsStats());
    else if (group.startsWith("detail")) {
      const option = group.slice("detail".length);
      if (option.startsWith(" on") || option.startsWith(" off")) entries([]);
      else if (option.startsWith(" dump")) entries([["detailed", "END\r\n"]]);
      else this.error(request, Status.KEY_NOT_FOUND, out);
    } else if (group === "items") entries(core.itemStats());
    else if (group === "slabs" || group === "sizes") {
      // No slabs here: an empty listing keeps tools working, as in the text protocol.
      entries([]);
    } else this.error(request, Status.KEY_NOT_FOUND, out);
  }

  // ---- replies ----

  /** A reply that does not depend on a write: sent as it is. */
  private reply(
    header: FrameHeader,
    out: ReplyBuffer,
    fields: {
      status?: StatusValue;
      cas?: number;
      extras?: Uint8Array;
      key?: Uint8Array;
      value?: Uint8Array;
    },
  ): void {
    writeResponse(out, { opcode: header.opcode, opaque: header.opaque, ...fields });
  }

  /**
   * A success that acknowledges a write: held until the group commit, and
   * replaced by an error if the commit fails. Quiet requests send nothing,
   * but their place is kept for that error.
   */
  private acknowledge(
    header: FrameHeader,
    out: ReplyBuffer,
    fields: { cas?: number; value?: Uint8Array },
  ): void {
    const reply = header.quiet
      ? EMPTY
      : encodeResponse({ opcode: header.opcode, opaque: header.opaque, ...fields });
    this.writeAcknowledgement(header, out, reply);
  }

  /** Every acknowledgement goes here: its substitute keeps a failure in this request's frame. */
  private writeAcknowledgement(header: FrameHeader, out: ReplyBuffer, reply: Uint8Array): void {
    out.writeAcknowledgement(reply, (detail) => failureFrame(header, detail));
  }

  /** Errors are sent for quiet requests too. */
  private error(header: FrameHeader, status: StatusValue, out: ReplyBuffer): void {
    out.writeBytes(encodeError(header.opcode, header.opaque, status));
  }
}

/** memcached answers server-side failures with ENOMEM and the text minus "SERVER_ERROR ". */
function storageFailure(header: FrameHeader, error: Error): Uint8Array {
  return failureFrame(header, latin1Bytes(storageFailureDetail(error)));
}

function failureFrame(header: FrameHeader, detail: Uint8Array): Uint8Array {
  return encodeResponse({
    opcode: header.opcode,
    opaque: header.opaque,
    status: Status.OUT_OF_MEMORY,
    value: detail,
  });
}

function storageFailureDetail(error: Error): string {
  const code = storageErrorCode(error);
  return `storage failure${code === undefined ? "" : ` (${code})`}`;
}
