/**
 * The binary front end over a real command core: quiet commands leave no
 * reply on success but keep a place for their error, so a failed group
 * commit turns each acknowledgement (quiet or not) into an error frame of
 * its own request. Every other reply byte is checked against memcached in
 * test/e2e/binary-differential.test.ts.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { Opcode, Status } from "../../../src/protocol/binary/constants.ts";
import { BinarySession } from "../../../src/protocol/binary/session.ts";
import type { CommandCore } from "../../../src/protocol/command-core.ts";
import { ReplyBuffer } from "../../../src/protocol/reply-buffer.ts";
import { get, noop, parseResponses, request, set, store } from "../../support/binary-frames.ts";
import { concatBytes } from "../../support/bytes.ts";
import { TemporaryCores } from "../../support/core.ts";

const cores = new TemporaryCores("litecached-binary-session-");
afterEach(() => cores.closeAll());
afterAll(() => cores.remove());

function openSession(): { core: CommandCore; session: BinarySession } {
  const core = cores.open();
  return { core, session: new BinarySession(core) };
}

function answer(session: BinarySession, out: ReplyBuffer, ...frames: Uint8Array[]) {
  session.push(concatBytes(...frames));
  return session.run(out, Number.POSITIVE_INFINITY);
}

const summary = (bytes: Uint8Array) =>
  parseResponses(bytes).frames.map(({ opcode, status, opaque, value }) => ({
    opcode,
    status,
    opaque,
    value,
  }));

describe("BinarySession", () => {
  test("Should answer quiet sets with nothing and the Noop after them", () => {
    const { session, core } = openSession();
    const out = new ReplyBuffer();
    expect(
      answer(session, out, store(Opcode.SETQ, "a", "1", { opaque: 1 }), get("a", 2), noop(3)),
    ).toBe("idle");
    expect(summary(out.take())).toEqual([
      { opcode: Opcode.GET, status: 0, opaque: 2, value: "1" },
      { opcode: Opcode.NOOP, status: 0, opaque: 3, value: "" },
    ]);
    expect(core.store.hasPendingWrites).toBe(true);
  });

  test("Should give each write its own error frame when its group commit fails", () => {
    const { session } = openSession();
    const out = new ReplyBuffer();
    answer(
      session,
      out,
      store(Opcode.SETQ, "a", "1", { opaque: 10 }),
      set("b", "2", 0, 11),
      noop(12),
      request({ opcode: Opcode.DELETEQ, key: "a", opaque: 13 }),
      set("b", "x".repeat(1025), 0, 14),
    );
    out.replaceAcknowledgements(session.commitFailureReply(storageError("SQLITE_FULL")));
    expect(summary(out.take())).toEqual([
      {
        opcode: Opcode.SETQ,
        status: Status.OUT_OF_MEMORY,
        opaque: 10,
        value: "storage failure (SQLITE_FULL)",
      },
      {
        opcode: Opcode.SET,
        status: Status.OUT_OF_MEMORY,
        opaque: 11,
        value: "storage failure (SQLITE_FULL)",
      },
      { opcode: Opcode.NOOP, status: 0, opaque: 12, value: "" },
      {
        opcode: Opcode.DELETEQ,
        status: Status.OUT_OF_MEMORY,
        opaque: 13,
        value: "storage failure (SQLITE_FULL)",
      },
      {
        opcode: Opcode.SET,
        status: Status.OUT_OF_MEMORY,
        opaque: 14,
        value: "storage failure (SQLITE_FULL)",
      },
    ]);
  });

  test("Should answer a frame that closes the connection, then decode nothing more", () => {
    const { session } = openSession();
    const out = new ReplyBuffer();
    expect(answer(session, out, get("k".repeat(251), 4), noop(5))).toBe("close");
    expect(summary(out.take())).toEqual([
      {
        opcode: Opcode.GET,
        status: Status.INVALID_ARGUMENTS,
        opaque: 4,
        value: "Invalid arguments",
      },
    ]);
  });

  test("Should stop at the output limit and go on where it stopped", () => {
    const { session } = openSession();
    const out = new ReplyBuffer();
    answer(session, out, set("big", "x".repeat(1000)));
    out.take();
    session.push(concatBytes(get("big", 1), get("big", 2), get("big", 3)));
    expect(session.run(out, 1500)).toBe("full");
    expect(parseResponses(out.take()).frames.map((frame) => frame.opaque)).toEqual([1, 2]);
    expect(session.run(out, 1500)).toBe("idle");
    expect(parseResponses(out.take()).frames.map((frame) => frame.opaque)).toEqual([3]);
  });
});

function storageError(code: string): Error {
  return Object.assign(new Error("database or disk is full"), { code });
}
