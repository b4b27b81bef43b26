/**
 * Meta commands run on the command core against a temporary store, with
 * their replies in a ReplyBuffer: what each outcome writes, and how quiet
 * writes stay accountable to their group commit.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import type { CommandCore } from "../../../src/protocol/command-core.ts";
import { ReplyBuffer } from "../../../src/protocol/reply-buffer.ts";
import type { ProtocolSession } from "../../../src/protocol/session.ts";
import { TextSession } from "../../../src/protocol/text/session.ts";
import { latin1Bytes, latin1Text } from "../../support/bytes.ts";
import { TemporaryCores } from "../../support/core.ts";

const cores = new TemporaryCores("litecached-meta-");
afterEach(() => cores.closeAll());
afterAll(() => cores.remove());

function openSession(): { core: CommandCore; session: ProtocolSession } {
  const core = cores.open();
  return { core, session: new TextSession(core) };
}

/** Runs `input` through a session and returns what it wrote, unsent. */
function run(session: ProtocolSession, input: string, out = new ReplyBuffer()): ReplyBuffer {
  session.push(latin1Bytes(input));
  expect(session.run(out, Number.POSITIVE_INFINITY)).toBe("idle");
  return out;
}

const FAILED = latin1Bytes("SERVER_ERROR storage failure\r\n");

describe("Meta commands: replies and their commits", () => {
  test("Should answer a meta pipeline in order", () => {
    const { session } = openSession();
    const out = run(session, "ms k 2 T0\r\nhi\r\nmg k v s\r\nmd k q\r\nmg k\r\nmn\r\n");
    expect(latin1Text(out.take())).toBe("HD\r\nVA 2 s2\r\nhi\r\nEN\r\nMN\r\n");
  });

  test("Should keep a quiet write's success silent once its commit succeeds", () => {
    const { session } = openSession();
    const out = run(session, "ms k 1 q\r\nv\r\nmn\r\n");
    out.confirmAcknowledgements();
    expect(latin1Text(out.take())).toBe("MN\r\n");
  });

  test("Should report a quiet write whose commit failed, before the reply that implied it", () => {
    const { session } = openSession();
    const out = run(session, "ms k 1 q\r\nv\r\nmd k q\r\nmn\r\n");
    out.replaceAcknowledgements(FAILED);
    expect(latin1Text(out.take())).toBe(
      "SERVER_ERROR storage failure\r\nSERVER_ERROR storage failure\r\nMN\r\n",
    );
  });

  test("Should replace a meta write's whole reply line when its commit failed", () => {
    const { session } = openSession();
    const out = run(session, "ms k 1 c O7\r\nv\r\nma n N0 v\r\nmn\r\n");
    out.replaceAcknowledgements(FAILED);
    expect(latin1Text(out.take())).toBe(
      "SERVER_ERROR storage failure\r\nSERVER_ERROR storage failure\r\nMN\r\n",
    );
  });

  test("Should leave reads alone but not delete replies, as classic ones, when a commit failed", () => {
    const { session } = openSession();
    const out = run(session, "mg k v\r\nmd k\r\nmn\r\n");
    out.replaceAcknowledgements(FAILED);
    expect(latin1Text(out.take())).toBe("EN\r\nSERVER_ERROR storage failure\r\nMN\r\n");
  });

  test("Should write the store's writes before answering, so the connection waits for them", () => {
    const { core, session } = openSession();
    run(session, "ms k 1 q\r\nv\r\n");
    expect(core.store.hasPendingWrites).toBe(true);
  });

  test("Should count meta gets and touches in the stats", () => {
    const { core, session } = openSession();
    run(session, "ms k 1\r\nv\r\nmg k\r\nmg nope\r\nmg k T30\r\n");
    const counters = core.stats.counters;
    expect([counters.cmd_get, counters.get_hits, counters.get_misses, counters.cmd_touch]).toEqual([
      2, 2, 1, 1,
    ]);
  });
});
