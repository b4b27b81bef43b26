/**
 * The binary protocol inside the real server, beside the text protocol:
 * each connection's first byte picks its protocol for its whole life, stats
 * count binary commands, and the monitor's live feed sees binary writes.
 * Reply bytes are checked against memcached in binary-differential.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ChangesEventJson } from "../../client/shared/api-types.ts";
import { Opcode, Status } from "../../src/protocol/binary/constants.ts";
import { BinaryConversation } from "../support/binary-conversation.ts";
import { get, noop, parseResponses, type ResponseFrame, set } from "../support/binary-frames.ts";
import { concatBytes, latin1Bytes, latin1Text } from "../support/bytes.ts";
import { type RunningServer, startServer } from "../support/server.ts";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

/** Sends frames plus a Noop and returns the replies up to that Noop's. */
async function exchange(conversation: BinaryConversation, ...frames: Uint8Array[]) {
  await conversation.write(concatBytes(...frames, noop(0xfeed)));
  const bytes = await conversation.readUntil(
    (frame) => frame.opcode === Opcode.NOOP && frame.opaque === 0xfeed,
    5000,
    15_000,
  );
  return parseResponses(bytes).frames.slice(0, -1);
}

async function textStats(): Promise<Map<string, string>> {
  const text = await BinaryConversation.open(server.port);
  try {
    const reply = await text.exchangeText("stats\r\n", "END\r\n");
    return new Map(
      reply
        .split("\r\n")
        .filter((line) => line.startsWith("STAT "))
        .map((line) => line.split(" ").slice(1) as [string, string]),
    );
  } finally {
    text.close();
  }
}

describe("protocol detection", () => {
  test("Should serve a binary and a text client side by side on the same data", async () => {
    const binary = await BinaryConversation.open(server.port);
    const text = await BinaryConversation.open(server.port);
    try {
      const [stored] = await exchange(binary, set("detect:key", "from binary", 5));
      expect(stored?.status).toBe(Status.SUCCESS);
      expect(await text.exchangeText("get detect:key\r\n", "END\r\n")).toBe(
        "VALUE detect:key 5 11\r\nfrom binary\r\nEND\r\n",
      );
      expect(await text.exchangeText("set detect:key 6 0 9\r\nfrom text\r\n", "\r\n")).toBe(
        "STORED\r\n",
      );
      const [hit] = await exchange(binary, get("detect:key"));
      expect(hit).toMatchObject({ status: 0, value: "from text", extras: "\0\0\0\x06" });
    } finally {
      binary.close();
      text.close();
    }
  });

  test("Should keep a connection binary: a text command after a frame closes it", async () => {
    const binary = await BinaryConversation.open(server.port);
    try {
      await binary.write(concatBytes(noop(1), latin1Bytes("get detect:key\r\nversion\r\n")));
      const replies = await binary.readUntil(() => false, 1000, 10_000);
      expect(parseResponses(replies).frames.map((frame) => frame.opcode)).toEqual([Opcode.NOOP]);
      expect(binary.closed).toBe(true);
    } finally {
      binary.close();
    }
  });

  test("Should keep a connection text: a binary frame after a text command is not decoded", async () => {
    const text = await BinaryConversation.open(server.port);
    try {
      expect(await text.exchangeText("version\r\n", "\r\n")).toBe("VERSION 1.6.18\r\n");
      // A Get frame's NUL bytes end the line's command early: one ERROR, as from memcached.
      const frameThenNewline = latin1Text(concatBytes(get("k"), latin1Bytes("\r\n")));
      expect(await text.exchangeText(frameThenNewline, "\r\n")).toBe("ERROR\r\n");
    } finally {
      text.close();
    }
  });
});

describe("stats and the monitor", () => {
  test("Should count binary gets and sets in stats", async () => {
    const before = await textStats();
    const binary = await BinaryConversation.open(server.port);
    try {
      await exchange(
        binary,
        set("stats:a", "v"),
        get("stats:a"),
        get("stats:missing", 0, Opcode.GETQ),
      );
    } finally {
      binary.close();
    }
    const after = await textStats();
    const grew = (name: string) => Number(after.get(name)) - Number(before.get(name));
    expect(grew("cmd_set")).toBe(1);
    expect(grew("cmd_get")).toBe(2);
    expect(grew("get_hits")).toBe(1);
    expect(grew("get_misses")).toBe(1);
  });

  test("Should show binary writes in the monitor's live feed", async () => {
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/api/events`, {
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const binary = await BinaryConversation.open(server.port);
    try {
      // The stream is open once its first event arrives: write after that.
      const decoder = new TextDecoder();
      let events = decoder.decode((await reader.read()).value);
      const frames: ResponseFrame[] = await exchange(binary, set("monitor:binary", "seen", 3));
      expect(frames[0]?.status).toBe(Status.SUCCESS);
      const deadline = Date.now() + 10_000;
      while (!events.includes("monitor:binary") && Date.now() < deadline) {
        const chunk = await reader.read();
        if (chunk.done) break;
        events += decoder.decode(chunk.value, { stream: true });
      }
      const block = events.split("\n\n").find((part) => part.includes("monitor:binary")) ?? "";
      expect(block).toContain("event: changes");
      const data = JSON.parse(block.slice(block.indexOf("data: ") + 6)) as ChangesEventJson;
      expect(data.changes).toContainEqual(
        expect.objectContaining({ type: "set", key: "monitor:binary", size: 4, flags: 3 }),
      );
    } finally {
      binary.close();
      controller.abort();
    }
  });
});
